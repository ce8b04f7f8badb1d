import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { createPointInTime, deletePointInTime, resolveIndexNames, toFlowdexError } from '../store/client';
import { outsideScope } from '../store/deadline';
import { allFlowIndices, indicesFor, isDailyIndex } from '../store/indices';
import type { TimeRange } from '../model/time';

/**
 * The daily indices of `range` that exist, oldest first: what a search or report is served by.
 * One `_resolve/index` call on the prefix's pattern; days without flows have no index and are
 * simply absent (a point in time cannot be opened on a missing index).
 */
export async function existingIndices(client: Client, cfg: FlowdexConfig, range: TimeRange): Promise<string[]> {
  if (indicesFor(cfg.prefix, range).length === 0) return [];
  return dailyIndicesOf(cfg.prefix, range, await resolveNames(client, cfg, [allFlowIndices(cfg.prefix)]));
}

/** Names of the indices matching `patterns`, in one `_resolve/index` call. */
export async function resolveNames(
  client: Client,
  cfg: FlowdexConfig,
  patterns: readonly string[],
): Promise<Set<string>> {
  try {
    return await resolveIndexNames(client, patterns);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'index lookup');
  }
}

/** The daily indices of `range` among existing index `names`, oldest first. Pure. */
export function dailyIndicesOf(prefix: string, range: TimeRange, names: ReadonlySet<string>): string[] {
  const wanted = indicesFor(prefix, range);
  // Too many days collapse to the wildcard; then every existing daily index may serve.
  if (wanted.length === 1 && wanted[0] === allFlowIndices(prefix))
    return [...names].filter((n) => isDailyIndex(prefix, n)).sort();
  return wanted.filter((n) => names.has(n));
}

/** How long a point in time lives between pages: long enough for a person to click "next". */
export const PIT_KEEP_ALIVE = '5m';

export async function openPit(client: Client, cfg: FlowdexConfig, indices: string[]): Promise<string> {
  try {
    return await createPointInTime(client, indices, PIT_KEEP_ALIVE);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'point in time');
  }
}

/**
 * Closes a point in time; a PIT that already expired is not an error. Runs outside the request's
 * scope, so an export whose reader went away still frees its PIT at once.
 */
export async function closePit(client: Client, pitId: string): Promise<void> {
  await outsideScope(() => deletePointInTime(client, pitId)).catch(() => undefined);
}
