import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { columnFields, fieldByName, getPath } from '../model/fields';
import type { FlowDoc } from '../model/flow';
import { hydrate, storedCommunityId } from '../model/normalize';
import type { TimeRange } from '../model/time';
import { allOf, timeFilter } from '../query/compile';
import { csvRow } from '../query/csv';
import type { Scalar } from '../query/dsl';
import { histogramInterval, timeChunks, type TimeBucket } from './chunks';
import {
  compileRequest,
  page,
  sortClauses,
  type Compiled,
  type PageBody,
  type RawHit,
  type SearchRequest,
  type SortClause,
  type SortValue,
} from './search';
import { closePit, existingIndices, openPit } from './targets';

/**
 * Export page size: the largest a search returns by default (`index.max_result_window`); each
 * page costs a round trip, so bigger is faster, and 10 000 flows stay a few MB.
 */
export const EXPORT_PAGE_SIZE = 10000;
/**
 * Pages asked for at once. OpenSearch answers one search on one thread per shard, so a single
 * stream leaves the node's other cores idle while this process formats; a few in flight keep
 * them busy, and memory stays at a few pages. Four is the node's search thread pool on 2 cores;
 * 370 k flows took 13.1 s at 4 and at 6 in flight (shared 2-core box).
 */
export const EXPORT_CONCURRENCY = 4;
/** CSV export columns: the results table's, plus the community id for pivoting elsewhere. */
export const EXPORT_COLUMNS: readonly string[] = [...columnFields().map((f) => f.name), 'network.community_id'];

/** Export responses keep only what export reads: less JSON to write, send and parse. */
const EXPORT_FILTER_PATH =
  'pit_id,hits.hits._source,hits.hits.fields,hits.hits.sort,aggregations.t.buckets.key,aggregations.t.buckets.doc_count';
/** Histogram buckets the time range is first counted in, to cut it into chunks of a page each. */
const HISTOGRAM_BUCKETS = 2000;
/** The most buckets a finer second count may ask for (OpenSearch refuses above `search.max_buckets`). */
const MAX_HISTOGRAM_BUCKETS = 50000;

/** One flow as a CSV line of `EXPORT_COLUMNS`. */
export function flowCsvRow(doc: FlowDoc): string {
  return csvRow(EXPORT_COLUMNS.map((f) => getPath(doc, f)));
}

/**
 * What CSV export reads instead of `_source`: the stored columns, plus what the Community ID is
 * computed from (protocol number, ICMP type/code).
 */
export const CSV_FIELDS = [
  ...new Set([
    ...EXPORT_COLUMNS.filter((f) => fieldByName(f)?.computedFrom === undefined),
    'network.iana_number',
    'flow.icmp.type',
    'flow.icmp.code',
  ]),
];

/**
 * The value a sort key reports for a flow without the field (`missing: _last`, ascending):
 * `null` for keywords and addresses, the type's largest value for numbers. Each numeric column's
 * catalogue range stays below it (checked in the unit tests), so it never stands for a value.
 */
export const MISSING_AT: Readonly<Record<string, number>> = {
  short: 2 ** 31 - 1,
  integer: 2 ** 31 - 1,
  long: 2 ** 63 - 1,
};

/**
 * CSV columns read as sort keys after the unique tiebreaker: they never change the order, and
 * the node reads them from doc values while it collects the page, where `docvalue_fields` cost
 * a lookup and a formatted JSON object per field and hit in the fetch phase (a page took ~30 %
 * longer and its response was ~3× bigger, measured on 3.5). Dates come back as epoch ms.
 */
export const CSV_SORT_KEYS: SortClause[] = CSV_FIELDS.map((f) => ({ [f]: { order: 'asc', missing: '_last' } }));

/** Reads one column from a sort value: `undefined` when the flow has no such field. */
function columnReader(field: string): (v: SortValue | undefined) => Scalar | undefined {
  const type = fieldByName(field)?.type;
  if (type === 'date') return (v) => (typeof v === 'number' ? new Date(v).toISOString() : undefined);
  const missing = type !== undefined ? MISSING_AT[type] : undefined;
  if (missing !== undefined) return (v) => (typeof v === 'number' && v < missing ? v : undefined);
  return (v) => v ?? undefined;
}

const CSV_READERS = CSV_FIELDS.map(columnReader);
const at = (f: string): number => CSV_FIELDS.indexOf(f);
const [SRC, DST, PROTO, SPORT, DPORT, ICMP_TYPE, ICMP_CODE] = [
  'source.ip',
  'destination.ip',
  'network.iana_number',
  'source.port',
  'destination.port',
  'flow.icmp.type',
  'flow.icmp.code',
].map(at) as [number, number, number, number, number, number, number];
/** Where each CSV column's value sits among `CSV_FIELDS` (-1: the Community ID, computed). */
const COLUMN_AT = EXPORT_COLUMNS.map((f) => (f === 'network.community_id' ? -1 : at(f)));

/** A CSV line from the values of `CSV_FIELDS`: the same text `flowCsvRow(hydrate(doc))` gives for the stored flow. */
function fieldsCsvRow(v: readonly (Scalar | undefined)[]): string {
  const num = (i: number): number | undefined => {
    const x = v[i];
    return typeof x === 'number' ? x : undefined;
  };
  const src = v[SRC];
  const dst = v[DST];
  const proto = v[PROTO];
  const id =
    typeof src === 'string' && typeof dst === 'string' && typeof proto === 'number'
      ? storedCommunityId(src, dst, proto, num(SPORT), num(DPORT), num(ICMP_TYPE), num(ICMP_CODE))
      : undefined;
  return csvRow(COLUMN_AT.map((i) => (i < 0 ? id : v[i])));
}

/** A hit's CSV line, from its sort values (`keys` of them come before the columns). */
function sortValuesCsvRow(sort: SortValue[] | undefined, keys: number): string {
  return fieldsCsvRow(CSV_READERS.map((read, i) => read(sort?.[keys + i])));
}

/** A hit's CSV line, from its `docvalue_fields`. */
function docValuesCsvRow(fields: Record<string, Scalar[]> | undefined): string {
  return fieldsCsvRow(CSV_FIELDS.map((f) => fields?.[f]?.[0]));
}

/** Overrides for tests: small pages exercise chunking and paging on small data sets. */
export interface ExportTuning {
  /** @default EXPORT_PAGE_SIZE */
  pageSize?: number;
  /** @default EXPORT_CONCURRENCY */
  concurrency?: number;
}

/** One export's searches: all on one point in time, whose id any answer may renew. */
class ExportSearch {
  constructor(
    private readonly client: Client,
    private readonly cfg: FlowdexConfig,
    private readonly indices: string[],
    public pit: string,
  ) {}

  async run(body: PageBody): Promise<{ hits: RawHit[]; buckets: TimeBucket[] }> {
    const r = await page(this.client, this.cfg, this.indices, this.pit, body, EXPORT_FILTER_PATH);
    this.pit = r.pit;
    const buckets = r.res.aggregations?.t?.buckets ?? [];
    return { hits: r.res.hits.hits, buckets: buckets.map((b) => ({ key: b.key, count: b.doc_count })) };
  }

  /** Flows per time bucket of `range` (non-empty buckets only), oldest first. */
  async histogram(c: Compiled, range: TimeRange, interval: number): Promise<TimeBucket[]> {
    const histogram = { field: '@timestamp', fixed_interval: `${interval}ms`, min_doc_count: 1 };
    const body: PageBody = {
      size: 0,
      query: allOf(c.query, timeFilter(range)),
      sort: [],
      track_total_hits: false,
      aggs: { t: { date_histogram: histogram } },
    };
    return (await this.run(body)).buckets;
  }
}

/**
 * The export's time chunks in output order. Flows are counted per time bucket, then the range
 * is cut where a page's worth has accumulated; a bucket with more than a page makes the whole
 * data span be counted once more in buckets fine enough (within the bucket limit).
 */
async function exportChunks(search: ExportSearch, c: Compiled, pageSize: number): Promise<TimeRange[]> {
  const interval = histogramInterval(c.range, HISTOGRAM_BUCKETS);
  let buckets = await search.histogram(c, c.range, interval);
  const densest = Math.max(0, ...buckets.map((b) => b.count));
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (densest > pageSize && interval > 1 && first !== undefined && last !== undefined) {
    const span = { from: Math.max(c.range.from, first.key), to: Math.min(c.range.to, last.key + interval) };
    const finer = Math.max(
      histogramInterval(span, MAX_HISTOGRAM_BUCKETS),
      Math.floor((interval * pageSize) / (2 * densest)),
    );
    if (finer < interval) buckets = await search.histogram(c, span, finer);
  }
  const chunks = timeChunks(c.range, buckets, pageSize);
  return c.sort.order === 'desc' ? chunks.reverse() : chunks;
}

/**
 * Every match, streamed: CSV (header, then `EXPORT_COLUMNS`) or NDJSON (documents as stored).
 * All searches run on one point in time. Sorted by time (the default), the range is cut into
 * chunks of about one page (counted by a histogram first): sorting a chunk costs the node little
 * where sorting every match again for each `search_after` page costs much, and chunks are asked
 * for `concurrency` at a time and written in order. Other sorts page through the whole range.
 * A chunk with more than a page pages within itself. `write` is awaited before more is asked
 * for, so a slow reader holds the export back with a few pages in memory; the PIT is closed at
 * the end, on error too. `limit` and `cursor` of the request are ignored.
 */
export async function exportFlows(
  client: Client,
  cfg: FlowdexConfig,
  req: SearchRequest,
  format: 'csv' | 'ndjson',
  write: (chunk: string) => Promise<void> | void,
  now: number = Date.now(),
  tuning: ExportTuning = {},
): Promise<{ rows: number }> {
  const pageSize = tuning.pageSize ?? EXPORT_PAGE_SIZE;
  const concurrency = tuning.concurrency ?? EXPORT_CONCURRENCY;
  const c = compileRequest(req, now);
  if (format === 'csv') await write(csvRow(EXPORT_COLUMNS));
  const indices = await existingIndices(client, cfg, c.range);
  if (indices.length === 0) return { rows: 0 };
  const sort = await sortClauses(client, c.sort);
  // No stored field at all, not even `_id`: loading one decompresses the stored-fields block
  // around each hit, which cost the node ~30× the doc values themselves (profiled on 3.5).
  // In time order CSV columns come as sort keys; other sorts read them as doc-value fields (a
  // `search_after` through a whole range sorted on another field lost flows with the extra keys).
  const byKeys = format === 'csv' && c.sort.field === '@timestamp';
  const keys = sort.length;
  if (byKeys) sort.push(...CSV_SORT_KEYS);
  const select: Partial<PageBody> =
    format === 'csv' ? { stored_fields: '_none_', ...(byKeys ? {} : { docvalue_fields: CSV_FIELDS }) } : {};
  const search = new ExportSearch(client, cfg, indices, await openPit(client, cfg, indices));
  // Every search in flight, so none outlives the PIT it runs on.
  const inFlight = new Set<Promise<unknown>>();
  const fetch = (range: TimeRange, after: SortValue[] | undefined): Promise<RawHit[]> => {
    const p = search
      .run({
        size: pageSize,
        query: allOf(c.query, timeFilter(range)),
        sort,
        track_total_hits: false,
        ...select,
        ...(after ? { search_after: after } : {}),
      })
      .then((r) => r.hits);
    inFlight.add(p);
    // Awaited later, in order; until then a failure must not count as unhandled.
    p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };
  const text = (hits: RawHit[]) =>
    format === 'csv'
      ? hits.map((h) => (byKeys ? sortValuesCsvRow(h.sort, keys) : docValuesCsvRow(h.fields))).join('')
      : hits.map((h) => JSON.stringify(hydrate(h._source)) + '\n').join('');
  let rows = 0;
  try {
    const chunks = c.sort.field === '@timestamp' ? await exportChunks(search, c, pageSize) : [c.range];
    const firstPages: (Promise<RawHit[]> | undefined)[] = [];
    for (let i = 0; i < chunks.length; i++) {
      while (firstPages.length < Math.min(chunks.length, i + concurrency))
        firstPages.push(fetch(chunks[firstPages.length] as TimeRange, undefined));
      let hits = await (firstPages[i] as Promise<RawHit[]>);
      firstPages[i] = undefined;
      for (;;) {
        const last = hits[hits.length - 1];
        // The next page of a chunk is asked for before this one is written.
        const more = hits.length === pageSize && last?.sort ? fetch(chunks[i] as TimeRange, last.sort) : undefined;
        if (hits.length > 0) {
          await write(text(hits));
          rows += hits.length;
        }
        if (more === undefined) break;
        hits = await more;
      }
    }
  } finally {
    await Promise.allSettled([...inFlight]);
    await closePit(client, search.pit);
  }
  return { rows };
}
