import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Indices_PutIndexTemplate_RequestBody } from '@opensearch-project/opensearch/api/index';
import { FlowdexError } from '../errors';
import { templateName } from './indices';

/** An index template body as the `_index_template` API takes it (the client's own type). */
export type IndexTemplateBody = Indices_PutIndexTemplate_RequestBody & { index_patterns: string[] };

export interface RenderedTemplate {
  /** Template name: `<prefix><file stem>`, e.g. `flowdex-flows`. */
  name: string;
  body: IndexTemplateBody;
  /** Hash of the rendered body, stored in `_meta` so setup can tell unchanged from updated. */
  hash: string;
}

const PLACEHOLDER = /__PREFIX__/g;

/** The `mappings/` folder of the installation, from source (ts) or build (dist) layout. */
export function mappingsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'mappings');
    if (existsSync(path.join(candidate, 'flows.template.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new FlowdexError('CONFIG_INVALID', `cannot find the mappings/ folder above ${__dirname}`);
}

/**
 * Templates whose indices take the configured shard count: the daily flow indices, where writes
 * and searches spread over the nodes. A monthly rollup index stays one shard (its `terms`
 * aggregation then returns exact top-N groups); state, saved queries and alerts are small.
 */
const SHARDED = new Set(['flows']);

export interface RenderOptions {
  prefix: string;
  /** Primary shards of each daily flow index; the template's own (1) when unset. */
  shards?: number;
  /** Replicas of every index flowdex creates; the templates' own (0) when unset. */
  replicas?: number;
  /**
   * Rebuild `_source` from doc values instead of storing it (OpenSearch 3.x): a third less
   * disk per flow. 2.x has no such setting, so it is dropped there. @default true
   */
  derivedSource?: boolean;
}

/** Reads one template file and renders it for a prefix and cluster size. Pure apart from the read. */
export function renderTemplate(file: string, o: RenderOptions): RenderedTemplate {
  const stem = path.basename(file).replace(/\.template\.json$/, '');
  let body: IndexTemplateBody;
  try {
    body = JSON.parse(readFileSync(file, 'utf8').replace(PLACEHOLDER, o.prefix)) as IndexTemplateBody;
  } catch (e) {
    throw new FlowdexError('CONFIG_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
  const template = body.template ?? {};
  const index = { ...(template.settings?.index ?? {}) };
  if (o.shards !== undefined && SHARDED.has(stem)) index.number_of_shards = o.shards;
  if (o.replicas !== undefined) index.number_of_replicas = o.replicas;
  if (o.derivedSource === false) delete (index as Record<string, unknown>)['derived_source.enabled'];
  body.template = { ...template, settings: { ...template.settings, index } };
  const hash = createHash('sha1').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  body._meta = { ...body._meta, managed_by: 'flowdex', flowdex_hash: hash };
  return { name: templateName(o.prefix, stem), body, hash };
}

/** Every template under `mappings/`, rendered. */
export function allTemplates(o: RenderOptions, dir = mappingsDir()): RenderedTemplate[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => renderTemplate(path.join(dir, f), o));
}
