import type { TimeRange } from '../model/time';

/** A histogram bucket: flows from `key` (epoch ms) to the next bucket's key. */
export interface TimeBucket {
  key: number;
  count: number;
}

/** A histogram interval giving about `buckets` buckets over `range`, in whole milliseconds. */
export function histogramInterval(range: TimeRange, buckets: number): number {
  return Math.max(1, Math.ceil((range.to - range.from) / buckets));
}

/**
 * Cuts `range` into consecutive time chunks of about `maxFlows` flows each, from histogram
 * buckets in time order. Chunks cover the range without gaps or overlap whatever the counts say
 * (a count only decides where a cut falls), so no flow is lost if the counts are stale; a bucket
 * holding more than `maxFlows` flows makes a chunk of its own. Oldest first. Pure.
 */
export function timeChunks(range: TimeRange, buckets: readonly TimeBucket[], maxFlows: number): TimeRange[] {
  const cuts: number[] = [];
  let filled = 0;
  for (const b of buckets) {
    const at = Math.max(range.from, Math.min(range.to, b.key));
    if (filled > 0 && filled + b.count > maxFlows && at > (cuts[cuts.length - 1] ?? range.from) && at < range.to) {
      cuts.push(at);
      filled = 0;
    }
    filled += b.count;
  }
  const edges = [range.from, ...cuts, range.to];
  return edges.slice(1).map((to, i) => ({ from: edges[i] as number, to }));
}
