import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { parseDurationNs } from '../query/units';
import { deleteIndices, listIndices, toFlowdexError } from '../store/client';
import { allFlowIndices, dayOfIndex, startOfDay } from '../store/indices';

/** `30d`, `12h`, `10m` … in milliseconds; the option's name goes into the error. */
export function durationMs(text: string, option: string): number {
  const ns = parseDurationNs(text);
  if (ns === undefined || ns <= 0)
    throw new FlowdexError('BAD_REQUEST', `${option} needs a duration such as 30d, 12h or 10m, got "${text}"`, {
      field: option,
    });
  return ns / 1e6;
}

/**
 * Daily flow indices wholly older than the retention: a day goes once its last millisecond
 * is more than `olderThanMs` before `now`. Names that are not daily flow indices are kept.
 */
export function expiredIndices(prefix: string, names: readonly string[], olderThanMs: number, now: number): string[] {
  const cutoff = startOfDay(now - olderThanMs);
  return names
    .filter((n) => {
      const day = dayOfIndex(prefix, n);
      return day !== undefined && day < cutoff;
    })
    .sort();
}

export interface PruneResult {
  indices: string[];
  deleted: boolean;
}

/** Retention: deletes whole daily indices (no delete-by-query, which core OpenSearch lacks). */
export async function prune(
  client: Client,
  cfg: FlowdexConfig,
  olderThanMs: number,
  o: { dryRun?: boolean; now?: number } = {},
): Promise<PruneResult> {
  try {
    const names = await listIndices(client, allFlowIndices(cfg.prefix));
    const expired = expiredIndices(cfg.prefix, names, olderThanMs, o.now ?? Date.now());
    if (!o.dryRun) await deleteIndices(client, expired);
    return { indices: expired, deleted: !o.dryRun };
  } catch (e) {
    throw toFlowdexError(e, cfg, 'prune');
  }
}
