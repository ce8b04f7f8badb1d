/**
 * Daily index naming as a pair of pure functions: `indexFor` names the index of a time,
 * `dayOfIndex` reads the day back. Tested against each other.
 */

const DAY_MS = 86_400_000;

/** `YYYY.MM.DD` of the UTC day of `ms`. */
export function dayOf(ms: number): string {
  const d = new Date(ms);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${d.getUTCFullYear()}.${mm}.${dd}`;
}

/** `<prefix>flows-YYYY.MM.DD` holding flows that start at `ms`. */
export function indexFor(prefix: string, ms: number): string {
  return `${prefix}flows-${dayOf(ms)}`;
}

/** Start (epoch ms, UTC midnight) of the day a daily flow index holds, or undefined for other names. */
export function dayOfIndex(prefix: string, name: string): number | undefined {
  const head = `${prefix}flows-`;
  if (!name.startsWith(head)) return undefined;
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(head.length));
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Rejects impossible dates such as 2024.02.31, which Date.UTC silently rolls over.
  return indexFor(prefix, ms) === name ? ms : undefined;
}

/** UTC midnight at or before `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
