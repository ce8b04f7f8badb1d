import type { Client } from '@opensearch-project/opensearch';
import type { TemplateSnapshot } from '../readers/netflow/templates';
import { stateDocId } from '../store/indices';
import type { CollectorStats } from './stats';

/**
 * The collector's documents in `<prefix>state`:
 * - `collector-templates:<exporter>|<format>|<domain>` (kind `collector-templates`): that scope's
 *   templates, sampling rate and boot time, so a restarted collector decodes data that arrives
 *   before the exporter re-sends its templates;
 * - `collector:<name>` (kind `collector`): the latest stats of a running collector, which
 *   `serve` shows when the collector runs in another process.
 */

const TEMPLATES = 'collector-templates' as const;
const STATS = 'collector' as const;

/** One scope's part of a template snapshot. */
type ScopeState = TemplateSnapshot;

function byScope(s: TemplateSnapshot): Map<string, ScopeState> {
  const out = new Map<string, ScopeState>();
  const of = (scope: string): ScopeState => {
    let x = out.get(scope);
    if (!x) out.set(scope, (x = { templates: [], sampling: [], systemInit: [], interfaceNames: [] }));
    return x;
  };
  const scopeOf = (key: string): string => key.split('#')[0] ?? key;
  for (const t of s.templates) of(t.scope).templates.push(t);
  for (const e of s.sampling) of(scopeOf(e[0])).sampling.push(e);
  for (const e of s.systemInit) of(scopeOf(e[0])).systemInit.push(e);
  for (const e of s.interfaceNames) of(scopeOf(e[0])).interfaceNames.push(e);
  return out;
}

/** Writes every scope's state in one bulk request, visible at once to a collector starting next. */
export async function saveTemplates(client: Client, stateIndex: string, s: TemplateSnapshot): Promise<void> {
  const updated = new Date().toISOString();
  let body = '';
  for (const [scope, data] of byScope(s)) {
    body += `${JSON.stringify({ index: { _index: stateIndex, _id: stateDocId(TEMPLATES, scope) } })}\n${JSON.stringify({ kind: TEMPLATES, key: scope, updated, data })}\n`;
  }
  if (body)
    await client.transport.request({
      method: 'POST',
      path: '/_bulk',
      bulkBody: body,
      querystring: { filter_path: 'errors', refresh: 'true' },
    });
}

interface Hit<T> {
  _id: string;
  _source: { key?: string; updated?: string; data?: T };
}

async function allOfKind<T>(client: Client, stateIndex: string, kind: string): Promise<Hit<T>[]> {
  const res = await client.search(
    { index: stateIndex, body: { size: 10_000, query: { term: { kind } } } },
    { ignore: [404] },
  );
  return (res.body as { hits?: { hits: Hit<T>[] } }).hits?.hits ?? [];
}

/** Every persisted scope, merged into one snapshot. */
export async function loadTemplates(client: Client, stateIndex: string): Promise<TemplateSnapshot> {
  const out: TemplateSnapshot = { templates: [], sampling: [], systemInit: [], interfaceNames: [] };
  for (const h of await allOfKind<ScopeState>(client, stateIndex, TEMPLATES)) {
    const d = h._source.data;
    if (!d) continue;
    out.templates.push(...(d.templates ?? []));
    out.sampling.push(...(d.sampling ?? []));
    out.systemInit.push(...(d.systemInit ?? []));
    out.interfaceNames.push(...(d.interfaceNames ?? []));
  }
  return out;
}

export async function saveStats(
  client: Client,
  stateIndex: string,
  name: string,
  stats: CollectorStats,
): Promise<void> {
  await client.index({
    index: stateIndex,
    id: stateDocId(STATS, name),
    body: { kind: STATS, key: name, updated: stats.updated, data: stats },
  });
}

/** Stats every collector on this prefix last wrote, newest first. */
export async function loadStats(client: Client, stateIndex: string): Promise<CollectorStats[]> {
  const hits = await allOfKind<CollectorStats>(client, stateIndex, STATS);
  return hits
    .map((h) => h._source.data)
    .filter((d): d is CollectorStats => d !== undefined)
    .sort((a, b) => b.updated.localeCompare(a.updated));
}
