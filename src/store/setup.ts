import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { createIndex, indexSetting, indicesExist, putIndexSettings } from './admin';
import { toFlowdexError, type ClusterInfo } from './client';
import { allFlowIndices, allRollupIndices, fixedIndices, isDailyIndex, isRollupIndex } from './indices';
import { allTemplates } from './templates';

export type SetupAction = 'created' | 'updated' | 'unchanged';

export interface SetupItem {
  /** `replicas`: an existing index given the configured number of replicas. */
  kind: 'template' | 'index' | 'replicas';
  name: string;
  action: SetupAction;
}

export interface SetupReport {
  version: string;
  items: SetupItem[];
}

/**
 * Installs every template of `mappings/` and the fixed indices. Idempotent: a template whose
 * stored hash matches is left alone, so running it on every start is cheap.
 */
export async function setup(client: Client, cfg: FlowdexConfig, info: ClusterInfo): Promise<SetupReport> {
  if (info.major < 2) {
    throw new FlowdexError(
      'OPENSEARCH_ERROR',
      `flowdex needs OpenSearch 2.x or 3.x, the cluster runs ${info.distribution} ${info.version}`,
    );
  }
  const items: SetupItem[] = [];
  try {
    for (const t of allTemplates({
      prefix: cfg.prefix,
      shards: cfg.shards,
      replicas: cfg.replicas,
      derivedSource: info.major >= 3,
    })) {
      const existing = await client.indices.getIndexTemplate({ name: t.name }, { ignore: [404] });
      const templates =
        (existing.body as { index_templates?: { index_template: { _meta?: { flowdex_hash?: string } } }[] })
          .index_templates ?? [];
      const current = templates[0]?.index_template._meta?.flowdex_hash;
      if (current === t.hash) {
        items.push({ kind: 'template', name: t.name, action: 'unchanged' });
        continue;
      }
      await client.indices.putIndexTemplate({ name: t.name, body: t.body });
      items.push({ kind: 'template', name: t.name, action: templates.length ? 'updated' : 'created' });
    }
    for (const index of fixedIndices(cfg.prefix)) {
      const created = !(await indicesExist(client, index)) && (await createIndex(client, index));
      items.push({ kind: 'index', name: index, action: created ? 'created' : 'unchanged' });
    }
  } catch (e) {
    throw toFlowdexError(e, cfg, 'setup');
  }
  return { version: info.version, items };
}

/**
 * Gives every existing index of the prefix (daily flows, rollup months, fixed indices) the
 * configured replica count (FLOWDEX_REPLICAS): templates only reach indices created after them.
 * Nothing to do when the count is not configured. Returns the indices changed.
 */
export async function applyReplicas(client: Client, cfg: FlowdexConfig): Promise<SetupItem[]> {
  const want = cfg.replicas;
  if (want === undefined) return [];
  try {
    const replicas = await indexSetting(
      client,
      [allFlowIndices(cfg.prefix), allRollupIndices(cfg.prefix), ...fixedIndices(cfg.prefix)].join(','),
      'index.number_of_replicas',
    );
    const fixed = new Set(fixedIndices(cfg.prefix));
    const change = [...replicas]
      .filter(([name]) => fixed.has(name) || isDailyIndex(cfg.prefix, name) || isRollupIndex(cfg.prefix, name))
      .filter(([, v]) => v !== String(want))
      .map(([name]) => name)
      .sort();
    await putIndexSettings(client, change, { number_of_replicas: want });
    return change.map((name) => ({ kind: 'replicas', name, action: 'updated' }));
  } catch (e) {
    throw toFlowdexError(e, cfg, 'replica update');
  }
}
