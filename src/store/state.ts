import type { Client } from '@opensearch-project/opensearch';
import { stateDocId, stateIndex, type StateKind } from './indices';
import type { RunOwner } from './run-owner';

/**
 * The one reader and writer of `<prefix>state`. Every document there is an envelope
 * `{kind, key, updated, data}` under the id `<kind>:<key>`; each kind's owner declares the shape of
 * its `data` with `stateKind`, and the kinds the store itself reads (rollup watermarks and dirty
 * marks, for the status page) are declared here.
 */

/** A state document as read, with its version for conditional writes. */
export interface StateEntry<T> {
  id: string;
  key: string;
  updated: string | undefined;
  data: T;
  version: StateVersion;
}

/** `_seq_no` and `_primary_term` of a read: a write conditioned on them fails if another came between. */
export interface StateVersion {
  seqNo: number;
  primaryTerm: number;
}

export interface PutOptions {
  /** @default now */
  updated?: string;
  /** Visible to searches at once (watermarks, templates). @default false */
  refresh?: boolean;
  /** Written only if the document is still at this version; otherwise `conflict`. */
  ifVersion?: StateVersion;
  /** Written only if no document exists yet; otherwise `conflict`. */
  create?: boolean;
}

/** Typed access to one kind of state document. */
export interface StateKindStore<T> {
  readonly kind: StateKind;
  id(key: string): string;
  get(client: Client, prefix: string, key: string): Promise<StateEntry<T> | undefined>;
  /**
   * Every document of the kind. `refresh` first makes writes done without one visible (the
   * indexer's dirty marks); kinds written with a refresh skip that request.
   */
  list(client: Client, prefix: string, o?: { refresh?: boolean }): Promise<StateEntry<T>[]>;
  put(client: Client, prefix: string, key: string, data: T, o?: PutOptions): Promise<'written' | 'conflict'>;
  /** Several documents in one request; throws when any is not written. */
  putMany(
    client: Client,
    prefix: string,
    entries: Iterable<{ key: string; data: T; updated?: string }>,
    o?: { refresh?: boolean },
  ): Promise<void>;
  /** Deletes one document; gone already, or changed since `ifVersion`, leaves it be. */
  remove(
    client: Client,
    prefix: string,
    key: string,
    o?: { ifVersion?: StateVersion; refresh?: boolean },
  ): Promise<void>;
}

interface Hit {
  _id: string;
  _source?: { updated?: unknown; data?: unknown };
  _seq_no?: number;
  _primary_term?: number;
  found?: boolean;
}

const NO_VERSION: StateVersion = { seqNo: -1, primaryTerm: -1 };

/**
 * Declares a kind: `read` turns a stored `data` into its typed form, or undefined for one this
 * version cannot use (left for its writer to replace, never counted).
 */
export function stateKind<T>(kind: StateKind, read: (data: unknown) => T | undefined): StateKindStore<T> {
  const entry = (h: Hit): StateEntry<T> | undefined => {
    const data = read(h._source?.data);
    if (data === undefined) return undefined;
    const updated = h._source?.updated;
    return {
      id: h._id,
      // The id's key, which a write or delete names the document by.
      key: h._id.slice(kind.length + 1),
      updated: typeof updated === 'string' ? updated : undefined,
      data,
      version:
        h._seq_no !== undefined && h._primary_term !== undefined
          ? { seqNo: h._seq_no, primaryTerm: h._primary_term }
          : NO_VERSION,
    };
  };
  const envelope = (key: string, data: T, o: PutOptions) => ({
    kind,
    key,
    updated: o.updated ?? new Date().toISOString(),
    data,
  });
  return {
    kind,
    id: (key) => stateDocId(kind, key),
    async get(client, prefix, key) {
      const res = await client.get({ index: stateIndex(prefix), id: stateDocId(kind, key) }, { ignore: [404] });
      const hit = res.body as unknown as Hit;
      return hit.found ? entry(hit) : undefined;
    },
    async list(client, prefix, o = {}) {
      if (o.refresh) await client.indices.refresh({ index: stateIndex(prefix) }, { ignore: [404] });
      const res = await client.search(
        {
          index: stateIndex(prefix),
          seq_no_primary_term: true,
          body: { size: 10_000, query: { term: { kind } } },
        } as Parameters<Client['search']>[0],
        { ignore: [404] },
      );
      const hits = (res.body as unknown as { hits?: { hits: Hit[] } }).hits?.hits ?? [];
      return hits.map(entry).filter((e): e is StateEntry<T> => e !== undefined);
    },
    async put(client, prefix, key, data, o = {}) {
      try {
        await client.index({
          index: stateIndex(prefix),
          id: stateDocId(kind, key),
          body: envelope(key, data, o),
          ...(o.refresh ? { refresh: true } : {}),
          ...(o.ifVersion ? { if_seq_no: o.ifVersion.seqNo, if_primary_term: o.ifVersion.primaryTerm } : {}),
          ...(o.create ? { op_type: 'create' as const } : {}),
        });
        return 'written';
      } catch (e) {
        if ((o.ifVersion || o.create) && (e as { meta?: { statusCode?: number } }).meta?.statusCode === 409)
          return 'conflict';
        throw e;
      }
    },
    async putMany(client, prefix, entries, o = {}) {
      const body = [...entries].flatMap(({ key, data, updated }) => [
        { index: { _index: stateIndex(prefix), _id: stateDocId(kind, key) } },
        envelope(key, data, { updated }),
      ]);
      if (body.length === 0) return;
      const res = await client.bulk({ body, ...(o.refresh ? { refresh: true } : {}) });
      const b = res.body as { errors?: boolean; items?: { index?: { _id?: string; error?: { reason?: string } } }[] };
      if (b.errors) {
        const failed = b.items?.find((i) => i.index?.error)?.index;
        throw new Error(
          `${kind} state document ${failed?._id ?? ''} not written: ${failed?.error?.reason ?? 'unknown'}`,
        );
      }
    },
    async remove(client, prefix, key, o = {}) {
      await client.delete(
        {
          index: stateIndex(prefix),
          id: stateDocId(kind, key),
          ...(o.ifVersion ? { if_seq_no: o.ifVersion.seqNo, if_primary_term: o.ifVersion.primaryTerm } : {}),
          ...(o.refresh ? { refresh: true } : {}),
        },
        { ignore: [404, 409] },
      );
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A rollup spec's watermark (kind `rollup`, key: spec name); times in epoch ms. */
export interface Watermark {
  built_from: number;
  built_to: number;
  updated: string;
  docs: number;
  /** Flows the documents stand for (sum of their `flows`); absent in watermarks of older versions. */
  flows?: number;
  /** Layout of the rollup documents (rollup/state ROLLUP_FORMAT); absent before format 2. */
  format?: number;
}

export const WATERMARKS = stateKind<Watermark>('rollup', (d) =>
  isRecord(d) && typeof d.built_from === 'number' && typeof d.built_to === 'number'
    ? {
        built_from: d.built_from,
        built_to: d.built_to,
        updated: typeof d.updated === 'string' ? d.updated : '',
        docs: typeof d.docs === 'number' ? d.docs : 0,
        ...(typeof d.flows === 'number' ? { flows: d.flows } : {}),
        ...(typeof d.format === 'number' ? { format: d.format } : {}),
      }
    : undefined,
);

/**
 * One indexing run's dirty 15-minute buckets (kind `dirty`, key `run:<id>`): marked before flows
 * are sent, cleared when their rollup documents exist. Written without a refresh.
 */
export interface DirtyMarks extends Partial<RunOwner> {
  buckets: number[];
}

export const DIRTY_MARKS = stateKind<DirtyMarks>('dirty', (d) => {
  if (!isRecord(d)) return { buckets: [] };
  return {
    buckets: Array.isArray(d.buckets) ? d.buckets.filter((b): b is number => typeof b === 'number') : [],
    ...(typeof d.pid === 'number' ? { pid: d.pid } : {}),
    ...(typeof d.host === 'string' ? { host: d.host } : {}),
    ...(typeof d.heartbeat === 'number' ? { heartbeat: d.heartbeat } : {}),
  };
});

/** A monitor's evaluation cursor (kind `alert-cursor`, key: monitor slug): the end of its last claimed window. */
export interface AlertCursor {
  to: number;
}

export const ALERT_CURSORS = stateKind<AlertCursor>('alert-cursor', (d) =>
  isRecord(d) && typeof d.to === 'number' ? { to: d.to } : undefined,
);
