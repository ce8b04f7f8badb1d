import type { Client } from '@opensearch-project/opensearch';
import { loadStats } from '../collect/state';
import type { FlowdexConfig } from '../config';
import { allOf, compileQuery, timeFilter } from '../query/compile';
import type { AggregationDsl, CompositeAgg, CompositeKey, DateHistogramSource, TermsSource } from '../query/dsl';
import { parseQuery } from '../query/parser';
import { COMPOSITE_PAGE_SIZE, subValue } from '../query/reports';
import { runReport } from '../report/run-report';
import { dailyIndicesOf, resolveNames } from '../report/targets';
import type { TimeRange } from '../model/time';
import { formatInterval } from '../query/units';
import { searchAggs } from '../report/planned';
import { allFlowIndices } from '../store/indices';
import type { CompositeRow, DetectorContext, Monitor, Params } from './types';

/** Two query-language filters that must both hold; either may be empty. */
export function andQuery(a: string, b: string): string {
  if (a.trim() === '') return b.trim();
  if (b.trim() === '') return a.trim();
  return `(${a.trim()}) and (${b.trim()})`;
}

export interface ContextInput {
  client: Client;
  config: FlowdexConfig;
  monitor: Monitor;
  params: Params;
  window: TimeRange;
  /** The evaluation's "now" for relative times in queries. */
  now: number;
  /**
   * Names of the flow indices that exist, shared by the evaluations of one run (a catch-up
   * evaluates many windows); looked up per request when absent.
   */
  indexNames?: () => Promise<Set<string>>;
}

/** One lookup of the existing flow indices, made on first use and kept. */
export function indexNamesOnce(client: Client, config: FlowdexConfig): () => Promise<Set<string>> {
  let names: Promise<Set<string>> | undefined;
  return () => (names ??= resolveNames(client, config, [allFlowIndices(config.prefix)]));
}

/**
 * The detector's window onto the flows. Reports take the planner's path (rollups where they
 * cover, raw edges); raw aggregations search only the daily indices of the range that exist.
 */
export function detectorContext(i: ContextInput): DetectorContext {
  const { client, config, monitor } = i;
  const iso = (t: number): string => new Date(t).toISOString();

  async function rawAggs<T>(
    aggs: Record<string, AggregationDsl>,
    range: TimeRange,
    extra: string,
  ): Promise<T | undefined> {
    const indices = dailyIndicesOf(config.prefix, range, await (i.indexNames ?? indexNamesOnce(client, config))());
    if (indices.length === 0) return undefined;
    const query = allOf(compileQuery(parseQuery(andQuery(monitor.query, extra), i.now)), timeFilter(range));
    return (await searchAggs<string, unknown>(
      client,
      config,
      indices,
      { size: 0, track_total_hits: false, query, aggs },
      Object.keys(aggs),
    )) as T;
  }

  return {
    monitor,
    params: i.params,
    window: i.window,
    seconds: (i.window.to - i.window.from) / 1000,
    query: monitor.query,
    ...(monitor.group !== undefined ? { group: monitor.group } : {}),
    report(req) {
      const { range = i.window, query = '', ...rest } = req;
      return runReport(
        client,
        config,
        { ...rest, query: andQuery(monitor.query, query), from: iso(range.from), to: iso(range.to) },
        i.now,
      );
    },
    async aggregate<T>(
      aggs: Record<string, AggregationDsl>,
      o: { range?: TimeRange; extra?: string } = {},
    ): Promise<T> {
      return ((await rawAggs<T>(aggs, o.range ?? i.window, o.extra ?? '')) ?? {}) as T;
    },
    collectors: () => loadStats(client, config.prefix),
    async composite(sources, sub, o = {}) {
      const range = o.range ?? i.window;
      const srcs = Object.entries(sources).map(([name, s]): Record<string, TermsSource | DateHistogramSource> => ({
        [name]:
          s.interval !== undefined
            ? { date_histogram: { field: s.field, fixed_interval: formatInterval(s.interval) } }
            : { terms: { field: s.field } },
      }));
      const rows: CompositeRow[] = [];
      let after: CompositeKey | undefined;
      for (;;) {
        const groups: CompositeAgg = {
          composite: { size: COMPOSITE_PAGE_SIZE, sources: srcs, ...(after ? { after } : {}) },
          aggs: sub,
        };
        const res = await rawAggs<{
          groups: {
            after_key?: CompositeKey;
            buckets: ({ key: CompositeKey; doc_count: number } & Record<string, unknown>)[];
          };
        }>({ groups }, range, o.extra ?? '');
        if (res === undefined) return rows;
        for (const b of res.groups.buckets)
          rows.push({
            key: b.key,
            flows: b.doc_count,
            values: Object.fromEntries(Object.keys(sub).map((k) => [k, subValue(b, k)])),
          });
        if (res.groups.after_key === undefined || res.groups.buckets.length < COMPOSITE_PAGE_SIZE) return rows;
        after = res.groups.after_key;
      }
    },
  };
}
