import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { toFlowdexError } from './client';
import { stateIndex } from './indices';

export interface IndexStatus {
  index: string;
  health: string;
  docs: number;
  size_bytes: number;
}

/** One `<prefix>state` document of kind `rollup`: a rollup spec's watermark. */
export interface RollupStatus {
  key: string;
  updated: string | null;
  /** The newest time the rollup covers, when the document says. */
  watermark: string | null;
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
  took_ms: number;
}

interface CatIndex {
  index?: string;
  health?: string;
  'docs.count'?: string | null;
  'store.size'?: string | null;
}

interface StateDoc {
  key?: string;
  updated?: string | number;
  data?: { built_to?: string | number };
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
    const [info, health, cat, state] = await Promise.all([
      client.info(),
      client.cluster.health({}),
      client.cat.indices({ index: `${cfg.prefix}*`, format: 'json', bytes: 'b', expand_wildcards: 'open' }, { ignore: [404] }),
      client.search(
        { index: stateIndex(cfg.prefix), body: { size: 100, query: { term: { kind: 'rollup' } }, sort: [{ key: 'asc' }] } },
        { ignore: [404] },
      ),
    ]);
    const version = info.body.version as { number: string; distribution?: string };
    const h = health.body as { cluster_name: string; status: string; number_of_nodes: number };
    const indices = ((cat.body as CatIndex[] | undefined) ?? [])
      .filter((i): i is CatIndex & { index: string } => typeof i.index === 'string')
      .map((i) => ({ index: i.index, health: i.health ?? 'unknown', docs: Number(i['docs.count'] ?? 0), size_bytes: Number(i['store.size'] ?? 0) }))
      .sort((a, b) => a.index.localeCompare(b.index));
    const docs = (state.body as { hits?: { hits: { _id: string; _source: StateDoc }[] } }).hits?.hits ?? [];
    const rollups = docs.map((d) => ({
      key: d._source.key ?? d._id,
      updated: isoOrNull(d._source.updated),
      watermark: isoOrNull(d._source.data?.built_to),
    }));
    return {
      version: version.number,
      distribution: version.distribution ?? 'elasticsearch',
      cluster: h.cluster_name,
      health: h.status,
      nodes: h.number_of_nodes,
      prefix: cfg.prefix,
      indices,
      rollups,
      took_ms: Date.now() - started,
    };
  } catch (e) {
    throw toFlowdexError(e, cfg, 'status');
  }
}
