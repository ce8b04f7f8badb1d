import type { TimeRange } from '../model/time';
import { checkBucketCount } from './limits';

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
