import type { Client } from '@opensearch-project/opensearch';
import { timeFilter } from '../query/compile';
import type { CompositeKey } from '../query/dsl';
import { sourceName } from '../query/reports';
import type { TimeRange } from '../model/time';
import { formatInterval } from '../query/units';
import { indicesExist } from '../store/admin';
import { createPointInTime, deletePointInTime, searchPointInTime } from '../store/client';
import { bulk, docOf, eachIdAt, type GroupTotals } from './builder';
import {
  COUNT_FIELD,
  FIRST_SEEN_FIELD,
  MAX_FIELDS,
  PARTIAL_FIELD,
  rollupIndexFor,
  SUM_FIELDS,
  type RollupSpec,
} from './specs';

/**
 * Compaction: a group the stream wrote more than once in a bucket (a memory flush, a later run,
 * late flows) has a document per write, summed at read time. Merging them into the group's own
 * document keeps rollups small and reports reading fewer documents. Reads and deletes use one
 * point in time, so a document written meanwhile is neither counted nor removed: it stays a
 * partial of its own, and the answer never changes.
 */

const PAGE_SIZE = 5000;
const T = 't';
const metric = (f: string) => `m_${sourceName(f)}`;

/** A composite over the rollup's own documents: one bucket per group, its stored totals summed. Pure. */
export function compactRequest(spec: RollupSpec, window: TimeRange, pit: string, after?: CompositeKey): object {
  return {
    size: 0,
    track_total_hits: false,
    query: timeFilter(window),
    pit: { id: pit, keep_alive: '1m' },
    aggs: {
      b: {
        composite: {
          size: PAGE_SIZE,
          sources: [
            { [T]: { date_histogram: { field: '@timestamp', fixed_interval: formatInterval(spec.intervalMs) } } },
            ...spec.dimensions.map((d) => ({ [sourceName(d)]: { terms: { field: d, missing_bucket: true } } })),
          ],
          ...(after ? { after } : {}),
        },
        aggs: {
          ...Object.fromEntries([COUNT_FIELD, ...SUM_FIELDS].map((f) => [metric(f), { sum: { field: f } }])),
          [metric(MAX_FIELDS[0])]: { max: { field: MAX_FIELDS[0] } },
          [metric(FIRST_SEEN_FIELD)]: { min: { field: FIRST_SEEN_FIELD } },
        },
      },
    },
  };
}

type Bucket = { key: CompositeKey; doc_count: number } & Record<string, unknown>;

function value(b: Bucket, field: string): number | null {
  const v = b[metric(field)] as { value?: number | null } | undefined;
  return typeof v?.value === 'number' ? v.value : null;
}

/** The merged totals of a group's documents. Pure. */
export function mergedTotals(b: Bucket): GroupTotals {
  return {
    flows: value(b, COUNT_FIELD) ?? 0,
    sums: SUM_FIELDS.map((f) => value(b, f) ?? 0),
    maxEnd: value(b, MAX_FIELDS[0]),
    minStart: value(b, FIRST_SEEN_FIELD),
  };
}

export interface CompactResult {
  /** Documents before and after. */
  before: number;
  after: number;
}

/**
 * Merges every group's documents of a spec over `window` (whole buckets within one month) into
 * one document under the group's own id. The caller makes sure no live run still writes the
 * window's buckets and that the rollup index is refreshed.
 */
export async function compactWindow(
  client: Client,
  prefix: string,
  spec: RollupSpec,
  window: TimeRange,
): Promise<CompactResult> {
  const index = rollupIndexFor(prefix, spec, window.from);
  if (!(await indicesExist(client, index))) return { before: 0, after: 0 };
  const pit = await createPointInTime(client, [index], '1m');
  try {
    const existing = await idsAt(client, pit, window);
    if (existing.size === 0) return { before: 0, after: 0 };
    const kept = new Set<string>();
    let after: CompositeKey | undefined;
    let groups = 0;
    for (;;) {
      const res = await searchPointInTime(client, compactRequest(spec, window, pit, after));
      const agg = (res.body as unknown as { aggregations?: { b?: { buckets: Bucket[]; after_key?: CompositeKey } } })
        .aggregations?.b;
      const buckets = agg?.buckets ?? [];
      const lines: unknown[] = [];
      for (const b of buckets) {
        const start = Number(b.key[T]);
        const dims = spec.dimensions.map((d) => b.key[sourceName(d)] ?? null);
        const { id, doc } = docOf(spec, start, dims, mergedTotals(b));
        // The group's own id holds the merge when it was read; otherwise (a rebuild removed it
        // meanwhile) the merge takes an id of its own rather than overwrite a newer document.
        const target = existing.has(id) ? id : `${id}~c${start}`;
        if (b.doc_count === 1 && existing.has(id)) {
          kept.add(id);
          continue;
        }
        lines.push({ index: { _index: index, _id: target } }, target === id ? doc : { ...doc, [PARTIAL_FIELD]: true });
        kept.add(target);
      }
      await bulk(client, lines);
      groups += buckets.length;
      if (buckets.length < PAGE_SIZE || agg?.after_key === undefined) break;
      after = agg.after_key;
    }
    const deletes = [...existing].filter((id) => !kept.has(id)).map((id) => ({ delete: { _index: index, _id: id } }));
    for (let i = 0; i < deletes.length; i += PAGE_SIZE) await bulk(client, deletes.slice(i, i + PAGE_SIZE));
    return { before: existing.size, after: groups };
  } finally {
    await deletePointInTime(client, pit);
  }
}

/** Ids of the documents of `window` in a point in time. */
async function idsAt(client: Client, pit: string, window: TimeRange): Promise<Set<string>> {
  const out = new Set<string>();
  await eachIdAt(client, pit, window, (id) => out.add(id));
  return out;
}
