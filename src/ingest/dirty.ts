import type { Client } from '@opensearch-project/opensearch';
import { dayOf, stateDocId } from '../store/indices';

/** Rollup buckets are 15 minutes; a bucket is dirty when a run indexed a flow starting in it. */
export const BUCKET_MS = 15 * 60_000;

/**
 * Touched-bucket bookkeeping for the rollup builder, in `<prefix>state`:
 * one document per UTC day, id `dirty:YYYY.MM.DD`,
 * `{kind: "dirty", key: "YYYY.MM.DD", updated, data: {buckets: [epoch ms of each bucket start, ascending]}}`.
 * Runs merge their buckets into the existing list; the rollup builder rebuilds those buckets
 * and then deletes or trims the document. Only newly indexed flows mark buckets (duplicates
 * change nothing).
 */
export class DirtyBuckets {
  private readonly byDay = new Map<string, Set<number>>();

  mark(ms: number): void {
    const day = dayOf(ms);
    let set = this.byDay.get(day);
    if (!set) this.byDay.set(day, (set = new Set()));
    set.add(Math.floor(ms / BUCKET_MS) * BUCKET_MS);
  }

  /** Day → sorted bucket starts. */
  snapshot(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [day, set] of [...this.byDay].sort(([a], [b]) => a.localeCompare(b))) out.set(day, [...set].sort((a, b) => a - b));
    return out;
  }
}

export function mergeBuckets(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** Merges this run's buckets into the state index (read, union, write back, per day). */
export async function recordDirty(client: Client, stateIndex: string, dirty: DirtyBuckets): Promise<void> {
  for (const [day, buckets] of dirty.snapshot()) {
    const id = stateDocId('dirty', day);
    const got = await client.get({ index: stateIndex, id }, { ignore: [404] });
    const prev = (got.body as { _source?: { data?: { buckets?: number[] } } })._source?.data?.buckets ?? [];
    await client.index({
      index: stateIndex,
      id,
      body: { kind: 'dirty', key: day, updated: new Date().toISOString(), data: { buckets: mergeBuckets(prev, buckets) } },
    });
  }
}
