import type { Client } from '@opensearch-project/opensearch';
import type { RunOwner } from '../store/run-owner';
import { DIRTY_MARKS, WATERMARKS, type StateVersion, type Watermark } from '../store/state';
import type { Coverage } from './planner';

export type { Watermark } from '../store/state';

/**
 * Rollup bookkeeping in `<prefix>state` (read and written by store/state): per-spec watermarks
 * and the indexer's dirty buckets (see rollup/marks), read with their versions so that clearing
 * one never drops buckets an indexer added meanwhile.
 */

/**
 * Layout of the rollup documents; 2 added the group keys (`key.*`), 3 the specs of the stream,
 * 4 the services by server side, 5 the mark on partial documents (`partial`). Older layouts are
 * rebuilt.
 */
export const ROLLUP_FORMAT = 5;

export interface DirtyDoc {
  /** The document's key (`run:<run id>`, or a day in marks of older versions). */
  key: string;
  buckets: number[];
  /** The run that wrote the marks; absent in marks of older versions. */
  owner?: Partial<RunOwner>;
  version: StateVersion;
}

export async function readWatermarks(client: Client, prefix: string): Promise<Map<string, Watermark>> {
  // Watermarks are written with a refresh, so every report reading them skips one.
  return new Map((await WATERMARKS.list(client, prefix)).map((e) => [e.key, e.data]));
}

/** What the planner may use: each spec's built range and size. */
export function coverageOf(watermarks: ReadonlyMap<string, Watermark>): Record<string, Coverage> {
  return Object.fromEntries(
    [...watermarks].map(([k, w]) => [
      k,
      {
        from: w.built_from,
        to: w.built_to,
        docs: w.docs,
        ...(w.flows !== undefined ? { flows: w.flows } : {}),
        ...(w.format !== undefined ? { format: w.format } : {}),
      },
    ]),
  );
}

export async function writeWatermark(client: Client, prefix: string, spec: string, w: Watermark): Promise<void> {
  await WATERMARKS.put(client, prefix, spec, w, { updated: w.updated, refresh: true });
}

/** Several watermarks in one request (the stream moves them together). */
export async function writeWatermarks(
  client: Client,
  prefix: string,
  marks: ReadonlyMap<string, Watermark>,
): Promise<void> {
  await WATERMARKS.putMany(
    client,
    prefix,
    [...marks].map(([key, data]) => ({ key, data, updated: data.updated })),
    { refresh: true },
  );
}

export async function readDirty(client: Client, prefix: string): Promise<DirtyDoc[]> {
  // The indexer writes its dirty buckets without a refresh; the search must see them.
  return (await DIRTY_MARKS.list(client, prefix, { refresh: true })).map(({ key, data, version }) => {
    const { buckets, ...owner } = data;
    return { key, buckets, owner, version };
  });
}

/** Marks rebuilt buckets clean. A document changed since it was read (a newer run's buckets) stays for the next update. */
export async function clearDirty(client: Client, prefix: string, docs: readonly DirtyDoc[]): Promise<void> {
  for (const d of docs) await DIRTY_MARKS.remove(client, prefix, d.key, { ifVersion: d.version });
}
