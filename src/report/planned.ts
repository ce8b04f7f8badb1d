import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import type { AggregationDsl, CompositeKey, SearchBody } from '../query/dsl';
import { alignedBuckets } from '../query/indices';
import {
  buildReportRequest,
  COMPOSITE_PAGE_SIZE,
  groupKey,
  groupRows,
  mergeGroups,
  momentsOf,
  rankGroups,
  reportQuery,
  seriesInterval,
  SUMMED,
  SUMS,
  seriesRows,
  subValue,
  type CompositeBucket,
  type HistogramBucket,
  type Metric,
  type Moment,
  type ReportDef,
  type ReportOptions,
  type ReportResult,
  type ReportRow,
} from '../query/reports';
import { dailyIndicesOf, resolveNames } from './targets';
import type { TimeRange } from '../model/time';
import { searchIndices, toFlowdexError } from '../store/client';
import { allFlowIndices, daysWithIndices, indexHoldsDay } from '../store/indices';
import { alignDown, DAY_MS, splitByDay, splitEven } from '../rollup/buckets';
import { plan, type Coverage, type PlanPart } from '../rollup/planner';
import {
  COUNT_FIELD,
  groupKeyField,
  PARTIAL_FIELD,
  rankedKey,
  groupKeysOf,
  monthOfRollupIndex,
  ROLLUP_SPECS,
  rollupAlias,
  rollupIndicesFor,
  type GroupKeyDef,
} from '../rollup/specs';
import { coverageOf, readWatermarks } from '../rollup/state';
import { addLookups, columnsOf, groupsFilter, topStep, type RankedList } from './top';
import { anySampled, sumRows, withBounds } from '../query/sampling';
import { allOf } from '../query/compile';

/** A validated report request, as `checkReportRequest` gives it. */
export interface CheckedReport {
  def: ReportDef;
  range: TimeRange;
  top: number;
  by: Metric;
  options: ReportOptions;
}

/** Rollup documents stand for `flows` flows each: count by summing that field, not documents. */
export function withRollupCount(body: SearchBody): SearchBody {
  const count: Record<string, AggregationDsl> = { [COUNT_FIELD]: { sum: { field: COUNT_FIELD } } };
  const aggs = Object.fromEntries(
    Object.entries(body.aggs).map(([name, agg]) => [
      name,
      { ...agg, aggs: { ...('aggs' in agg ? agg.aggs : {}), ...count } },
    ]),
  );
  return { ...body, aggs };
}

/** A rollup bucket with its flow count where raw buckets have theirs. */
function countFlows<B extends { doc_count: number }>(b: B): B {
  const v = (b as unknown as Record<string, { value?: number | null } | undefined>)[COUNT_FIELD]?.value;
  return { ...b, doc_count: typeof v === 'number' ? v : 0 };
}

export interface Source {
  indices: string[];
  rollup: boolean;
  /** Documents finer than a day, so a day holds fewer groups than documents: worth slicing by day. */
  subDay: boolean;
  /**
   * Top-N may rank the rollup's documents (documentList): its layout marks every document that
   * is not its group's only one in a bucket (PARTIAL_FIELD).
   */
  ranksDocuments?: boolean;
}

/** The first rollup layout whose documents carry PARTIAL_FIELD. */
const PARTIALS_MARKED_FROM = 5;

/** How often an answer from no shard at all is asked again before it counts as an error. */
const NO_SHARD_RETRIES = 5;

/** The named aggregations of one request; every one must be in the answer. */
export async function searchAggs<K extends string, T>(
  client: Client,
  cfg: FlowdexConfig,
  indices: readonly string[],
  body: SearchBody,
  names: readonly K[],
): Promise<Record<K, T>> {
  let aggs: Record<string, T | undefined> | undefined;
  // A node that has not yet applied an index another node just created answers with no shard
  // and no aggregations; it catches up within moments, so such an answer is asked again.
  for (let attempt = 0; ; attempt++) {
    let shards: number | undefined;
    try {
      const res = await searchIndices(client, indices, body);
      const answer = res.body as unknown as { aggregations?: Record<string, T>; _shards?: { total?: number } };
      aggs = answer.aggregations;
      shards = answer._shards?.total;
    } catch (e) {
      throw toFlowdexError(e, cfg, 'report');
    }
    if (aggs !== undefined || shards !== 0 || attempt >= NO_SHARD_RETRIES) break;
    await sleep(200 * (attempt + 1));
  }
  const lacking = names.find((n) => aggs?.[n] === undefined);
  if (lacking !== undefined)
    throw new FlowdexError('OPENSEARCH_ERROR', `OpenSearch answered the report without its "${lacking}" aggregation`);
  return aggs as Record<K, T>;
}

/** One aggregation of a report request to a source, rollups counting their `flows`. */
async function search<T>(client: Client, cfg: FlowdexConfig, src: Source, body: SearchBody, agg: string): Promise<T> {
  return (await searchAggs<string, T>(client, cfg, src.indices, src.rollup ? withRollupCount(body) : body, [agg]))[
    agg
  ] as T;
}

/** Which indices serve a part, from the names that exist (resolved once per report). */
function sourceOf(
  prefix: string,
  names: ReadonlySet<string>,
  part: PlanPart,
  coverage: Readonly<Record<string, Coverage>>,
): Source {
  return part.source === 'raw'
    ? { indices: dailyIndicesOf(prefix, part.range, names), rollup: false, subDay: true }
    : {
        indices: rollupIndicesFor(prefix, part.spec, part.range.from, part.range.to).filter((n) => names.has(n)),
        rollup: true,
        subDay: part.spec.intervalMs < DAY_MS,
        ranksDocuments: (coverage[part.spec.name]?.format ?? 0) >= PARTIALS_MARKED_FROM,
      };
}

/** Adds one part's histogram buckets into the running per-time totals (`sign` -1: takes them away). */
export function mergeSeries(into: Map<number, HistogramBucket>, buckets: readonly HistogramBucket[], sign = 1): void {
  for (const b of buckets) {
    let seen = into.get(b.key);
    if (seen === undefined && sign === 1) {
      into.set(b.key, { ...b });
      continue;
    }
    if (seen === undefined) {
      seen = { key: b.key, doc_count: 0 };
      into.set(b.key, seen);
    }
    seen.doc_count += sign * b.doc_count;
    for (const [name, agg] of Object.entries(b)) {
      const prev = seen[name];
      if (agg !== null && typeof agg === 'object' && typeof agg.value === 'number') {
        const before = prev !== null && typeof prev === 'object' && typeof prev.value === 'number' ? prev.value : 0;
        seen[name] = { value: before + sign * agg.value };
      }
    }
  }
}

/**
 * A group with no flow left: all of its flows were in a rollup bucket's part outside the range,
 * taken away again. It is no group of the answer.
 */
const isGone = (row: ReportRow): boolean => row.flows === 0;

/** +1 for a part whose sums add to the answer, -1 for one whose sums are taken away. */
const signOf = (part: PlanPart): number => (part.subtract ? -1 : 1);

/** Rows with every sum multiplied by `sign`. */
function signedRows(rows: readonly ReportRow[], sign: number): ReportRow[] {
  if (sign === 1) return [...rows];
  return rows.map((r) => {
    const out: ReportRow = { ...r };
    for (const m of SUMMED) if (typeof r[m] === 'number') out[m] = -r[m];
    return out;
  });
}

/**
 * The planner's parts for a report, each with the existing indices that serve it (none for a
 * part whose indices are all missing): rollups where their watermarks cover the range and they
 * keep every field the report needs, raw flows at the edges and for the rest.
 */
export async function planParts(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  queryFields: ReadonlySet<string>,
): Promise<Served[]> {
  const intervalMs = c.def.kind === 'top' ? undefined : seriesInterval(c.range, c.options.interval);
  let coverage;
  try {
    coverage = coverageOf(await readWatermarks(client, cfg.prefix));
  } catch (e) {
    throw toFlowdexError(e, cfg, 'rollup watermarks');
  }
  // One lookup of every index that may serve: the raw days left after pruning steer the plan.
  const names = await resolveNames(client, cfg, [
    allFlowIndices(cfg.prefix),
    ...ROLLUP_SPECS.filter((s) => coverage[s.name]).map((s) => `${rollupAlias(cfg.prefix, s)}-*`),
  ]);
  const p = plan(
    {
      def: c.def,
      queryFields,
      range: c.range,
      rawDays: daysWithIndices(cfg.prefix, [...names]),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    },
    coverage,
  );
  return p.parts.map((part) => ({ part, src: sourceOf(cfg.prefix, names, part, coverage) }));
}

/**
 * Runs a report from the rollups the planner picks, raw flows serving the edges: top-N groups
 * are summed over all parts before ranking, series buckets summed per time. Returns undefined
 * when raw flows serve everything (the caller's raw path answers).
 */
export async function runPlannedReport(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  queryFields: ReadonlySet<string>,
  raw = false,
): Promise<ReportResult | undefined> {
  if (raw) return undefined;
  const t0 = performance.now();
  const intervalMs = c.def.kind === 'top' ? undefined : seriesInterval(c.range, c.options.interval);
  const all = await planParts(client, cfg, c, queryFields);
  if (!all.some(({ part }) => part.source === 'rollup')) return undefined;
  const served_by = all.flatMap(({ src }) => src.indices);
  const base = { report: c.def.name, served_by, range: c.range, columns: c.def.columns };

  // Parts are independent requests: run them together, merge in part order.
  const served = all.filter((x) => x.src.indices.length > 0);
  if (intervalMs === undefined) {
    const rows = (await keyedTop(client, cfg, c, served)) ?? (await everyGroupTop(client, cfg, c, served));
    const total = anySampled(rows) ? await totalOf(client, cfg, c, served) : undefined;
    return withBounds({ ...base, took_ms: Math.round(performance.now() - t0), rows }, c.def.kind, c.by, total);
  }

  const series = await Promise.all(
    served.map(async ({ part, src }) => {
      const res = await search<{ buckets: HistogramBucket[] }>(
        client,
        cfg,
        src,
        buildReportRequest(c.def, { ...c.options, range: part.range }),
        'series',
      );
      return { buckets: src.rollup ? res.buckets.map(countFlows) : res.buckets, sign: signOf(part) };
    }),
  );
  const merged = new Map<number, HistogramBucket>(
    alignedBuckets(c.range, intervalMs).map((key) => [key, { key, doc_count: 0 }]),
  );
  for (const { buckets, sign } of series) mergeSeries(merged, buckets, sign);
  const buckets = [...merged.values()].sort((a, b) => a.key - b.key);
  return withBounds(
    {
      ...base,
      took_ms: Math.round(performance.now() - t0),
      interval_ms: intervalMs,
      rows: seriesRows(c.def, buckets, intervalMs),
    },
    c.def.kind,
    c.by,
  );
}

/**
 * The report's totals over every group (not only the top rows), with the moments their bounds
 * need: one sum per part, rollups counting their `flows`.
 */
export async function totalOf(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  served: readonly Served[],
): Promise<ReportRow> {
  const parts = await Promise.all(
    served.map(async ({ part, src }): Promise<ReportRow> => {
      const body: SearchBody = {
        size: 0,
        track_total_hits: false,
        query: reportQuery(c.def, c.options.query, part.range),
        aggs: { total: { filter: { match_all: {} }, aggs: SUMS } },
      };
      const found = await search<{ doc_count: number }>(client, cfg, src, body, 'total');
      const t = src.rollup ? countFlows(found) : found;
      const sign = signOf(part);
      return {
        flows: sign * t.doc_count,
        ...Object.fromEntries(Object.keys(SUMS).map((m) => [m, sign * subValue(t, m)])),
      };
    }),
  );
  return sumRows(parts);
}

/** Rates a sampled answer's flows were sampled at (raw flows know them; rollups do not keep them). */
export async function samplingRatesOf(client: Client, cfg: FlowdexConfig, c: CheckedReport): Promise<number[]> {
  const indices = dailyIndicesOf(cfg.prefix, c.range, await resolveNames(client, cfg, [allFlowIndices(cfg.prefix)]));
  if (indices.length === 0) return [];
  const body: SearchBody = {
    size: 0,
    track_total_hits: false,
    query: allOf(reportQuery(c.def, c.options.query, c.range), { exists: { field: 'flow.sampled.variance.packets' } }),
    aggs: { rates: { terms: { field: 'flow.sampling_rate', size: 20, order: [{ _key: 'asc' }] } } },
  };
  const aggs = await searchAggs<'rates', { buckets: { key: number }[] }>(client, cfg, indices, body, ['rates']);
  return aggs.rates.buckets.map((b) => b.key);
}

export interface Served {
  part: PlanPart;
  src: Source;
}

/** Every group of one part, its sums taken away when the part subtracts. */
async function partGroups(client: Client, cfg: FlowdexConfig, c: CheckedReport, s: Served): Promise<ReportRow[]> {
  return signedRows(await groupsOf(client, cfg, c, s.part.range, s.src), signOf(s.part));
}

/** Top-N from every group of every part, summed (composite pages). */
export async function everyGroupTop(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  served: readonly Served[],
): Promise<ReportRow[]> {
  const columns = c.def.groupBy.map((g) => g.column);
  const pages = await Promise.all(served.map((s) => partGroups(client, cfg, c, s)));
  const merged = new Map<string, ReportRow>();
  for (const rows of pages) mergeGroups(rows, columns, merged);
  for (const [key, row] of merged) if (isGone(row)) merged.delete(key);
  return rankGroups(merged, c.by, c.top, columns);
}

/**
 * Time slices each rollup index is ranked in, one request each: a request runs on one core per
 * shard and a monthly rollup has one shard, so slices let the node's cores share the work; the
 * merge treats each slice as a list of its own.
 */
const RANKING_SLICES = 2;

/** Ranked lists start this long and grow eightfold up to the last length before composite pages take over. */
const FIRST_LIST = 500;
const LAST_LIST = 32_000;

interface KeyedIndex {
  index: string;
  range: TimeRange;
  key: GroupKeyDef;
  /** The spec's bucket width: a group has one unmarked document per bucket at most. */
  intervalMs: number;
  /** The index's documents may be ranked for this key (Source, specs/rankedKey). */
  ranksDocuments: boolean;
}

interface TermsBucket {
  key: string;
  doc_count: number;
  [sub: string]: { value: number | null } | string | number;
}

/** A rollup's sum of each report metric (its `flows` field counts flows). */
const METRIC_SUMS: Readonly<Record<Metric | Moment, AggregationDsl>> = {
  ...SUMS,
  flows: { sum: { field: COUNT_FIELD } },
};

interface ListRequest {
  size: number;
  /** Exactly these groups, else the `size` largest by the report's metric. */
  include?: string[];
  /** Sum every metric, not only the ranking one (the rows of the answer). */
  allMetrics?: boolean;
}

/**
 * One single-shard rollup index's groups by the report's stored group key: the `size` largest
 * by the metric (exact on one shard), or exactly the groups `include` names. Ranking sums only
 * the ranking metric, a third of the per-group work. `unkeyed` counts documents without the key
 * (built before keys existed), which this path cannot rank; only a ranking request asks.
 */
async function rankedList(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  k: KeyedIndex,
  r: ListRequest,
): Promise<{ list: RankedList; unkeyed: number }> {
  const metrics = r.allMetrics ? SUMMED : [c.by];
  const query = reportQuery(c.def, c.options.query, k.range);
  const named = r.include && groupsFilter(k.key.groupBy, r.include);
  const body: SearchBody = {
    size: 0,
    track_total_hits: false,
    query: named ? allOf(query, named) : query,
    aggs: {
      groups: {
        terms: {
          field: k.key.field,
          size: r.size,
          order: [{ [c.by]: 'desc' }, { _key: 'asc' }],
          ...(r.include ? { include: r.include } : {}),
        },
        aggs: Object.fromEntries(metrics.map((m) => [m, METRIC_SUMS[m]])),
      },
      ...(r.include ? {} : { unkeyed: { missing: { field: k.key.field } } }),
    },
  };
  const names = r.include ? (['groups'] as const) : (['groups', 'unkeyed'] as const);
  const aggs = await searchAggs<
    'groups' | 'unkeyed',
    { buckets?: TermsBucket[]; sum_other_doc_count?: number; doc_count?: number }
  >(client, cfg, [k.index], body, names);
  const columns = k.key.groupBy.map((g) => g.column);
  const rows = new Map<string, ReportRow>();
  for (const b of aggs.groups.buckets ?? [])
    rows.set(b.key, {
      ...columnsOf(b.key, columns),
      flows: subValue(b, 'flows'),
      bytes: subValue(b, 'bytes'),
      packets: subValue(b, 'packets'),
      ...(r.allMetrics ? momentsOf(b) : {}),
    });
  const complete = (aggs.groups.sum_other_doc_count ?? 0) === 0;
  const last = [...rows.values()].pop();
  return {
    list: { rows, complete, bound: complete ? 0 : Number(last?.[c.by] ?? 0) },
    unkeyed: aggs.unkeyed?.doc_count ?? 0,
  };
}

/** Documents ranked at first for a list from documents, then eightfold up to the last length before ranking groups. */
const FIRST_DOCUMENTS = 1000;
const LAST_DOCUMENTS = 8000;

/** The stored field a ranking metric sums on rollup documents. */
function metricField(m: Metric): string {
  const agg = METRIC_SUMS[m];
  return 'sum' in agg ? agg.sum.field : COUNT_FIELD;
}

interface RankedDocuments {
  hits?: { hits?: { fields?: Record<string, unknown[]>; sort?: unknown[] }[] };
  aggregations?: { partials?: { doc_count?: number }; unkeyed?: { doc_count?: number } };
}

/**
 * A keyed index's list from its documents rather than its groups: the `size` documents with
 * the most of the metric name the groups looked up exactly. A group none of them belongs to has
 * every document at or below the last one's value, and at most one unmarked document per bucket
 * besides the range's partials, which bounds its sum. Ranking documents by a doc value is a
 * sort, where ranking groups builds every group of the range (at 10 M flows, 1.2 M pairs from
 * 3.2 M documents took 700 ms). Undefined when documents lack the group key.
 */
async function documentList(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  k: KeyedIndex,
  size: number,
): Promise<RankedList | undefined> {
  const body = {
    size,
    track_total_hits: false,
    _source: false,
    query: reportQuery(c.def, c.options.query, k.range),
    sort: [{ [metricField(c.by)]: { order: 'desc', missing: '_last' } }],
    docvalue_fields: [k.key.field],
    aggs: {
      partials: { filter: { term: { [PARTIAL_FIELD]: true } } },
      unkeyed: { missing: { field: k.key.field } },
    },
  };
  let res: RankedDocuments;
  try {
    res = (await searchIndices(client, [k.index], body)).body as RankedDocuments;
  } catch (e) {
    throw toFlowdexError(e, cfg, 'report');
  }
  const hits = res.hits?.hits ?? [];
  const partials = res.aggregations?.partials?.doc_count;
  if (partials === undefined || (res.aggregations?.unkeyed?.doc_count ?? 0) > 0) return undefined;
  const keys = [...new Set(hits.map((h) => h.fields?.[k.key.field]?.[0]))].filter(
    (key): key is string => typeof key === 'string',
  );
  const complete = hits.length < size;
  // A missing value sorts last as the type's least: no document below it adds anything.
  const last = Math.max(0, Number(hits[hits.length - 1]?.sort?.[0] ?? 0));
  const documentsPerGroup = Math.ceil((k.range.to - alignDown(k.range.from, k.intervalMs)) / k.intervalMs) + partials;
  const list: RankedList = { rows: new Map(), complete, bound: complete ? 0 : last * documentsPerGroup };
  const found =
    keys.length > 0 ? (await rankedList(client, cfg, c, k, { size: keys.length, include: keys })).list.rows : new Map();
  addLookups(
    list,
    keys,
    found,
    k.key.groupBy.map((g) => g.column),
  );
  return list;
}

/**
 * Exact top-N with one `terms` request per rollup index that stores the report's group key
 * (see report/top for why the lists suffice), raw edges summed whole. Undefined when the lists
 * cannot decide or a rollup lacks keys: the caller pages every group instead.
 */
async function keyedTop(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  served: readonly Served[],
): Promise<ReportRow[] | undefined> {
  const field = groupKeyField(c.def.groupBy);
  const keyed: KeyedIndex[] = [];
  const whole: Served[] = [];
  for (const s of served) {
    // A part taken away is summed whole: ranked lists bound what a part adds, not what it removes.
    const key =
      s.part.source === 'rollup' && !s.part.subtract
        ? groupKeysOf(s.part.spec).find((k) => k.field === field)
        : undefined;
    if (key === undefined || s.part.source !== 'rollup') {
      whole.push(s);
      continue;
    }
    for (const index of s.src.indices) {
      const month = monthOfRollupIndex(cfg.prefix, index) ?? s.part.range;
      const inIndex = { from: Math.max(month.from, s.part.range.from), to: Math.min(month.to, s.part.range.to) };
      for (const range of splitEven(inIndex, s.part.spec.intervalMs, RANKING_SLICES))
        keyed.push({
          index,
          range,
          key,
          intervalMs: s.part.spec.intervalMs,
          ranksDocuments: s.src.ranksDocuments === true && rankedKey(s.part.spec)?.field === field,
        });
    }
  }
  if (keyed.length === 0) return undefined;
  const columns = c.def.groupBy.map((g) => g.column);
  let exact: Map<string, ReportRow> | undefined;
  // Ranked lists sum only the ranking metric: groups gone from the answer show only once every
  // metric is summed, and the next groups in line take their places.
  let want = c.top;
  // Lists from ranked documents first where every index's may be ranked, then from ranked groups.
  const attempts: ((k: KeyedIndex) => Promise<RankedList | undefined>)[] = [];
  if (keyed.every((k) => k.ranksDocuments))
    for (let size = Math.max(FIRST_DOCUMENTS, 4 * c.top); size <= LAST_DOCUMENTS; size *= 8)
      attempts.push((k) => documentList(client, cfg, c, k, size));
  for (let size = Math.max(FIRST_LIST, 4 * c.top); size <= LAST_LIST; size *= 8)
    attempts.push(async (k) => {
      const f = await rankedList(client, cfg, c, k, { size });
      return f.unkeyed > 0 ? undefined : f.list;
    });
  for (const attempt of attempts) {
    const fetched = await Promise.all(keyed.map(attempt));
    if (fetched.some((f) => f === undefined)) return undefined;
    exact ??= mergeGroups((await Promise.all(whole.map((s) => partGroups(client, cfg, c, s)))).flat(), columns);
    const lists = fetched as RankedList[];
    for (;;) {
      const step = topStep(exact, lists, c.by, want, columns);
      if ('rows' in step) {
        const rows = await withAllMetrics(client, cfg, c, keyed, exact, step.rows);
        const left = rows.filter((r) => !isGone(r));
        if (left.length >= c.top || rows.length < want) return left.slice(0, c.top);
        want += rows.length - left.length;
        continue;
      }
      if ('longer' in step) break;
      await Promise.all(
        step.lookups.map(async ({ list, keys }) => {
          const found = await rankedList(client, cfg, c, keyed[list] as KeyedIndex, {
            size: keys.length,
            include: keys,
          });
          addLookups(lists[list] as RankedList, keys, found.list.rows, columns);
        }),
      );
    }
  }
  return undefined;
}

/** The answer's rows with every metric summed: ranking read only the ranking one. */
async function withAllMetrics(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  keyed: readonly KeyedIndex[],
  exact: ReadonlyMap<string, ReportRow>,
  rows: readonly ReportRow[],
): Promise<ReportRow[]> {
  const columns = c.def.groupBy.map((g) => g.column);
  const keys = rows.map((r) => groupKey(columns.map((col) => r[col] ?? null)));
  if (keys.length === 0) return [];
  const detail = await Promise.all(
    keyed.map((k) => rankedList(client, cfg, c, k, { size: keys.length, include: keys, allMetrics: true })),
  );
  const merged = new Map<string, ReportRow>();
  for (const key of keys)
    mergeGroups(
      [exact.get(key), ...detail.map((d) => d.list.rows.get(key))].filter((r): r is ReportRow => r !== undefined),
      columns,
      merged,
    );
  return keys.map((key) => merged.get(key) as ReportRow);
}

/** Requests a report may have in flight at once: the node's cores are shared. */
const PARALLEL_REQUESTS = 2;

/** Composite pages over one range followed to the end, merged as they come. */
async function pagesOf(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  range: TimeRange,
  src: Source,
  columns: readonly string[],
  into: Map<string, ReportRow>,
  from?: CompositeKey,
): Promise<void> {
  let after = from;
  for (;;) {
    const body = buildReportRequest(c.def, { ...c.options, range, ...(after ? { after } : {}) });
    const res = await search<{ buckets: CompositeBucket[]; after_key?: CompositeKey }>(
      client,
      cfg,
      src,
      body,
      'groups',
    );
    mergeGroups(groupRows(c.def, src.rollup ? res.buckets.map(countFlows) : res.buckets), columns, into);
    if (res.buckets.length < COMPOSITE_PAGE_SIZE || res.after_key === undefined) return;
    after = res.after_key;
  }
}

/**
 * Every group of one source over a range, merged. A composite page rescans every document its
 * request matches, so paging many groups over a month costs pages × documents; when the first
 * page is not the last, the range is taken day by day instead (one index each), where both
 * factors are small, and the days' groups are summed. Daily rollups are not sliced: a day of
 * them holds as many documents as groups, so slicing would ship every document.
 */
export async function groupsOf(
  client: Client,
  cfg: FlowdexConfig,
  c: CheckedReport,
  range: TimeRange,
  src: Source,
): Promise<ReportRow[]> {
  const columns = c.def.groupBy.map((g) => g.column);
  const body = buildReportRequest(c.def, { ...c.options, range });
  const first = await search<{ buckets: CompositeBucket[]; after_key?: CompositeKey }>(
    client,
    cfg,
    src,
    body,
    'groups',
  );
  const firstRows = groupRows(c.def, src.rollup ? first.buckets.map(countFlows) : first.buckets);
  const days = splitByDay([range]);
  const merged = new Map<string, ReportRow>();
  if (first.buckets.length < COMPOSITE_PAGE_SIZE || first.after_key === undefined || days.length === 1 || !src.subDay) {
    mergeGroups(firstRows, columns, merged);
    if (first.after_key !== undefined && first.buckets.length >= COMPOSITE_PAGE_SIZE)
      await pagesOf(client, cfg, c, range, src, columns, merged, first.after_key);
    return [...merged.values()];
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let d = days[next++]; d !== undefined; d = days[next++]) {
      const indices = src.indices.filter((n) =>
        indexHoldsDay(
          cfg.prefix,
          n,
          d.from,
          ROLLUP_SPECS.map((s) => s.name),
        ),
      );
      if (indices.length > 0) await pagesOf(client, cfg, c, d, { ...src, indices }, columns, merged);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_REQUESTS }, worker));
  return [...merged.values()];
}
