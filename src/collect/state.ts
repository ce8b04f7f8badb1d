import type { Client } from '@opensearch-project/opensearch';
import type { TemplateSnapshot } from '../readers/netflow/templates';
import { stateKind } from '../store/state';
import type { CollectorStats } from './stats';

/**
 * The collector's documents in `<prefix>state`:
 * - `collector-templates:<exporter>|<format>|<domain>` (kind `collector-templates`): that scope's
 *   templates, sampling rate and boot time, so a restarted collector decodes data that arrives
 *   before the exporter re-sends its templates;
 * - `collector:<name>` (kind `collector`): the latest stats of a running collector, which
 *   `serve` shows when the collector runs in another process.
 */

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

const TEMPLATE_STATE = stateKind<ScopeState>('collector-templates', (d) => {
  const x = d as Partial<ScopeState> | undefined;
  return x === undefined || x === null
    ? undefined
    : {
        templates: x.templates ?? [],
        sampling: x.sampling ?? [],
        systemInit: x.systemInit ?? [],
        interfaceNames: x.interfaceNames ?? [],
      };
});

const STATS_STATE = stateKind<CollectorStats>('collector', (d) =>
  typeof (d as Partial<CollectorStats> | undefined)?.updated === 'string' ? (d as CollectorStats) : undefined,
);

/** Writes every scope's state in one bulk request, visible at once to a collector starting next. */
export async function saveTemplates(client: Client, prefix: string, s: TemplateSnapshot): Promise<void> {
  const updated = new Date().toISOString();
  const entries = [...byScope(s)].map(([key, data]) => ({ key, data, updated }));
  await TEMPLATE_STATE.putMany(client, prefix, entries, { refresh: true });
}

/** Every persisted scope, merged into one snapshot. */
export async function loadTemplates(client: Client, prefix: string): Promise<TemplateSnapshot> {
  const out: TemplateSnapshot = { templates: [], sampling: [], systemInit: [], interfaceNames: [] };
  for (const { data } of await TEMPLATE_STATE.list(client, prefix)) {
    out.templates.push(...data.templates);
    out.sampling.push(...data.sampling);
    out.systemInit.push(...data.systemInit);
    out.interfaceNames.push(...data.interfaceNames);
  }
  return out;
}

export async function saveStats(client: Client, prefix: string, name: string, stats: CollectorStats): Promise<void> {
  await STATS_STATE.put(client, prefix, name, stats, { updated: stats.updated });
}

/** Stats every collector on this prefix last wrote, newest first. */
export async function loadStats(client: Client, prefix: string): Promise<CollectorStats[]> {
  return (await STATS_STATE.list(client, prefix)).map((e) => e.data).sort((a, b) => b.updated.localeCompare(a.updated));
}
