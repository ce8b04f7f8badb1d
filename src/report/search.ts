import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { resolveField } from '../model/fields';
import type { FlowDoc } from '../model/flow';
import { hydrate } from '../model/normalize';
import { searchIndices, searchPointInTime, toFlowdexError, uniqueSortKey } from '../store/client';
import { isPitGone, isRefusedAsMalformed } from '../store/failures';
import { allFlowIndices, isDailyIndex } from '../store/indices';
import { compileFilter } from '../query/compile';
import type { QueryDsl, Scalar } from '../query/dsl';
import type { Ast } from '../query/ast';
import { readQuery, type ParsedQuery } from '../query/syntax';
import { parseSort, type SortSpec } from '../query/sort';
import { closePit, existingIndices, openPit, PIT_KEEP_ALIVE } from './targets';
import { parseTimeRange } from '../query/time';
import type { TimeRange } from '../model/time';

export interface SearchRequest {
  /** Query language text; empty matches every flow. */
  query: string;
  /** A condition composed by code (host page, pivots), required besides `query`. */
  filter?: Ast;
  from?: string;
  to?: string;
  /** Hits per page. @default 50 (at most 1000) */
  limit?: number;
  /** Catalogue field or alias. @default "@timestamp" */
  sort?: string;
  /** @default "desc" */
  order?: 'asc' | 'desc';
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Count every match instead of stopping at 10 000. */
  exactTotal?: boolean;
}

export interface FlowHit {
  id: string;
  index: string;
  doc: FlowDoc;
}

export interface SearchPage {
  hits: FlowHit[];
  total: { value: number; exact: boolean };
  /** Present when more hits may follow. */
  cursor?: string;
  range: TimeRange;
  /** Which syntax the query was read in, and the query in the flowdex language. */
  syntax: ParsedQuery['syntax'];
  flowdex: string;
  served_by: string[];
  took_ms: number;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
/** Counting stops here unless an exact total is asked for (counting everything costs). */
export const TOTAL_HITS_LIMIT = 10000;

export type SortValue = string | number | null;
export type SortClause = Record<string, { order: 'asc' | 'desc'; missing?: string } | 'asc'>;

export { parseSort, type SortSpec } from '../query/sort';

/**
 * Sort keys. Paging runs on a point in time with a tiebreaker that makes the order total, so
 * flows with equal sort values are never repeated or skipped. On 3.5 `_shard_doc` is not unique
 * across the indices of a point in time (two daily indices both report 0 for their first
 * document), so `search_after` skipped flows tied on any field but time (measured: 2 of 2,938
 * flows lost exporting by source address). Time order keeps `_shard_doc`, which costs nothing:
 * a flow's time decides its daily index, so ties never span indices. Every other sort breaks
 * ties on `_id` (exact, at the price of loading ids into heap for those sorts).
 */
export async function sortClauses(client: Client, s: SortSpec): Promise<SortClause[]> {
  const keyword = resolveField(s.field)?.[0]?.type === 'keyword';
  // Keywords get an explicit "missing" sentinel so flows without the field still sort last.
  const missing = keyword ? (s.order === 'asc' ? KEYWORD_MAX : '') : '_last';
  const tiebreaker = s.field === '@timestamp' ? await uniqueSortKey(client) : { _id: 'asc' as const };
  return [{ [s.field]: { order: s.order, missing } }, tiebreaker];
}

/** The highest code point: sorts after every stored keyword (UTF-8 byte order). */
const KEYWORD_MAX = '\u{10FFFF}';

/**
 * Where the next page starts. The first page runs without a point in time (a PIT per search
 * would exhaust the node's PIT contexts under a busy explorer), so its cursor is an offset;
 * the second page opens the PIT and from then on the cursor carries it and `search_after`.
 */
type Cursor = { pit: string; after: SortValue[]; sort: SortSpec } | { offset: number; sort: SortSpec };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** Point-in-time ids are base64 (standard or URL-safe), a few hundred characters. */
const PIT_ID = /^[A-Za-z0-9+/_=-]{1,2048}$/;

function decodeCursor(text: string, sort: SortSpec): Cursor {
  let c: { sort?: SortSpec; offset?: number; pit?: unknown; after?: unknown } | undefined;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as typeof c;
  } catch {
    c = undefined;
  }
  const bad = () => new FlowdexError('BAD_REQUEST', 'cursor is not one this server issued', { field: 'cursor' });
  if (c === null || typeof c !== 'object' || c.sort === null || typeof c.sort !== 'object') throw bad();
  if (c.sort.field !== sort.field || c.sort.order !== sort.order) {
    throw new FlowdexError('BAD_REQUEST', 'cursor belongs to a search with another sort order', { field: 'cursor' });
  }
  const offset = c.offset;
  if (typeof offset === 'number' && Number.isInteger(offset) && offset > 0 && offset <= MAX_LIMIT)
    return { offset, sort: c.sort };
  // The sort values go back to OpenSearch: exactly one per sort key, each of a type a key can hold.
  const after = c.after;
  const values =
    Array.isArray(after) &&
    after.length === 2 &&
    after.every((v) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
  if (typeof c.pit === 'string' && PIT_ID.test(c.pit) && values)
    return { pit: c.pit, after: after as SortValue[], sort: c.sort };
  throw bad();
}

function checkLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new FlowdexError('QUERY_BAD_VALUE', `limit must be 1-${MAX_LIMIT}, got ${limit}`, { field: 'limit' });
  return n;
}

export interface Compiled {
  parsed: ParsedQuery;
  range: TimeRange;
  query: QueryDsl;
  sort: SortSpec;
}

/** Parses everything the user typed before the cluster is asked anything. */
export function compileRequest(req: SearchRequest, now: number): Compiled {
  const range = parseTimeRange(req.from, req.to, now);
  const sort = parseSort(req.sort, req.order);
  const parsed = readQuery(req.query, now, req.filter);
  return { parsed, range, sort, query: compileFilter(parsed.ast, range) };
}

export interface RawHit {
  _id: string;
  _index: string;
  _source: FlowDoc;
  /** `docvalue_fields` answers: every value as an array. */
  fields?: Record<string, Scalar[]>;
  sort?: SortValue[];
}

export interface RawSearch {
  pit_id?: string;
  hits: { total?: { value: number; relation: 'eq' | 'gte' }; hits: RawHit[] };
  aggregations?: Record<string, { buckets?: { key: number; doc_count: number }[] }>;
}

export interface PageBody {
  size: number;
  from?: number;
  query: QueryDsl;
  _source?: false;
  stored_fields?: '_none_';
  docvalue_fields?: string[];
  sort: SortClause[];
  track_total_hits: boolean | number;
  search_after?: SortValue[];
  aggs?: Record<string, unknown>;
}

async function pitSearch(client: Client, pit: string, body: PageBody, filterPath?: string): Promise<RawSearch> {
  const res = await searchPointInTime(client, { ...body, pit: { id: pit, keep_alive: PIT_KEEP_ALIVE } }, filterPath);
  const b = res.body as unknown as Partial<RawSearch>;
  // filter_path drops an empty hits array altogether.
  if (filterPath !== undefined) return { ...b, hits: { hits: b.hits?.hits ?? [] } };
  return b as RawSearch;
}

/**
 * One page on a point in time. An expired PIT (a page opened after the keep-alive) is replaced
 * by a fresh one and the search continues from the same `search_after` values: the sort field
 * keeps its place exactly; only flows tied on it may shift if segments merged meanwhile.
 */
export async function page(
  client: Client,
  cfg: FlowdexConfig,
  indices: string[],
  pit: string,
  body: PageBody,
  filterPath?: string,
): Promise<{ res: RawSearch; pit: string }> {
  try {
    const res = await pitSearch(client, pit, body, filterPath);
    return { res, pit: res.pit_id ?? pit };
  } catch (e) {
    if (!isPitGone(e)) throw toFlowdexError(e, cfg, 'search');
  }
  const fresh = await openPit(client, cfg, indices);
  try {
    const res = await pitSearch(client, fresh, body, filterPath);
    return { res, pit: res.pit_id ?? fresh };
  } catch (e) {
    await closePit(client, fresh);
    throw toFlowdexError(e, cfg, 'search');
  }
}

/**
 * The first page's order outside a point in time: `_doc` stands in for `_shard_doc` (the same
 * shard-then-document order on the same indices), so the PIT opened for page two continues it.
 */
function firstPageSort(sort: SortClause[]): SortClause[] {
  return sort.map((clause) => ('_shard_doc' in clause ? { _doc: 'asc' } : clause));
}

async function firstPage(client: Client, cfg: FlowdexConfig, indices: string[], body: PageBody): Promise<RawSearch> {
  try {
    const res = await searchIndices(client, indices, body);
    return res.body as RawSearch;
  } catch (e) {
    throw toFlowdexError(e, cfg, 'search');
  }
}

/**
 * The cursor's PIT id and sort values come from the client: when OpenSearch refuses them as
 * malformed, the cursor was not one this server issued — the client's mistake, not flowdex's.
 */
function refusedCursor(e: unknown): never {
  if (isRefusedAsMalformed(e)) {
    throw new FlowdexError('BAD_REQUEST', 'cursor is not one this server issued', { field: 'cursor' });
  }
  throw e;
}

const toHit = (h: RawHit): FlowHit => ({ id: h._id, index: h._index, doc: hydrate(h._source) });

/**
 * One page of flows matching the query in the time range, newest first unless sorted otherwise.
 * Only daily indices of the range that exist are searched. The returned `cursor` (base64url of
 * the point in time and the last hit's sort values) fetches the next page; the PIT is closed as
 * soon as the last page has been served and otherwise expires by itself.
 */
export async function searchFlows(
  client: Client,
  cfg: FlowdexConfig,
  req: SearchRequest,
  now: number = Date.now(),
): Promise<SearchPage> {
  const c = compileRequest(req, now);
  const limit = checkLimit(req.limit);
  const cursor = req.cursor !== undefined && req.cursor !== '' ? decodeCursor(req.cursor, c.sort) : undefined;
  const t0 = performance.now();
  const indices = await existingIndices(client, cfg, c.range);
  const read = { syntax: c.parsed.syntax, flowdex: c.parsed.flowdex };
  if (indices.length === 0)
    return {
      hits: [],
      total: { value: 0, exact: true },
      range: c.range,
      ...read,
      served_by: [],
      took_ms: Math.round(performance.now() - t0),
    };
  const sort = await sortClauses(client, c.sort);
  const body: PageBody = {
    size: limit,
    query: c.query,
    sort,
    track_total_hits: req.exactTotal ? true : TOTAL_HITS_LIMIT,
  };
  let res: RawSearch;
  let next: string | undefined;
  if (cursor === undefined) {
    res = await firstPage(client, cfg, indices, { ...body, sort: firstPageSort(sort) });
    if (res.hits.hits.length === limit) next = encodeCursor({ offset: limit, sort: c.sort });
  } else {
    const paged =
      'pit' in cursor
        ? await page(client, cfg, indices, cursor.pit, { ...body, search_after: cursor.after }).catch(refusedCursor)
        : await page(client, cfg, indices, await openPit(client, cfg, indices), { ...body, from: cursor.offset });
    res = paged.res;
    const last = res.hits.hits[res.hits.hits.length - 1];
    if (res.hits.hits.length === limit && last?.sort !== undefined)
      next = encodeCursor({ pit: paged.pit, after: last.sort, sort: c.sort });
    else await closePit(client, paged.pit);
  }
  const hits = res.hits.hits;
  const total = res.hits.total ?? { value: hits.length, relation: 'eq' };
  return {
    hits: hits.map(toHit),
    total: { value: total.value, exact: total.relation === 'eq' },
    ...(next !== undefined ? { cursor: next } : {}),
    range: c.range,
    ...read,
    served_by: indices,
    took_ms: Math.round(performance.now() - t0),
  };
}

/** Longest flow id looked up (ids are short hashes). */
const MAX_ID_LENGTH = 512;

/**
 * One flow by id; without `index`, every daily index of the prefix is looked in. `index` must be
 * exactly one daily index name of the prefix: anything else (a list, a pattern, another prefix,
 * the saved-queries index) is simply not a flow index, so NOT_FOUND.
 */
export async function getFlow(client: Client, cfg: FlowdexConfig, id: string, index?: string): Promise<FlowHit> {
  const notFound = () => new FlowdexError('NOT_FOUND', `no flow with id "${id.slice(0, 100)}"`, { field: 'id' });
  if (index !== undefined && !isDailyIndex(cfg.prefix, index))
    throw new FlowdexError('NOT_FOUND', `"${index.slice(0, 100)}" is not a flow index of prefix ${cfg.prefix}`, {
      field: 'index',
    });
  if (id.length === 0 || id.length > MAX_ID_LENGTH) throw notFound();
  try {
    const res = await searchIndices(client, [index ?? allFlowIndices(cfg.prefix)], {
      size: 1,
      query: { ids: { values: [id] } },
    });
    const hit = (res.body as unknown as Partial<RawSearch>).hits?.hits[0];
    if (hit === undefined) throw notFound();
    return toHit(hit);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'get flow');
  }
}
