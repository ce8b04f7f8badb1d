import type { Client } from '@opensearch-project/opensearch';
import { FlowdexError } from '../errors';
import type { FlowdexConfig } from '../config';
import { allOf, timeFilter } from '../query/compile';
import type { CompositeKey, QueryDsl, TermsSource } from '../query/dsl';
import { groupKey, sourceName } from '../query/reports';
import type { TimeRange } from '../model/time';
import { formatInterval } from '../query/units';
import { addMappings, createIndex, indicesExist, refreshIndices } from '../store/admin';
import { bulkLines, itemResults } from '../store/bulk';
import { isBlock } from '../store/failures';
import {
  createPointInTime,
  deletePointInTime,
  resolveIndexNames,
  searchIndices,
  searchPointInTime,
  toFlowdexError,
  uniqueSortKey,
} from '../store/client';
import { allFlowIndices, daysWithIndices, indicesFor, templateName } from '../store/indices';
import { allTemplates } from '../store/templates';
import { alignDown, DAY_MS, dirtyWindows, isEmpty, mergeRanges, rollupDocId, splitByDay, widen } from './buckets';
import {
  COUNT_FIELD,
  FIRST_SEEN_FIELD,
  groupKeysOf,
  keyFollows,
  MAX_FIELDS,
  PARTIAL_FIELD,
  rankedKey,
  ROLLUP_SPECS,
  rollupAlias,
  rollupIndexFor,
  specFilterDsl,
  SUM_FIELDS,
  type RollupSpec,
} from './specs';
import { MARK_MS, ownerAlive } from './marks';
import { clearDirty, readDirty, readWatermarks, ROLLUP_FORMAT, writeWatermark, type Watermark } from './state';

/** Buckets per composite page and documents per bulk request. */
const PAGE_SIZE = 5000;
/**
 * Windows built at once: one window's composite scan overlaps another's bulk write. Three
 * built talkers-15m in 43 s where two took 49 s (1M flows, 2 cores); more leave the node no
 * room for the queries it serves meanwhile.
 */
const WINDOW_WORKERS = 3;

// The build request: a composite over time and dimensions with per-bucket sums, min and max.
interface BuildBody {
  size: 0;
  track_total_hits: false;
  query: QueryDsl;
  aggs: {
    b: {
      composite: {
        size: number;
        sources: Record<string, TermsSource | { date_histogram: { field: string; fixed_interval: string } }>[];
        after?: CompositeKey;
      };
      aggs: Record<string, { sum: { field: string } } | { max: { field: string } } | { min: { field: string } }>;
    };
  };
}

interface BuildBucket {
  key: CompositeKey;
  doc_count: number;
  [agg: string]: { value: number | null } | CompositeKey | number;
}

const TIME_SOURCE = 't';
const metricName = (field: string) => sourceName(field);

export function buildRequest(spec: RollupSpec, window: TimeRange, after?: CompositeKey): BuildBody {
  return {
    size: 0,
    track_total_hits: false,
    query: allOf(timeFilter(window), ...[specFilterDsl(spec)].filter((f): f is QueryDsl => f !== undefined)),
    aggs: {
      b: {
        composite: {
          size: PAGE_SIZE,
          sources: [
            {
              [TIME_SOURCE]: {
                date_histogram: { field: '@timestamp', fixed_interval: formatInterval(spec.intervalMs) },
              },
            },
            // missing_bucket keeps flows without the field, so rollup totals equal raw totals.
            ...spec.dimensions.map((d) => ({ [sourceName(d)]: { terms: { field: d, missing_bucket: true } } })),
          ],
          ...(after ? { after } : {}),
        },
        aggs: {
          ...Object.fromEntries(SUM_FIELDS.map((f) => [metricName(f), { sum: { field: f } }])),
          ...Object.fromEntries(MAX_FIELDS.map((f) => [metricName(f), { max: { field: f } }])),
          first_seen: { min: { field: '@timestamp' } },
        },
      },
    },
  };
}

function aggValue(b: BuildBucket, name: string): number | null {
  const v = b[name];
  return v !== null && typeof v === 'object' && 'value' in v && typeof v.value === 'number' ? v.value : null;
}

/** A group's totals in one bucket, whichever way they were summed (raw composite or the stream). */
export interface GroupTotals {
  flows: number;
  /** In SUM_FIELDS order. */
  sums: readonly number[];
  maxEnd: number | null;
  minStart: number | null;
}

/**
 * Where a spec's documents put each value, worked out once per spec: documents are built for
 * every group the stream or a rebuild writes, so paths are not split and group-key columns not
 * looked up per document.
 */
interface DocLayout {
  dims: string[][];
  sums: string[][];
  maxEnd: string[];
  firstSeen: string[];
  /** Per group key: its path and, per column, the positions of its fields among the dimensions. */
  keys: { path: string[]; columns: number[][] }[];
  /** The ranked key's columns (specs/rankedKey): their fields and those fields' positions. */
  ranked?: { fields: string[]; at: number[] }[];
}

const layouts = new WeakMap<RollupSpec, DocLayout>();

function layoutOf(spec: RollupSpec): DocLayout {
  let l = layouts.get(spec);
  if (!l) {
    const split = (f: string) => (f === '@timestamp' ? [f] : f.split('.'));
    l = {
      dims: spec.dimensions.map(split),
      sums: SUM_FIELDS.map(split),
      maxEnd: split(MAX_FIELDS[0]),
      firstSeen: split(FIRST_SEEN_FIELD),
      keys: groupKeysOf(spec).map((k) => ({
        path: split(k.field),
        columns: k.groupBy.map((g) => g.fields.map((f) => spec.dimensions.indexOf(f)).filter((i) => i >= 0)),
      })),
    };
    const ranked = rankedKey(spec);
    if (ranked)
      l.ranked = ranked.groupBy.map((g) => ({ fields: g.fields, at: g.fields.map((f) => spec.dimensions.indexOf(f)) }));
    layouts.set(spec, l);
  }
  return l;
}

function put(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = doc;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) cur = (cur[path[i] as string] ??= {}) as Record<string, unknown>;
  cur[path[last] as string] = value;
}

/** The rollup document of one group of a spec's bucket, and its deterministic id. Pure. */
export function docOf(
  spec: RollupSpec,
  bucket: number,
  dims: readonly (string | number | null)[],
  t: GroupTotals,
): { id: string; doc: Record<string, unknown> } {
  const l = layoutOf(spec);
  const doc: Record<string, unknown> = { '@timestamp': bucket, [COUNT_FIELD]: t.flows };
  for (let i = 0; i < l.dims.length; i++) {
    const v = dims[i] ?? null;
    if (v !== null) put(doc, l.dims[i] as string[], v);
  }
  // A zero sum is left out: reports sum what is there, and most flows have no sampled counters
  // and many one direction only, so the node indexes a third fewer values per document.
  for (let i = 0; i < l.sums.length; i++) {
    const v = t.sums[i] ?? 0;
    if (v !== 0) put(doc, l.sums[i] as string[], v);
  }
  if (t.maxEnd !== null) put(doc, l.maxEnd, t.maxEnd);
  if (t.minStart !== null) put(doc, l.firstSeen, t.minStart);
  // A column's value is its first field that has one (columnValue's rule).
  for (const k of l.keys)
    put(doc, k.path, groupKey(k.columns.map((c) => c.map((i) => dims[i] ?? null).find((v) => v !== null) ?? null)));
  // Another document of the group may share the bucket: it is no longer the group's only one.
  if (
    l.ranked?.some(
      (c) =>
        !keyFollows(
          c.fields,
          c.at.map((i) => dims[i] ?? null),
        ),
    )
  )
    doc[PARTIAL_FIELD] = true;
  return { id: rollupDocId(spec.name, bucket, dims), doc };
}

/** One rollup document of a composite bucket, and its deterministic id. Pure. */
export function rollupDoc(
  spec: RollupSpec,
  b: BuildBucket,
): { id: string; bucket: number; doc: Record<string, unknown> } {
  const bucket = Number(b.key[TIME_SOURCE]);
  const dims = spec.dimensions.map((d) => b.key[sourceName(d)] ?? null);
  const totals = {
    flows: b.doc_count,
    sums: SUM_FIELDS.map((f) => aggValue(b, metricName(f)) ?? 0),
    maxEnd: aggValue(b, metricName(MAX_FIELDS[0])),
    minStart: aggValue(b, 'first_seen'),
  };
  return { ...docOf(spec, bucket, dims, totals), bucket };
}

export async function bulk(client: Client, lines: unknown[]): Promise<void> {
  if (lines.length === 0) return;
  const body = await bulkLines(client, lines);
  if (!body.errors) return;
  const failed = itemResults(body).find((r) => r?.error && r.status !== 404);
  if (failed?.error) {
    const reason = `rollup bulk write refused: ${failed.error.type ?? ''}: ${failed.error.reason ?? ''}`;
    // Pushed back (429) or blocked: the writes are idempotent (own ids), so the caller's retry may resend them all.
    if (failed.status === 429 || isBlock(failed.error.type)) throw new FlowdexError('OPENSEARCH_BUSY', reason);
    throw new Error(reason);
  }
}

/** Creates monthly rollup indices with their spec's alias, once per run. */
export class RollupIndices {
  private readonly ready = new Map<string, Promise<void>>();
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  /** Resolves once the index exists with its alias and current mappings; asked again, the same answer. */
  ensure(spec: RollupSpec, index: string): Promise<void> {
    let p = this.ready.get(index);
    if (!p) {
      p = this.create(spec, index);
      this.ready.set(index, p);
      // A failure is not remembered: the caller's retry asks again.
      p.catch(() => this.ready.delete(index));
    }
    return p;
  }

  private async create(spec: RollupSpec, index: string): Promise<void> {
    // Created by a concurrent run between the check and here: already there with its alias.
    if (!(await indicesExist(this.client, index)))
      await createIndex(this.client, index, { aliases: { [rollupAlias(this.prefix, spec)]: {} } });
    // An index created under an older template lacks newer fields (group keys): add them before
    // the documents that carry them are written.
    else await addMappings(this.client, index, this.mappings());
  }

  private templateMappings: Record<string, unknown> | undefined;

  /** The rollup template's mappings, read from `mappings/` once per run. */
  private mappings(): Record<string, unknown> {
    this.templateMappings ??= (allTemplates({ prefix: this.prefix }).find(
      (t) => t.name === templateName(this.prefix, 'rollup'),
    )?.body.template?.mappings ?? {}) as Record<string, unknown>;
    return this.templateMappings;
  }
}

/**
 * Ids (and their index) of a spec's rollup documents in a window, for removing those no longer
 * produced. A window lies in one monthly index; `search_after` on a point in time pages it in
 * `_shard_doc` order, which costs no sort work.
 */
async function existingIds(
  client: Client,
  prefix: string,
  spec: RollupSpec,
  window: TimeRange,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const index = rollupIndexFor(prefix, spec, window.from);
  if (!(await indicesExist(client, index))) return out;
  const pit = await createPointInTime(client, [index], '1m');
  try {
    await eachIdAt(client, pit, window, (id, idx) => out.set(id, idx));
    return out;
  } finally {
    await deletePointInTime(client, pit);
  }
}

/** Every rollup document of `window` in a point in time, page by page: its id and index. */
export async function eachIdAt(
  client: Client,
  pit: string,
  window: TimeRange,
  each: (id: string, index: string) => void,
): Promise<void> {
  const tiebreaker = await uniqueSortKey(client);
  let after: unknown[] | undefined;
  for (;;) {
    const res = await searchPointInTime(client, {
      size: PAGE_SIZE,
      _source: false,
      track_total_hits: false,
      query: timeFilter(window),
      pit: { id: pit, keep_alive: '1m' },
      sort: [tiebreaker],
      ...(after ? { search_after: after } : {}),
    });
    const hits = (res.body as unknown as { hits: { hits: { _id: string; _index: string; sort?: unknown[] }[] } }).hits
      .hits;
    for (const h of hits) each(h._id, h._index);
    after = hits[hits.length - 1]?.sort;
    if (hits.length < PAGE_SIZE || after === undefined) return;
  }
}

export interface WindowResult {
  written: number;
  deleted: number;
}

/**
 * Rebuilds one spec over one window (whole spec buckets, at most a day): writes every bucket
 * the raw flows give now — same ids, so overwritten in place — then deletes documents of the
 * window that were not written again: groups whose flows went away, and the partial documents
 * of the indexing stream (whose flows the rebuilt documents now hold). The stream may have
 * written past the watermark, so every window is swept.
 */
async function buildWindow(
  client: Client,
  prefix: string,
  spec: RollupSpec,
  window: TimeRange,
  indices: RollupIndices,
): Promise<WindowResult> {
  const stale = await existingIds(client, prefix, spec, window);
  const raw = indicesFor(prefix, window);
  let written = 0;
  let after: CompositeKey | undefined;
  for (;;) {
    // Every page is a size-0 request of megabytes that is never asked again: caching it only evicts.
    const res = await searchIndices(client, raw, buildRequest(spec, window, after), { requestCache: false });
    const agg = (res.body as unknown as { aggregations?: { b?: { buckets: BuildBucket[]; after_key?: CompositeKey } } })
      .aggregations?.b;
    const buckets = agg?.buckets ?? [];
    const lines: unknown[] = [];
    for (const b of buckets) {
      const { id, bucket, doc } = rollupDoc(spec, b);
      const index = rollupIndexFor(prefix, spec, bucket);
      await indices.ensure(spec, index);
      lines.push({ index: { _index: index, _id: id } }, doc);
      stale.delete(id);
    }
    await bulk(client, lines);
    written += buckets.length;
    if (buckets.length < PAGE_SIZE || agg?.after_key === undefined) break;
    after = agg.after_key;
  }
  const deletes = [...stale].map(([id, index]) => ({ delete: { _index: index, _id: id } }));
  for (let i = 0; i < deletes.length; i += PAGE_SIZE) await bulk(client, deletes.slice(i, i + PAGE_SIZE));
  return { written, deleted: deletes.length };
}

/** First and last flow start over every raw daily index, or undefined when there are none. */
async function rawExtent(client: Client, prefix: string): Promise<TimeRange | undefined> {
  const res = await searchIndices(client, [allFlowIndices(prefix)], {
    size: 0,
    aggs: { min: { min: { field: '@timestamp' } }, max: { max: { field: '@timestamp' } } },
  });
  const aggs = (
    res.body as unknown as { aggregations?: { min?: { value: number | null }; max?: { value: number | null } } }
  ).aggregations;
  const min = aggs?.min?.value;
  const max = aggs?.max?.value;
  return typeof min === 'number' && typeof max === 'number' ? { from: min, to: max + 1 } : undefined;
}

/** Day starts of the raw daily indices that exist: one `_resolve/index` instead of a request per empty day. */
async function rawDays(client: Client, prefix: string): Promise<Set<number>> {
  return daysWithIndices(prefix, [...(await resolveIndexNames(client, [allFlowIndices(prefix)]))]);
}

export interface UpdateOptions {
  /** Rebuild this range (whole buckets) instead of updating incrementally. */
  from?: number;
  to?: number;
  /** Rebuild everything raw flows hold. */
  rebuild?: boolean;
  /** @default ROLLUP_SPECS */
  specs?: readonly RollupSpec[];
  now?: number;
  log?: (line: string) => void;
}

export interface SpecUpdate {
  spec: string;
  windows: number;
  written: number;
  deleted: number;
  /** Documents the spec holds afterwards, and its watermark; absent when nothing was ever built. */
  watermark?: Watermark;
}

export interface UpdateResult {
  specs: SpecUpdate[];
  took_ms: number;
}

/**
 * The ranges a spec must (re)build. Pure. Explicit ranges and `rebuild` are taken as asked;
 * otherwise: everything on the first run, then the buckets runs left marked (killed, failed,
 * `--no-rollup`). Nothing past the watermark is built from raw flows for its own sake: every
 * run marks its flows before sending them, so a flow in no rollup document is in a mark, and a
 * live run's unmarked buckets are its own to write (building them too would count them twice).
 */
export function rangesToBuild(
  spec: RollupSpec,
  o: { from?: number; to?: number; rebuild?: boolean },
  extent: TimeRange | undefined,
  wm: Watermark | undefined,
  dirty: readonly number[],
): TimeRange[] {
  // Documents of an older layout (before group keys) are rebuilt whole, once.
  if (wm !== undefined && wm.format !== ROLLUP_FORMAT && !o.rebuild && o.from === undefined && o.to === undefined)
    return rangesToBuild(spec, { rebuild: true }, extent, wm, dirty);
  if (o.rebuild || o.from !== undefined || o.to !== undefined) {
    const from = o.from ?? extent?.from;
    const to = o.to ?? extent?.to;
    return from === undefined || to === undefined || to <= from
      ? []
      : splitByDay([widen({ from, to }, spec.intervalMs)]);
  }
  if (wm === undefined) return extent ? splitByDay([widen(extent, spec.intervalMs)]) : [];
  return splitByDay(dirtyWindows(dirty, MARK_MS, spec.intervalMs));
}

/** The windows that hold no bucket a live run still writes (`live`: its 15-minute marks). Pure. */
export function awayFromLiveRuns(
  spec: RollupSpec,
  windows: readonly TimeRange[],
  live: readonly number[],
): TimeRange[] {
  const busy = dirtyWindows(live, MARK_MS, spec.intervalMs);
  return windows.filter((w) => !busy.some((b) => b.from < w.to && w.from < b.to));
}

/**
 * The windows worth a build request: those on a day with a raw index. A day without one has no
 * flows to roll up, and its rollup documents outlive the raw day on purpose (retention). Pure.
 */
export function windowsWithFlows(windows: readonly TimeRange[], days: ReadonlySet<number>): TimeRange[] {
  return windows.filter((w) => days.has(alignDown(w.from, DAY_MS)));
}

/** The watermark after building `ranges` on top of `prev`. Pure. */
export function nextWatermark(
  prev: Watermark | undefined,
  ranges: readonly TimeRange[],
  size: RollupSize,
  now: number,
): Watermark | undefined {
  const built = mergeRanges(ranges);
  const first = built[0];
  const last = built[built.length - 1];
  if (first === undefined || last === undefined) return prev && { ...prev, ...size };
  // A build of some windows over documents of an older layout leaves the others in that layout.
  const older =
    prev !== undefined &&
    prev.format !== ROLLUP_FORMAT &&
    !built.some((r) => r.from <= prev.built_from && prev.built_to <= r.to);
  const format = older ? prev.format : ROLLUP_FORMAT;
  return {
    built_from: Math.min(prev?.built_from ?? first.from, first.from),
    built_to: Math.max(prev?.built_to ?? last.to, last.to),
    updated: new Date(now).toISOString(),
    ...size,
    ...(format !== undefined ? { format } : {}),
  };
}

/** A spec's documents and the flows they stand for: what the planner prices rollups and raw by. */
export interface RollupSize {
  docs: number;
  flows: number;
}

export async function sizeOf(client: Client, index: string): Promise<RollupSize> {
  const res = await searchIndices(client, [index], {
    size: 0,
    track_total_hits: true,
    aggs: { flows: { sum: { field: COUNT_FIELD } } },
  });
  const body = res.body as unknown as {
    hits?: { total?: { value?: number } };
    aggregations?: { flows?: { value?: number | null } };
  };
  return { docs: body.hits?.total?.value ?? 0, flows: body.aggregations?.flows?.value ?? 0 };
}

/**
 * Brings every rollup up to date with the raw flows (see `rangesToBuild`), writes each spec's
 * watermark, and clears the dirty buckets it rebuilt. Safe to run any time: rebuilding gives
 * the same documents.
 */
export async function updateRollups(client: Client, cfg: FlowdexConfig, o: UpdateOptions = {}): Promise<UpdateResult> {
  const t0 = Date.now();
  const prefix = cfg.prefix;
  const specs = o.specs ?? ROLLUP_SPECS;
  try {
    await refreshIndices(client, [allFlowIndices(prefix)]);
    const [extent, watermarks, marked, days] = await Promise.all([
      rawExtent(client, prefix),
      readWatermarks(client, prefix),
      readDirty(client, prefix),
      rawDays(client, prefix),
    ]);
    // Buckets of a run still indexing are its own to write; rebuilding them now would count twice.
    const now = Date.now();
    const dirty = marked.filter((d) => !ownerAlive(d.owner, now));
    const dirtyBuckets = dirty.flatMap((d) => d.buckets);
    const live = marked.filter((d) => ownerAlive(d.owner, now)).flatMap((d) => d.buckets);
    let deferred = 0;
    const indices = new RollupIndices(client, prefix);
    const out: SpecUpdate[] = [];
    for (const spec of specs) {
      const prev = watermarks.get(spec.name);
      // A live run writes its buckets from memory: rebuilding one now would count its flows twice.
      const wanted = rangesToBuild(spec, o, extent, prev, dirtyBuckets);
      const ranges = awayFromLiveRuns(spec, wanted, live);
      deferred += wanted.length - ranges.length;
      const windows = windowsWithFlows(ranges, days);
      let written = 0;
      let deleted = 0;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let w = windows[next++]; w !== undefined; w = windows[next++]) {
          const r = await buildWindow(client, prefix, spec, w, indices);
          written += r.written;
          deleted += r.deleted;
        }
      };
      await Promise.all(Array.from({ length: WINDOW_WORKERS }, worker));
      await refreshIndices(client, [rollupAlias(prefix, spec)]);
      const wm = nextWatermark(
        prev,
        ranges.filter((r) => !isEmpty(r)),
        await sizeOf(client, rollupAlias(prefix, spec)),
        o.now ?? Date.now(),
      );
      if (wm) await writeWatermark(client, prefix, spec.name, wm);
      o.log?.(
        `rollup ${spec.name}: ${windows.length} window(s), ${written} written, ${deleted} removed, ${wm?.docs ?? 0} docs`,
      );
      out.push({ spec: spec.name, windows: windows.length, written, deleted, ...(wm ? { watermark: wm } : {}) });
    }
    // Every spec rebuilt every dirty bucket; only a full set of specs may clear them.
    if (deferred > 0)
      o.log?.(`rollup: ${deferred} window(s) left for later: a live indexing run still writes their buckets`);
    else if (o.specs === undefined) await clearDirty(client, prefix, dirty);
    return { specs: out, took_ms: Date.now() - t0 };
  } catch (e) {
    throw toFlowdexError(e, cfg, 'rollup');
  }
}
