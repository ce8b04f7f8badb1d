import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { toFlowdexError } from './client';
import { allFlowIndices, allIndices, isDailyIndex, monthOfRollupIndex } from './indices';
import { refreshStatus, type RefreshStatus } from './refresh';
import { DIRTY_MARKS, WATERMARKS } from './state';

export interface IndexStatus {
  index: string;
  health: string;
  docs: number;
  size_bytes: number;
}

/** A rollup spec: its watermark (`<prefix>state`, kind `rollup`), its indices, and what it still lacks. */
export interface RollupStatus {
  key: string;
  updated: string | null;
  /** The newest time the rollup covers, when the document says. */
  watermark: string | null;
  /** Documents and bytes of the spec's monthly indices. */
  docs: number;
  size_bytes: number;
  /** Its size against the raw flow indices' (null without raw flows). */
  size_ratio: number | null;
  /** How far the watermark is behind the newest raw flow start, in ms (0 when ahead). */
  lag_ms: number | null;
  /**
   * 15-minute buckets indexed flows were marked in and no rollup holds yet: held by a running
   * indexer, or left by one that stopped (rebuilt by the next `flowdex index` or `flowdex rollup`).
   */
  pending_buckets: number;
}

export interface ClusterStatus {
  version: string;
  distribution: string;
  cluster: string;
  health: string;
  nodes: number;
  prefix: string;
  indices: IndexStatus[];
  rollups: RollupStatus[];
  /** Daily indices with refresh off (a load running, or one that ended without turning it back on), and the last repair. */
  refresh: RefreshStatus;
  took_ms: number;
}

interface CatIndex {
  index?: string;
  health?: string;
  'docs.count'?: string | null;
  'store.size'?: string | null;
}

function isoOrNull(v: string | number | undefined): string | null {
  if (v === undefined) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

/** Version, health, the prefix's indices with doc counts and sizes, and rollup freshness. */
export async function clusterStatus(client: Client, cfg: FlowdexConfig): Promise<ClusterStatus> {
  const started = Date.now();
  try {
    const [info, health, cat, watermarks, dirty, newest, refresh] = await Promise.all([
      client.info(),
      client.cluster.health({}),
      client.cat.indices(
        { index: allIndices(cfg.prefix), format: 'json', bytes: 'b', expand_wildcards: 'open' },
        { ignore: [404] },
      ),
      WATERMARKS.list(client, cfg.prefix),
      // Dirty marks are written without a refresh; the count must see them.
      DIRTY_MARKS.list(client, cfg.prefix, { refresh: true }),
      client.search(
        {
          index: allFlowIndices(cfg.prefix),
          ignore_unavailable: true,
          allow_no_indices: true,
          body: { size: 0, track_total_hits: false, aggs: { newest: { max: { field: '@timestamp' } } } },
        } as Parameters<Client['search']>[0],
        { ignore: [404] },
      ),
      refreshStatus(client, cfg.prefix),
    ]);
    const version = info.body.version as { number: string; distribution?: string };
    const h = health.body as { cluster_name: string; status: string; number_of_nodes: number };
    const indices = ((cat.body as CatIndex[] | undefined) ?? [])
      .filter((i): i is CatIndex & { index: string } => typeof i.index === 'string')
      .map((i) => ({
        index: i.index,
        health: i.health ?? 'unknown',
        docs: Number(i['docs.count'] ?? 0),
        size_bytes: Number(i['store.size'] ?? 0),
      }))
      .sort((a, b) => a.index.localeCompare(b.index));
    const pending = new Set(dirty.flatMap((d) => d.data.buckets)).size;
    const newestFlow =
      (newest.body as unknown as { aggregations?: { newest?: { value?: number | null } } }).aggregations?.newest
        ?.value ?? null;
    const rawBytes = indices.filter((i) => isDailyIndex(cfg.prefix, i.index)).reduce((n, i) => n + i.size_bytes, 0);
    const rollups = watermarks
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((d): RollupStatus => {
        const key = d.key;
        const own = indices.filter((i) => monthOfRollupIndex(cfg.prefix, i.index, [key]) !== undefined);
        const size = own.reduce((n, i) => n + i.size_bytes, 0);
        const builtTo = d.data.built_to;
        return {
          key,
          updated: isoOrNull(d.updated),
          watermark: isoOrNull(builtTo),
          docs: own.reduce((n, i) => n + i.docs, 0),
          size_bytes: size,
          size_ratio: rawBytes > 0 ? Math.round((size / rawBytes) * 1000) / 1000 : null,
          lag_ms: newestFlow !== null ? Math.max(0, newestFlow + 1 - builtTo) : null,
          pending_buckets: pending,
        };
      });
    return {
      version: version.number,
      distribution: version.distribution ?? 'elasticsearch',
      cluster: h.cluster_name,
      health: h.status,
      nodes: h.number_of_nodes,
      prefix: cfg.prefix,
      indices,
      rollups,
      refresh,
      took_ms: Date.now() - started,
    };
  } catch (e) {
    throw toFlowdexError(e, cfg, 'status');
  }
}
