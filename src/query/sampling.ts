import {
  METRICS,
  MOMENTS,
  SUMMED,
  type BoundedRow,
  type ErrorBound,
  type Metric,
  type ReportResult,
  type ReportRow,
} from './reports';

/**
 * Error bounds of answers over sampled flows. A group's estimate is the sum of its flows'
 * estimates, whose variances add up (flows are sampled independently), so the summed variance
 * terms of model/sampling give a group's standard error; the bound is the normal 95 % interval,
 * ±1.96 standard errors. With one rate N and c sampled packets that is N·c ± 1.96·N·√c: a relative
 * error of 1.96/√c. Flow counts are counts of exported records and carry no bound. Pure.
 */

/** Standard normal quantile of a two-sided 95 % interval. */
export const Z95 = 1.959964;

/**
 * How much wider than ±1.96 standard errors the bound is drawn for c sampled packets: the wider
 * side of the score (Wilson) interval of a Poisson count, N·(1.96·√(c + 0.96) + 1.92) against the
 * normal N·1.96·√c. The plain normal interval is too narrow for few packets, and narrowest exactly
 * when a group happened to be sampled low; this factor is 2.4 at c = 1, 1.1 at c = 100, → 1.
 */
export function smallCountFactor(c: number): number {
  if (!(c > 0)) return 1;
  return (Math.sqrt(c + (Z95 * Z95) / 4) + Z95 / 2) / Math.sqrt(c);
}

/** A row's ± at 95 % from its moments, or undefined when no sampled flow fed it. */
export function boundOf(row: ReportRow): ErrorBound | undefined {
  const varPackets = Number(row.var_packets ?? 0);
  const varBytes = Number(row.var_bytes ?? 0);
  if (!(varPackets > 0) && !(varBytes > 0)) return undefined;
  const k = Z95 * smallCountFactor(Number(row.sampled_packets ?? 0));
  // Whole units: sums over flows and over rollups differ in the last bits of a double, never by one.
  return { bytes: Math.round(k * Math.sqrt(varBytes)), packets: Math.round(k * Math.sqrt(varPackets)) };
}

/** The row without its moments, and with its bound when it has one. */
function bounded(row: ReportRow): BoundedRow {
  const out: ReportRow = {};
  for (const [k, v] of Object.entries(row)) if (!(MOMENTS as readonly string[]).includes(k)) out[k] = v;
  const error = boundOf(row);
  return error === undefined ? out : Object.assign(out, { error });
}

/**
 * Ranked rows whose order the bounds do not establish: row i's interval reaches row i+1's
 * (lower end of i at or below the upper end of i+1). Flows are exact, so a flow ranking never is.
 */
function markOverlaps(rows: BoundedRow[], by: Metric): void {
  if (by === 'flows') return;
  for (let i = 0; i + 1 < rows.length; i++) {
    const a = rows[i] as BoundedRow;
    const b = rows[i + 1] as BoundedRow;
    if (a.error === undefined && b.error === undefined) continue;
    const low = Number(a[by] ?? 0) - (a.error?.[by] ?? 0);
    const high = Number(b[by] ?? 0) + (b.error?.[by] ?? 0);
    if (low <= high && a.error !== undefined) a.error.overlaps_next = true;
    else if (low <= high) Object.assign(a, { error: { bytes: 0, packets: 0, overlaps_next: true } });
  }
}

/** Sums of the metrics and moments over rows (a series' total). */
export function sumRows(rows: readonly ReportRow[]): ReportRow {
  const total: ReportRow = {};
  for (const m of SUMMED) total[m] = rows.reduce((s, r) => s + Number(r[m] ?? 0), 0);
  return total;
}

/** Whether any of these rows was fed by sampled flows. */
export function anySampled(rows: readonly ReportRow[]): boolean {
  return rows.some((r) => boundOf(r) !== undefined);
}

/**
 * The answer as users get it: bounds per row and for the total, ranked rows marked where the
 * order is not established, moments dropped. `total` is the report's total with its moments
 * (every group, not only the rows shown; top-N callers fetch it when a shown row is sampled),
 * series total their buckets. Answers over unsampled flows keep their plain shape (no total, no
 * `sampled`). Unique reports are counts of addresses and stay as they are.
 */
export function withBounds(
  result: ReportResult,
  kind: 'top' | 'series' | 'unique',
  by: Metric,
  total?: ReportRow,
): ReportResult {
  if (kind === 'unique') return result;
  const whole = total ?? (kind === 'series' ? sumRows(result.rows) : undefined);
  const rows = result.rows.map(bounded);
  const sampled = anySampled(result.rows) || (whole !== undefined && boundOf(whole) !== undefined);
  if (!sampled) return { ...result, rows };
  if (kind === 'top') markOverlaps(rows, by);
  const sumTotal =
    whole && bounded(Object.fromEntries([...METRICS, ...MOMENTS].map((m) => [m, Number(whole[m] ?? 0)])));
  return { ...result, rows, ...(sumTotal ? { total: sumTotal } : {}), sampled: true };
}

/** Columns whose values are estimates over sampled flows, and the bound each reads. */
const ESTIMATED: Readonly<Record<string, 'bytes' | 'packets'>> = {
  bytes: 'bytes',
  packets: 'packets',
  bytes_per_s: 'bytes',
  packets_per_s: 'packets',
};

/** The bound of one column of a row as a fraction of its value, or undefined when the value is exact. */
export function relativeError(row: BoundedRow, column: string): number | undefined {
  const of = ESTIMATED[column];
  if (of === undefined || row.error === undefined) return undefined;
  const base = Number(row[of] ?? 0);
  return base > 0 ? row.error[of] / base : undefined;
}

/** `≈<value> ±<percent>%` for an estimated cell; `show` formats the value (bytes, counts). */
export function estimateText(row: BoundedRow, column: string, show: (v: number) => string): string | undefined {
  const rel = relativeError(row, column);
  const v = row[column];
  if (rel === undefined || typeof v !== 'number') return undefined;
  return `≈${show(v)} ±${percent(rel)}`;
}

/** A relative bound as people read it: two significant digits, at least 0.1 %. */
export function percent(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 10 ? Math.round(p) : p >= 0.1 ? p.toPrecision(2) : '<0.1'}%`;
}

/** `1:100, 1:1000` */
export function ratesText(rates: readonly number[]): string {
  return rates.map((r) => `1:${r}`).join(', ');
}
