import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { toFlowdexError } from '../store/client';
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
    const cat = await client.cat.indices(
      { index: allRollupIndices(cfg.prefix), format: 'json', h: ['index'] },
      { ignore: [404] },
    );
    const names = ((cat.body as { index?: string }[] | undefined) ?? [])
      .map((i) => i.index)
      .filter((n): n is string => n !== undefined);
    const expired = expiredRollupIndices(cfg.prefix, names, olderThanMs, o.now ?? Date.now());
    if (!o.dryRun)
      for (let i = 0; i < expired.length; i += 50)
        await client.indices.delete({ index: expired.slice(i, i + 50).join(',') });
    return expired;
  } catch (e) {
    throw toFlowdexError(e, cfg, 'prune rollups');
  }
}
