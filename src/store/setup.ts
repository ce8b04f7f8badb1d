import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { toFlowdexError, type ClusterInfo } from './client';
import { fixedIndices } from './indices';
import { allTemplates } from './templates';

export type SetupAction = 'created' | 'updated' | 'unchanged';

export interface SetupItem {
  kind: 'template' | 'index';
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
      const exists = await client.indices.exists({ index });
      if (exists.body) {
        items.push({ kind: 'index', name: index, action: 'unchanged' });
        continue;
      }
      await client.indices.create({ index }, { ignore: [400] });
      items.push({ kind: 'index', name: index, action: 'created' });
    }
  } catch (e) {
    throw toFlowdexError(e, cfg, 'setup');
  }
  return { version: info.version, items };
}
