import { listQuery } from '../groups';
import { num, oneOfParam } from '../params';
import type { CompositeRow, Detector, DetectorContext, Finding, FindingKey } from '../types';
import { DAY_MS } from '../../model/time';

/** What "new" is about: a conversation (pair) or a service (host, port, transport). */
const KINDS = {
  pair: {
    sources: { source: { field: 'source.ip' }, destination: { field: 'destination.ip' } },
    peer: 'destination.ip',
    filterColumn: 'source',
    filterAlias: 'src',
  },
  service: {
    sources: {
      host: { field: 'destination.ip' },
      port: { field: 'destination.port' },
      transport: { field: 'network.transport' },
    },
    peer: 'source.ip',
    filterColumn: 'host',
    filterAlias: 'dst',
  },
} as const;
type Kind = keyof typeof KINDS;

/** Values per history query: a long `dst:(…)` list costs more to parse than to search. */
const LIST_CHUNK = 500;

function keyOf(r: CompositeRow): FindingKey {
  return Object.fromEntries(Object.entries(r.key).map(([k, v]) => [k, v ?? null]));
}

async function seenKeys(
  ctx: DetectorContext,
  kind: Kind,
  values: readonly string[],
  range: { from: number; to: number },
): Promise<Set<string>> {
  const k = KINDS[kind];
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i += LIST_CHUNK) {
    const rows = await ctx.composite(
      k.sources,
      {},
      { range, extra: listQuery(k.filterAlias, values.slice(i, i + LIST_CHUNK)) },
    );
    for (const r of rows) seen.add(JSON.stringify(keyOf(r)));
  }
  return seen;
}

/**
 * A pair (source, destination) or a service (host, port, transport) in the window that was not
 * seen in the `days` before it. Noise guards: at least `min_flows` flows and (services)
 * `min_peers` distinct clients in the window; and nothing is new before flows reach back
 * `learn_days` — on the first day everything would be.
 */
export const newTalker: Detector = {
  name: 'new-talker',
  description: 'a pair (kind=pair) or a host:port service (kind=service) not seen in the last N days',
  schedule: '15m',
  defaults: { kind: 'pair', days: 7, learn_days: 1, min_flows: 5, min_peers: 1, severity: 'low' },
  groups: [],
  async evaluate(ctx) {
    const kind = oneOfParam(ctx.params, 'kind', ['pair', 'service'] as const);
    const days = num(ctx.params, 'days');
    const history = { from: ctx.window.from - days * DAY_MS, to: ctx.window.from };
    const first = await ctx.aggregate<{ first?: { value: number | null } }>(
      { first: { min: { field: '@timestamp' } } },
      { range: history, extra: '' },
    );
    if (first.first?.value == null || first.first.value > ctx.window.from - num(ctx.params, 'learn_days') * DAY_MS)
      return [];
    const k = KINDS[kind];
    const now = (await ctx.composite(k.sources, { peers: { cardinality: { field: k.peer } } })).filter(
      (r) =>
        r.flows >= num(ctx.params, 'min_flows') &&
        (r.values.peers ?? 0) >= num(ctx.params, 'min_peers') &&
        Object.values(r.key).every((v) => v !== null),
    );
    if (now.length === 0) return [];
    const filterValues = [...new Set(now.map((r) => String(r.key[k.filterColumn])))];
    const seen = await seenKeys(ctx, kind, filterValues, history);
    const severity = oneOfParam(ctx.params, 'severity', ['low', 'medium', 'high'] as const);
    return now
      .filter((r) => !seen.has(JSON.stringify(keyOf(r))))
      .map((r): Finding => {
        const key = keyOf(r);
        const what =
          kind === 'pair'
            ? `${String(key.source)} → ${String(key.destination)}`
            : `${String(key.host)}:${String(key.port)}/${String(key.transport)}`;
        return {
          key,
          value: r.flows,
          threshold: num(ctx.params, 'min_flows'),
          severity,
          kind: `new-${kind}`,
          message: `new ${kind === 'pair' ? 'talker' : 'service'} ${what}: ${r.flows} flows, ${r.values.peers ?? 0} peers, not seen in ${days} days`,
        };
      });
  },
};

/**
 * An exporter that sent flows in the `lookback` before the window and none in it — a router
 * that stopped exporting or a path that broke. Read from the flows themselves.
 */
export const exporterSilent: Detector = {
  name: 'exporter-silent',
  description: 'an exporter with flows in the lookback before the window and none in it',
  schedule: '5m',
  defaults: { lookback_minutes: 60, min_flows: 10, severity: 'high' },
  groups: [],
  async evaluate(ctx) {
    const lookback = { from: ctx.window.from - num(ctx.params, 'lookback_minutes') * 60_000, to: ctx.window.from };
    const sources = { exporter: { field: 'observer.ip' } };
    const before = (await ctx.composite(sources, {}, { range: lookback })).filter(
      (r) => r.flows >= num(ctx.params, 'min_flows') && r.key.exporter !== null,
    );
    if (before.length === 0) return [];
    const active = new Set((await ctx.composite(sources, {})).map((r) => String(r.key.exporter)));
    const severity = oneOfParam(ctx.params, 'severity', ['low', 'medium', 'high'] as const);
    return before
      .filter((r) => !active.has(String(r.key.exporter)))
      .map((r): Finding => ({
        key: { exporter: r.key.exporter ?? null },
        value: 0,
        threshold: 1,
        severity,
        kind: 'silent',
        message: `exporter ${String(r.key.exporter)} sent no flows (${r.flows} in the ${num(ctx.params, 'lookback_minutes')} minutes before)`,
      }));
  },
};
