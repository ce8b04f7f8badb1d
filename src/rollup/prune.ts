import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { deleteIndices, listIndices, toFlowdexError } from '../store/client';
import { allRollupIndices } from '../store/indices';
import { DAY_MS, alignDown } from './buckets';
import { monthEndOfRollupIndex } from './specs';

/** Monthly rollup indices whose whole month lies before the retention cutoff. Pure. */
export function expiredRollupIndices(
  prefix: string,
  names: readonly string[],
  olderThanMs: number,
  now: number,
): string[] {
  const cutoff = alignDown(now - olderThanMs, DAY_MS);
  return names
    .filter((n) => {
      const end = monthEndOfRollupIndex(prefix, n);
      return end !== undefined && end <= cutoff;
    })
    .sort();
}

/** Rollup retention, longer than raw: deletes whole monthly indices. */
export async function pruneRollups(
  client: Client,
  cfg: FlowdexConfig,
  olderThanMs: number,
  o: { dryRun?: boolean; now?: number } = {},
): Promise<string[]> {
  try {
    const names = await listIndices(client, allRollupIndices(cfg.prefix));
    const expired = expiredRollupIndices(cfg.prefix, names, olderThanMs, o.now ?? Date.now());
    if (!o.dryRun) await deleteIndices(client, expired);
    return expired;
  } catch (e) {
    throw toFlowdexError(e, cfg, 'prune rollups');
  }
}
