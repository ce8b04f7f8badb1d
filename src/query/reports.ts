import { FlowdexError } from '../errors';
import { allOf, timeFilter } from './compile';
import type { AggregationDsl, CompositeKey, QueryDsl, SearchBody, TermsSource } from './dsl';
import { ENDPOINT_FIELDS, SERVER_FIELDS } from '../model/endpoint';
import type { TimeRange } from '../model/time';
import { checkBucketCount, own } from './limits';
import { formatInterval, intervalMs } from './units';

export type ReportName =
  | 'traffic'
  | 'top-sources'
  | 'top-destinations'
  | 'top-pairs'
  | 'top-services'
  | 'top-apps'
  | 'protocols'
  | 'unique-sources'
  | 'unique-destinations'
  | 'web-servers'
  | 'top-countries'
  | 'top-ases'
  | 'direction-mix'
  | 'top-interfaces';

/** What a top-N report ranks by (`--by`). Flows are document counts. */
export type Metric = 'flows' | 'bytes' | 'packets';
export const METRICS: readonly Metric[] = ['flows', 'bytes', 'packets'];

/**
 * A report column fed by one or more stored fields; the first one present in a flow is shown.
 * "Address" columns read `source.ip` and fall back to `source.address` (device names): model/endpoint's rule.
 */
export interface GroupColumn {
  column: string;
  fields: string[];
}

export interface ReportDef {
  name: ReportName;
  description: string;
  /** `top`: exact top-N groups; `series`: totals per interval; `unique`: distinct values per interval. */
  kind: 'top' | 'series' | 'unique';
  /** Group columns of a top-N report, or the counted column of a unique report. */
  groupBy: GroupColumn[];
  /** Ranking metric when `by` is not given. */
  defaultBy: Metric;
  /** A filter of the report's own, added to the user's query. */
  filter?: QueryDsl;
  /** Output columns, in order. */
  columns: string[];
}

const SOURCE: GroupColumn = { column: 'source', fields: [...ENDPOINT_FIELDS.source] };
const DESTINATION: GroupColumn = { column: 'destination', fields: [...ENDPOINT_FIELDS.destination] };
/** The end listening for the flow (model/server): a reply flow's source. */
const SERVER: GroupColumn = { column: 'server', fields: [...SERVER_FIELDS] };
const TOTALS = ['flows', 'bytes', 'packets'];
const RATES = ['flows_per_s', 'bytes_per_s', 'packets_per_s'];

function top(
  name: ReportName,
  description: string,
  groupBy: GroupColumn[],
  defaultBy: Metric,
  filter?: QueryDsl,
): ReportDef {
  return {
    name,
    description,
    kind: 'top',
    groupBy,
    defaultBy,
    ...(filter ? { filter } : {}),
    columns: [...groupBy.map((g) => g.column), ...TOTALS],
  };
}

function unique(name: ReportName, description: string, of: GroupColumn): ReportDef {
  return { name, description, kind: 'unique', groupBy: [of], defaultBy: 'flows', columns: ['time', 'unique'] };
}

/** The named reports of DESIGN §7, shared by web, CLI and API. */
export const REPORTS: Readonly<Record<ReportName, ReportDef>> = {
  traffic: {
    name: 'traffic',
    description: 'flows, bytes and packets per interval, with per-second rates',
    kind: 'series',
    groupBy: [],
    defaultBy: 'bytes',
    columns: ['time', ...TOTALS, ...RATES],
  },
  'top-sources': top('top-sources', 'source addresses sending the most', [SOURCE], 'bytes'),
  'top-destinations': top('top-destinations', 'destination addresses receiving the most', [DESTINATION], 'bytes'),
  'top-pairs': top('top-pairs', 'the largest conversations (source, destination)', [SOURCE, DESTINATION], 'bytes'),
  'top-services': top(
    'top-services',
    'server (service) ports by transport, whichever way the flow was exported',
    [
      { column: 'port', fields: ['server.port'] },
      { column: 'transport', fields: ['network.transport'] },
    ],
    'flows',
  ),
  'top-apps': top('top-apps', 'L7 applications', [{ column: 'app', fields: ['network.protocol'] }], 'bytes'),
  protocols: top('protocols', 'transport protocols', [{ column: 'transport', fields: ['network.transport'] }], 'flows'),
  'unique-sources': unique('unique-sources', 'distinct source addresses per interval', SOURCE),
  'unique-destinations': unique('unique-destinations', 'distinct destination addresses per interval', DESTINATION),
  'web-servers': top('web-servers', 'hosts acting as web servers (flows with server port 80/443)', [SERVER], 'flows', {
    terms: { 'server.port': [80, 443] },
  }),
  // Enriched fields. The outside end of a flow is the side with a country/AS: private
  // addresses have none, so the source's is shown when it has one, else the destination's.
  'top-countries': top(
    'top-countries',
    'countries of the outside end (source country, else destination)',
    [{ column: 'country', fields: ['source.geo.country_iso_code', 'destination.geo.country_iso_code'] }],
    'bytes',
  ),
  'top-ases': top(
    'top-ases',
    'autonomous systems of the outside end (source AS, else destination)',
    [
      { column: 'as', fields: ['source.as.number', 'destination.as.number'] },
      { column: 'as_organization', fields: ['source.as.organization.name', 'destination.as.organization.name'] },
    ],
    'bytes',
  ),
  'direction-mix': top(
    'direction-mix',
    'inbound, outbound, internal and external traffic (networks file)',
    [{ column: 'direction', fields: ['network.direction'] }],
    'bytes',
  ),
  'top-interfaces': top(
    'top-interfaces',
    'exporter input interfaces',
    [
      { column: 'exporter', fields: ['observer.ip'] },
      { column: 'interface', fields: ['observer.ingress.interface.id'] },
      { column: 'interface_name', fields: ['observer.ingress.interface.name'] },
    ],
    'bytes',
  ),
};

/** The report of that name, or REPORT_UNKNOWN listing the names there are. */
export function reportByName(name: string): ReportDef {
  const def = own<ReportDef>(REPORTS, name);
  if (def === undefined) {
    throw new FlowdexError('REPORT_UNKNOWN', `unknown report "${name}"; reports: ${Object.keys(REPORTS).join(', ')}`, {
      field: 'report',
    });
  }
  return def;
}

/** @default 10 */
export const DEFAULT_TOP = 10;
/** @default "15m" */
export const DEFAULT_INTERVAL = '15m';
/** Keys per composite page; well under OpenSearch's default `search.max_buckets` (65 535). */
export const COMPOSITE_PAGE_SIZE = 10000;
export { MAX_SERIES_BUCKETS } from './limits';
/**
 * OpenSearch's maximum. Below 40 000 distinct addresses per bucket the count is close to exact;
 * above, it is a HyperLogLog++ estimate (2^18 registers, standard error about 1.04/√2^18 ≈ 0.2 %),
 * costing about 320 KB of memory per bucket and shard.
 */
export const CARDINALITY_PRECISION = 40000;

export interface ReportOptions {
  /** The user's query, compiled (`compileQuery`); the time range and report filter are added here. */
  query: QueryDsl;
  range: TimeRange;
  /** Series interval such as `15m`. @default "15m" */
  interval?: string;
  /** Composite paging: the `after_key` of the previous page. */
  after?: CompositeKey;
  /** @default COMPOSITE_PAGE_SIZE */
  pageSize?: number;
}

/** Composite source name for a stored field (`source.ip` → `source_ip`). */
export function sourceName(field: string): string {
  return field.replace(/[.@]/g, '_');
}

/** Validated interval in ms, refusing series with more buckets than anyone can read. */
export function seriesInterval(range: TimeRange, interval: string = DEFAULT_INTERVAL): number {
  const ms = intervalMs(interval);
  checkBucketCount(range.from, range.to, ms, interval);
  return ms;
}

/** The user's query, the report's own filter and the time range, all required. */
export function reportQuery(def: ReportDef, query: QueryDsl, range: TimeRange): QueryDsl {
  return allOf(query, ...(def.filter ? [def.filter] : []), timeFilter(range));
}

/**
 * Sums sampled flows' error bounds are built from (query/sampling): sampled packets and the
 * variance terms of the packet and byte estimates. Rows carry them beside the metrics, summed
 * like them, until the answer is built; rollups keep the same fields.
 */
export const MOMENTS = ['sampled_packets', 'var_packets', 'var_bytes'] as const;
export type Moment = (typeof MOMENTS)[number];

/** Everything summed per group: the metrics and the moments. */
export const SUMMED: readonly (Metric | Moment)[] = [...METRICS, ...MOMENTS];

/** The report's sums besides the flow count: the metrics, then the moments. */
export const SUMS: Readonly<Record<'bytes' | 'packets' | Moment, AggregationDsl>> = {
  bytes: { sum: { field: 'network.bytes' } },
  packets: { sum: { field: 'network.packets' } },
  sampled_packets: { sum: { field: 'flow.sampled.packets' } },
  var_packets: { sum: { field: 'flow.sampled.variance.packets' } },
  var_bytes: { sum: { field: 'flow.sampled.variance.bytes' } },
};

/**
 * The `_search` body of one request for a report. Top-N reports use a `composite` aggregation
 * that the caller pages to completion (passing `after`), then ranks with `rankTopN` — exact,
 * unlike `terms` whose per-shard lists miss groups spread over many daily indices. Series use
 * `date_histogram` with empty buckets kept over the whole range.
 */
export function buildReportRequest(def: ReportDef, o: ReportOptions): SearchBody {
  const query = reportQuery(def, o.query, o.range);
  if (def.kind === 'top') {
    // missing_bucket keeps flows that have a device name but no IP (and ICMP flows without ports).
    const sources = def.groupBy.flatMap((g) =>
      g.fields.map((field): Record<string, TermsSource> => ({
        [sourceName(field)]: { terms: { field, missing_bucket: true } },
      })),
    );
    return {
      size: 0,
      track_total_hits: false,
      query,
      aggs: {
        groups: {
          composite: { size: o.pageSize ?? COMPOSITE_PAGE_SIZE, sources, ...(o.after ? { after: o.after } : {}) },
          aggs: SUMS,
        },
      },
    };
  }
  const ms = seriesInterval(o.range, o.interval);
  const sub: Record<string, AggregationDsl> =
    def.kind === 'series'
      ? SUMS
      : Object.fromEntries(
          (def.groupBy[0]?.fields ?? []).map((field) => [
            `unique_${sourceName(field)}`,
            { cardinality: { field, precision_threshold: CARDINALITY_PRECISION } },
          ]),
        );
  return {
    size: 0,
    track_total_hits: false,
    query,
    aggs: {
      series: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: formatInterval(ms),
          min_doc_count: 0,
          // extended_bounds are inclusive; the range is half-open.
          extended_bounds: { min: o.range.from, max: o.range.to - 1 },
        },
        aggs: sub,
      },
    },
  };
}

// Responses: the parts of OpenSearch's answer the reports read, and the rows they become.

export interface ValueAgg {
  value: number | null;
}

export interface CompositeBucket {
  key: CompositeKey;
  doc_count: number;
  [sub: string]: ValueAgg | CompositeKey | number | undefined;
}

export interface CompositeResponse {
  after_key?: CompositeKey;
  buckets: CompositeBucket[];
}

export interface HistogramBucket {
  key: number;
  doc_count: number;
  [sub: string]: ValueAgg | number | string | undefined;
}

/** A row's or a total's 95 % error bounds (± in the metric's unit), when sampled flows fed it. */
export interface ErrorBound {
  bytes: number;
  packets: number;
  /** Ranked rows: this row's interval overlaps the next row's, so their order is not established. */
  overlaps_next?: boolean;
}

/** A cell of a row: a group column's value, or a number; `null` where a flow had no value. */
export type ReportCell = string | number | null;

/** One row: group columns (or `time`) and numbers. */
export type ReportRow = Record<string, ReportCell>;

/** A row of an answer: `error` beside the metrics when sampled flows fed it (query/sampling). */
export type BoundedRow = ReportRow & { error?: ErrorBound };

/** A report's answer; `report --format json` prints report, served_by, took_ms and rows (DESIGN §9). */
export interface ReportResult {
  report: ReportName;
  served_by: string[];
  took_ms: number;
  range: TimeRange;
  /** Series and unique reports: the bucket width. */
  interval_ms?: number;
  columns: string[];
  rows: BoundedRow[];
  /** Totals over everything the report covers (not only the rows shown), with their bounds. */
  total?: BoundedRow;
  /** Whether sampled flows fed the answer (its numbers are then estimates). */
  sampled?: boolean;
  /** The 1-in-N rates of the sampled flows that fed it. */
  sampling_rates?: number[];
}

/** A sub-aggregation's value in a bucket, 0 when it has none. */
export function subValue(bucket: object, name: string): number {
  const agg = (bucket as Record<string, unknown>)[name];
  if (agg !== null && typeof agg === 'object' && 'value' in agg && typeof agg.value === 'number') return agg.value;
  return 0;
}

/** A bucket's moments (see MOMENTS); none when no sampled flow fed it, so unsampled rows stay as they were. */
export function momentsOf(bucket: object): Partial<Record<Moment, number>> {
  const out: Partial<Record<Moment, number>> = {};
  for (const m of MOMENTS) {
    const v = subValue(bucket, m);
    if (v !== 0) out[m] = v;
  }
  return out;
}

/** What a group column shows for one composite key: its first present field (ip, else address). */
export function columnValue(g: GroupColumn, key: CompositeKey): string | number | null {
  return g.fields.map((f) => key[sourceName(f)] ?? null).find((v) => v !== null) ?? null;
}

/**
 * One group's identity: its column values as JSON. Merging keys rows by it, and rollups store
 * it as a keyword so that a `terms` aggregation ranks whole groups (see rollup/specs).
 */
export function groupKey(values: readonly (string | number | null)[]): string {
  return JSON.stringify(values);
}

/** Rows of one composite page, one per composite bucket. */
export function groupRows(def: ReportDef, buckets: readonly CompositeBucket[]): ReportRow[] {
  return buckets.map((b) => {
    const row: ReportRow = {};
    for (const g of def.groupBy) row[g.column] = columnValue(g, b.key);
    row.flows = b.doc_count;
    row.bytes = subValue(b, 'bytes');
    row.packets = subValue(b, 'packets');
    Object.assign(row, momentsOf(b));
    return row;
  });
}

function compareKeys(a: ReportRow, b: ReportRow, columns: readonly string[]): number {
  for (const c of columns) {
    const x = a[c] ?? null;
    const y = b[c] ?? null;
    if (x === y) continue;
    // Missing values sort last, numbers numerically, everything else as text.
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * The exact top `top` groups by `metric` from all pages' rows: rows naming the same group are
 * summed first (an address can arrive under ip and under address), ties go to the smaller key so
 * the answer does not depend on page or shard order.
 */
export function rankTopN(
  rows: readonly ReportRow[],
  metric: Metric,
  top: number,
  groupColumns: readonly string[],
): ReportRow[] {
  return rankGroups(mergeGroups(rows, groupColumns), metric, top, groupColumns);
}

/**
 * Adds rows into `into`, one entry per group with its metrics summed. Callers paging through
 * composite results merge page by page, so memory follows the number of groups, not of pages.
 */
export function mergeGroups(
  rows: readonly ReportRow[],
  groupColumns: readonly string[],
  into = new Map<string, ReportRow>(),
): Map<string, ReportRow> {
  for (const row of rows) {
    const key = groupKey(groupColumns.map((c) => row[c] ?? null));
    const seen = into.get(key);
    if (seen === undefined) {
      into.set(key, { ...row });
    } else {
      for (const m of SUMMED)
        if (seen[m] !== undefined || row[m] !== undefined) seen[m] = Number(seen[m] ?? 0) + Number(row[m] ?? 0);
    }
  }
  return into;
}

/** The top `top` of already merged groups (`mergeGroups`), ranked as `rankTopN` does. */
export function rankGroups(
  merged: ReadonlyMap<string, ReportRow>,
  metric: Metric,
  top: number,
  groupColumns: readonly string[],
): ReportRow[] {
  return [...merged.values()]
    .sort((a, b) => Number(b[metric] ?? 0) - Number(a[metric] ?? 0) || compareKeys(a, b, groupColumns))
    .slice(0, Math.max(0, top));
}

/**
 * Rows of a series report. Traffic rows carry totals and per-second rates over the interval;
 * unique rows add up the distinct ips and the distinct device names (a flow has one or the other).
 */
export function seriesRows(def: ReportDef, buckets: readonly HistogramBucket[], intervalMillis: number): ReportRow[] {
  const seconds = intervalMillis / 1000;
  return buckets.map((b): ReportRow => {
    const time = new Date(b.key).toISOString();
    if (def.kind === 'unique') {
      const fields = def.groupBy[0]?.fields ?? [];
      return { time, unique: fields.reduce((sum, f) => sum + subValue(b, `unique_${sourceName(f)}`), 0) };
    }
    const bytes = subValue(b, 'bytes');
    const packets = subValue(b, 'packets');
    return {
      time,
      flows: b.doc_count,
      bytes,
      packets,
      flows_per_s: b.doc_count / seconds,
      bytes_per_s: bytes / seconds,
      packets_per_s: packets / seconds,
      ...momentsOf(b),
    };
  });
}
