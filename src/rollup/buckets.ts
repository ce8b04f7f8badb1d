import { createHash } from 'node:crypto';
import { DAY_MS, type TimeRange } from '../model/time';

/** Bucket math and document identity for rollups: pure, shared by the builder and the planner. */

// Re-exported for the rollup modules that take their bucket math from here.
export { DAY_MS };

export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

export function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

/** The smallest range of whole `step` buckets holding `[from, to)`. */
export function widen(r: TimeRange, step: number): TimeRange {
  return { from: alignDown(r.from, step), to: alignUp(r.to, step) };
}

/** The largest range of whole `step` buckets inside `[from, to)`; empty (from >= to) when none fits. */
export function narrow(r: TimeRange, step: number): TimeRange {
  return { from: alignUp(r.from, step), to: alignDown(r.to, step) };
}

/** `r` cut into at most `n` nearly equal ranges on `step` boundaries, in order, none empty. */
export function splitEven(r: TimeRange, step: number, n: number): TimeRange[] {
  const cuts = [r.from];
  for (let i = 1; i < n; i++)
    cuts.push(Math.max(cuts[cuts.length - 1] as number, alignDown(r.from + ((r.to - r.from) * i) / n, step)));
  cuts.push(r.to);
  return cuts
    .slice(1)
    .map((to, i) => ({ from: cuts[i] as number, to }))
    .filter((x) => !isEmpty(x));
}

export function isEmpty(r: TimeRange): boolean {
  return r.to <= r.from;
}

/** Sorted union of ranges; touching ranges join. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => !isEmpty(r)).sort((a, b) => a.from - b.from);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** Cuts ranges at UTC day boundaries: one composite scan and one stale-doc sweep per piece. */
export function splitByDay(ranges: readonly TimeRange[]): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of ranges) {
    for (let from = r.from; from < r.to; from = alignDown(from, DAY_MS) + DAY_MS)
      out.push({ from, to: Math.min(r.to, alignDown(from, DAY_MS) + DAY_MS) });
  }
  return out;
}

/**
 * The windows a spec must rebuild for dirty buckets (starts of `dirtyMs`-wide buckets): each
 * widened to whole spec buckets, so a coarser spec rebuilds the whole bucket a late flow fell in.
 */
export function dirtyWindows(buckets: readonly number[], dirtyMs: number, specMs: number): TimeRange[] {
  return mergeRanges(buckets.map((b) => widen({ from: b, to: b + dirtyMs }, specMs)));
}

/**
 * Deterministic rollup document id: the same spec, bucket and dimension values always give
 * the same id, so rebuilding a bucket overwrites its documents instead of adding to them.
 */
export function rollupDocId(spec: string, bucketMs: number, dims: readonly (string | number | null)[]): string {
  return createHash('sha1')
    .update(JSON.stringify([spec, bucketMs, ...dims]))
    .digest('base64url')
    .slice(0, 16);
}
