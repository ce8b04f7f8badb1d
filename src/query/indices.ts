import { checkBucketCount } from './limits';
import type { TimeRange } from './time';

const DAY_MS = 86400000;

/** Beyond this many daily indices a request names the wildcard instead (URL length, cluster limits). */
export const MAX_NAMED_INDICES = 400;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The raw daily index a flow starting at `timeMs` lands in: `<prefix>flows-YYYY.MM.DD` (UTC). */
export function indexFor(prefix: string, timeMs: number): string {
  const d = new Date(timeMs);
  return `${prefix}flows-${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

/**
 * True for exactly `<prefix>flows-YYYY.MM.DD` with a real calendar day: the only index names a
 * client may hand back (flow detail), so no client text ever becomes an index pattern or list.
 */
export function isDailyIndex(prefix: string, name: string): boolean {
  if (!name.startsWith(`${prefix}flows-`)) return false;
  const day = name.slice(prefix.length + 'flows-'.length);
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(day);
  return m !== null && indexFor(prefix, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) === name;
}

/** The pattern matching every raw daily index. */
export function allFlowIndices(prefix: string): string {
  return `${prefix}flows-*`;
}

/**
 * The daily indices that can hold flows of `[from, to)`, oldest first. More than `maxDays` of them
 * collapse to `<prefix>flows-*`; the range filter in the query still bounds the answer.
 * Callers search with `ignore_unavailable` since days without flows have no index.
 */
export function indicesFor(prefix: string, range: TimeRange, maxDays = MAX_NAMED_INDICES): string[] {
  if (range.to <= range.from) return [];
  const first = Math.floor(range.from / DAY_MS);
  const last = Math.floor((range.to - 1) / DAY_MS);
  if (last - first + 1 > maxDays) return [allFlowIndices(prefix)];
  const out: string[] = [];
  for (let day = first; day <= last; day++) out.push(indexFor(prefix, day * DAY_MS));
  return out;
}

/**
 * Bucket start times of a fixed interval over `[from, to)`, aligned to multiples of the interval
 * since the epoch — the buckets a `date_histogram` with `fixed_interval` and `extended_bounds`
 * returns, so empty ones can be told apart from missing ones.
 */
export function alignedBuckets(range: TimeRange, intervalMs: number): number[] {
  // Callers check the count first; this keeps a missed check from allocating without bound.
  checkBucketCount(range.from, range.to, intervalMs, `${intervalMs}ms`);
  const out: number[] = [];
  for (let t = Math.floor(range.from / intervalMs) * intervalMs; t < range.to; t += intervalMs) out.push(t);
  return out;
}
