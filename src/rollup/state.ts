import type { Client } from '@opensearch-project/opensearch';
import { stateDocId, stateIndex } from '../store/indices';
import type { MarkOwner } from './marks';
import type { Coverage } from './planner';

/**
 * Rollup bookkeeping in `<prefix>state`: per-spec watermarks (kind `rollup`, id `rollup:<spec>`,
 * data `{built_from, built_to, updated, docs, flows, format}`, times in epoch ms) and the indexer's dirty
 * buckets (kind `dirty`, see rollup/marks), read with their sequence numbers so that clearing
 * one never drops buckets an indexer added meanwhile.
 */

/** Layout of the rollup documents; 2 added the group keys (`key.*`), 3 the specs of the stream. Older layouts are rebuilt. */
export const ROLLUP_FORMAT = 3;

export interface Watermark {
  built_from: number;
  built_to: number;
  updated: string;
  docs: number;
  /** Flows the documents stand for (sum of their `flows`); absent in watermarks of older versions. */
  flows?: number;
  /** ROLLUP_FORMAT of the documents; absent before format 2. */
  format?: number;
}

export interface DirtyDoc {
  id: string;
  buckets: number[];
  /** The run that wrote the marks (see rollup/marks); absent in marks of older versions. */
  owner?: Partial<MarkOwner>;
  seqNo: number;
  primaryTerm: number;
}

interface Hit<T> {
  _id: string;
  _source?: T;
  _seq_no?: number;
  _primary_term?: number;
}

async function stateHits<T>(client: Client, prefix: string, kind: 'rollup' | 'dirty'): Promise<Hit<T>[]> {
  // The indexer writes its dirty buckets without a refresh; a search must see them. Watermarks
  // are written with one, so every report reading them skips this request.
  if (kind === 'dirty') await client.indices.refresh({ index: stateIndex(prefix) }, { ignore: [404] });
  const res = await client.search(
    {
      index: stateIndex(prefix),
      seq_no_primary_term: true,
      body: { size: 10000, query: { term: { kind } } },
    } as Parameters<Client['search']>[0],
    { ignore: [404] },
  );
  return (res.body as unknown as { hits?: { hits: Hit<T>[] } }).hits?.hits ?? [];
}

export async function readWatermarks(client: Client, prefix: string): Promise<Map<string, Watermark>> {
  const hits = await stateHits<{ key?: string; data?: Partial<Watermark> }>(client, prefix, 'rollup');
  const out = new Map<string, Watermark>();
  for (const h of hits) {
    const d = h._source?.data;
    const key = h._source?.key;
    if (key !== undefined && typeof d?.built_from === 'number' && typeof d.built_to === 'number') {
      out.set(key, {
        built_from: d.built_from,
        built_to: d.built_to,
        updated: d.updated ?? '',
        docs: d.docs ?? 0,
        ...(typeof d.flows === 'number' ? { flows: d.flows } : {}),
        ...(typeof d.format === 'number' ? { format: d.format } : {}),
      });
    }
  }
  return out;
}

/** What the planner may use: each spec's built range and size. */
export function coverageOf(watermarks: ReadonlyMap<string, Watermark>): Record<string, Coverage> {
  return Object.fromEntries(
    [...watermarks].map(([k, w]) => [
      k,
      { from: w.built_from, to: w.built_to, docs: w.docs, ...(w.flows !== undefined ? { flows: w.flows } : {}) },
    ]),
  );
}

export async function writeWatermark(client: Client, prefix: string, spec: string, w: Watermark): Promise<void> {
  await client.index({
    index: stateIndex(prefix),
    id: stateDocId('rollup', spec),
    body: { kind: 'rollup', key: spec, updated: w.updated, data: w },
    refresh: true,
  });
}

/** Several watermarks in one request (the stream moves them together). */
export async function writeWatermarks(
  client: Client,
  prefix: string,
  marks: ReadonlyMap<string, Watermark>,
): Promise<void> {
  if (marks.size === 0) return;
  const body = [...marks].flatMap(([spec, w]) => [
    { index: { _index: stateIndex(prefix), _id: stateDocId('rollup', spec) } },
    { kind: 'rollup', key: spec, updated: w.updated, data: w },
  ]);
  const res = await client.bulk({ body, refresh: true });
  if ((res.body as { errors?: boolean }).errors) throw new Error('rollup watermarks not written');
}

export async function readDirty(client: Client, prefix: string): Promise<DirtyDoc[]> {
  const hits = await stateHits<{ data?: { buckets?: number[] } & Partial<MarkOwner> }>(client, prefix, 'dirty');
  return hits.map((h) => {
    const d = h._source?.data;
    return {
      id: h._id,
      buckets: d?.buckets ?? [],
      owner: { pid: d?.pid, host: d?.host, heartbeat: d?.heartbeat },
      seqNo: h._seq_no ?? -1,
      primaryTerm: h._primary_term ?? -1,
    };
  });
}

/** Marks rebuilt buckets clean. A document changed since it was read (a newer run's buckets) stays for the next update. */
export async function clearDirty(client: Client, prefix: string, docs: readonly DirtyDoc[]): Promise<void> {
  for (const d of docs) {
    await client.delete(
      { index: stateIndex(prefix), id: d.id, if_seq_no: d.seqNo, if_primary_term: d.primaryTerm },
      { ignore: [404, 409] },
    );
  }
}
