/** Number and time formatting shared by the pages, the SVG charts and the CLI-like tables. */

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

function scaled(v: number, base: number, units: readonly string[]): { n: number; unit: string } {
  let n = Math.abs(v);
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return { n: Math.sign(v) * n, unit: units[i] ?? '' };
}

function short(n: number): string {
  return Math.abs(n) >= 100 || Number.isInteger(n)
    ? String(Math.round(n))
    : n.toFixed(Math.abs(n) >= 10 ? 1 : 2).replace(/\.?0+$/, '');
}

/** 1234567 → "1.23 MB" (decimal units, as the query language reads `1M`). */
export function formatBytes(v: number): string {
  const { n, unit } = scaled(v, 1000, SI);
  return `${short(n)} ${unit}B`;
}

/** 1234567 → "1.23M". */
export function formatCount(v: number): string {
  const { n, unit } = scaled(v, 1000, SI);
  return `${short(n)}${unit}`;
}

/** 1234567 → "1,234,567"; fractions keep two decimals. */
export function formatNumber(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** ISO time without milliseconds noise: "2024-05-01 12:00:03Z" (always UTC). */
export function formatTime(v: string | number): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.endsWith('.000Z') ? 19 : 23)}Z`;
}

/** Nanoseconds → "12 ms", "3.5 s", "2.1 min". */
export function formatDurationNs(ns: number): string {
  const ms = ns / 1e6;
  if (ms < 1000) return `${short(ms)} ms`;
  if (ms < 60_000) return `${short(ms / 1000)} s`;
  if (ms < 3_600_000) return `${short(ms / 60_000)} min`;
  return `${short(ms / 3_600_000)} h`;
}

/** A metric value by its column name: byte columns as bytes, everything else as a count. */
export function formatMetric(column: string, v: number): string {
  // AS numbers and ifIndexes are names, not quantities.
  if (column === 'as' || column === 'interface') return String(v);
  return column.startsWith('bytes')
    ? formatBytes(v)
    : column === 'unique' || column.startsWith('flows') || column.startsWith('packets')
      ? formatCount(v)
      : formatNumber(v);
}
