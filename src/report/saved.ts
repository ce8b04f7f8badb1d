import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { deleteDocument, getDocument, putDocument, searchHits, toFlowdexError } from '../store/client';
import { savedQueriesIndex } from '../store/indices';
import { MAX_QUERY_LENGTH } from '../query/limits';
import { parseAnyQuery } from '../query/syntax';
import { parseTimeRange } from '../query/time';

export { MAX_QUERY_LENGTH } from '../query/limits';
export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;
/** More saved queries than anyone scrolls through; the list stops here. */
export const MAX_SAVED = 1000;

/** A named query and time range, shared by CLI and web (index `<prefix>saved-queries`). */
export interface SavedQuery {
  name: string;
  /** Document id and permalink key: the name in lower case, runs of other characters as `-`. */
  slug: string;
  description: string;
  query: string;
  from?: string;
  to?: string;
  /** ISO times. */
  created: string;
  updated: string;
}

export interface SavedInput {
  name: string;
  query: string;
  description?: string;
  from?: string;
  to?: string;
}

/** Fields `updateSaved` changes; a different `name` renames. Empty `from`/`to` clear them. */
export type SavedPatch = Partial<SavedInput>;

type StoredQuery = Omit<SavedQuery, 'slug'>;

export function savedIndex(cfg: FlowdexConfig): string {
  return savedQueriesIndex(cfg.prefix);
}

export function slugOf(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH || slugOf(trimmed) === '') {
    throw new FlowdexError(
      'BAD_REQUEST',
      `saved query name must be 1-${MAX_NAME_LENGTH} characters with at least one letter or digit, got ${JSON.stringify(name)}`,
      { field: 'name' },
    );
  }
  return trimmed;
}

/** Only runnable queries are stored: the query parses and the range reads. */
function checkQuery(query: string, from: string | undefined, to: string | undefined, now: number): void {
  if (query.length > MAX_QUERY_LENGTH)
    throw new FlowdexError('QUERY_BAD_VALUE', `query is longer than ${MAX_QUERY_LENGTH} characters`, {
      field: 'query',
    });
  parseAnyQuery(query, now);
  parseTimeRange(from, to, now);
}

function checkDescription(d: string): string {
  if (d.length > MAX_DESCRIPTION_LENGTH)
    throw new FlowdexError('BAD_REQUEST', `description is longer than ${MAX_DESCRIPTION_LENGTH} characters`, {
      field: 'description',
    });
  return d;
}

function notFound(name: string): FlowdexError {
  return new FlowdexError('SAVED_NOT_FOUND', `no saved query named "${name}"`, { field: 'name' });
}

function optional(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function fromSource(slug: string, s: StoredQuery): SavedQuery {
  return {
    name: s.name,
    slug,
    description: s.description ?? '',
    query: s.query,
    ...(s.from ? { from: s.from } : {}),
    ...(s.to ? { to: s.to } : {}),
    created: s.created,
    updated: s.updated,
  };
}

function statusOf(e: unknown): number | undefined {
  const status = (e as { meta?: { statusCode?: unknown } }).meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export async function listSaved(client: Client, cfg: FlowdexConfig): Promise<SavedQuery[]> {
  try {
    const hits = await searchHits<StoredQuery>(client, savedIndex(cfg), {
      size: MAX_SAVED,
      sort: [{ name: 'asc' }],
      query: { match_all: {} },
    });
    return hits.map((h) => fromSource(h._id, h._source));
  } catch (e) {
    throw toFlowdexError(e, cfg, 'list saved queries');
  }
}

/** The saved query whose name (or slug) is `name`, else SAVED_NOT_FOUND. */
export async function getSaved(client: Client, cfg: FlowdexConfig, name: string): Promise<SavedQuery> {
  const slug = slugOf(name);
  if (slug === '') throw notFound(name);
  try {
    const stored = await getDocument<StoredQuery>(client, savedIndex(cfg), slug);
    if (stored === undefined) throw notFound(name);
    return fromSource(slug, stored);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'get saved query');
  }
}

/** Writes a new document; SAVED_EXISTS when a query with the same slug is there. */
async function insert(client: Client, cfg: FlowdexConfig, doc: StoredQuery): Promise<SavedQuery> {
  const slug = slugOf(doc.name);
  try {
    await putDocument(client, savedIndex(cfg), slug, doc, { create: true, refresh: true });
  } catch (e) {
    if (statusOf(e) === 409)
      throw new FlowdexError('SAVED_EXISTS', `a saved query named "${doc.name}" already exists`, { field: 'name' });
    throw toFlowdexError(e, cfg, 'save query');
  }
  return fromSource(slug, doc);
}

export async function createSaved(
  client: Client,
  cfg: FlowdexConfig,
  input: SavedInput,
  now: number = Date.now(),
): Promise<SavedQuery> {
  const name = checkName(input.name);
  const from = optional(input.from);
  const to = optional(input.to);
  checkQuery(input.query, from, to, now);
  const at = new Date(now).toISOString();
  return insert(client, cfg, {
    name,
    description: checkDescription(input.description?.trim() ?? ''),
    query: input.query.trim(),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    created: at,
    updated: at,
  });
}

/**
 * Changes a saved query. A new name with a new slug is a rename: the new document is created
 * first (so a clash leaves the old one untouched), then the old one deleted.
 */
export async function updateSaved(
  client: Client,
  cfg: FlowdexConfig,
  name: string,
  patch: SavedPatch,
  now: number = Date.now(),
): Promise<SavedQuery> {
  const current = await getSaved(client, cfg, name);
  const next: StoredQuery = {
    name: patch.name !== undefined ? checkName(patch.name) : current.name,
    description: patch.description !== undefined ? checkDescription(patch.description.trim()) : current.description,
    query: patch.query !== undefined ? patch.query.trim() : current.query,
    created: current.created,
    updated: new Date(now).toISOString(),
  };
  const from = patch.from !== undefined ? optional(patch.from) : current.from;
  const to = patch.to !== undefined ? optional(patch.to) : current.to;
  if (from) next.from = from;
  if (to) next.to = to;
  checkQuery(next.query, from, to, now);
  const slug = slugOf(next.name);
  if (slug !== current.slug) {
    const renamed = await insert(client, cfg, next);
    await deleteSaved(client, cfg, current.slug);
    return renamed;
  }
  try {
    await putDocument(client, savedIndex(cfg), slug, next, { refresh: true });
  } catch (e) {
    throw toFlowdexError(e, cfg, 'update saved query');
  }
  return fromSource(slug, next);
}

export function renameSaved(
  client: Client,
  cfg: FlowdexConfig,
  from: string,
  to: string,
  now: number = Date.now(),
): Promise<SavedQuery> {
  return updateSaved(client, cfg, from, { name: to }, now);
}

export async function deleteSaved(client: Client, cfg: FlowdexConfig, name: string): Promise<void> {
  const slug = slugOf(name);
  if (slug === '') throw notFound(name);
  try {
    if (!(await deleteDocument(client, savedIndex(cfg), slug, { refresh: true }))) throw notFound(name);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'delete saved query');
  }
}
