import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { parseQuery } from '../query/parser';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_QUERY_LENGTH, slugOf } from '../report/saved';
import { deleteDocument, getDocument, putDocument, searchHits, toFlowdexError } from '../store/client';
import { monitorsIndex as monitorsIndexOf } from '../store/indices';
import { checkGroup, checkParams } from './params';
import { detectorOf, type Registry } from './registry';
import { scheduleMs } from './schedule';
import { GROUPS, type Monitor, type MonitorInput } from './types';

/** More monitors than one runner evaluates every minute; the list stops here. */
export const MAX_MONITORS = 1000;

type StoredMonitor = Omit<Monitor, 'slug'>;

export function monitorsIndex(cfg: FlowdexConfig): string {
  return monitorsIndexOf(cfg.prefix);
}

/**
 * A monitor as it will be stored, or BAD_REQUEST naming the field: the detector exists, its
 * parameters are its own, the group is one it supports, the schedule and the query parse. Pure.
 */
export function checkMonitor(reg: Registry, input: MonitorInput, now: number, created?: string): StoredMonitor {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || slugOf(name) === '') {
    throw new FlowdexError(
      'BAD_REQUEST',
      `monitor name must be 1-${MAX_NAME_LENGTH} characters with at least one letter or digit, got ${JSON.stringify(input.name)}`,
      { field: 'name' },
    );
  }
  const d = detectorOf(reg, input.detector);
  const query = (input.query ?? '').trim();
  if (query.length > MAX_QUERY_LENGTH)
    throw new FlowdexError('QUERY_BAD_VALUE', `query is longer than ${MAX_QUERY_LENGTH} characters`, {
      field: 'query',
    });
  parseQuery(query, now);
  const schedule = (input.schedule ?? d.schedule).trim().replace(/^every\s+/i, '');
  scheduleMs(schedule);
  if (input.group !== undefined && !GROUPS.includes(input.group)) {
    throw new FlowdexError('BAD_REQUEST', `group must be one of ${GROUPS.join(', ')}, got "${String(input.group)}"`, {
      field: 'group',
    });
  }
  checkGroup(d, input.group);
  const description = (input.description ?? '').trim();
  if (description.length > MAX_DESCRIPTION_LENGTH)
    throw new FlowdexError('BAD_REQUEST', `description is longer than ${MAX_DESCRIPTION_LENGTH} characters`, {
      field: 'description',
    });
  const at = new Date(now).toISOString();
  return {
    name,
    description,
    schedule,
    query,
    detector: d.name,
    params: checkParams(d, input.params ?? {}),
    ...(input.group !== undefined ? { group: input.group } : {}),
    enabled: input.enabled ?? true,
    created: created ?? at,
    updated: at,
  };
}

function fromSource(slug: string, s: StoredMonitor): Monitor {
  return { ...s, slug, params: s.params ?? {}, description: s.description ?? '', enabled: s.enabled !== false };
}

function notFound(name: string): FlowdexError {
  return new FlowdexError('MONITOR_NOT_FOUND', `no monitor named "${name}"`, { field: 'name' });
}

/** Writes a monitor; `create` refuses a name already taken, `index` replaces it. */
async function storeMonitor(
  client: Client,
  cfg: FlowdexConfig,
  slug: string,
  doc: StoredMonitor,
  opType: 'create' | 'index',
): Promise<Monitor> {
  try {
    await putDocument(client, monitorsIndex(cfg), slug, doc, { create: opType === 'create', refresh: true });
  } catch (e) {
    if (opType === 'create' && (e as { meta?: { statusCode?: number } }).meta?.statusCode === 409)
      throw new FlowdexError('MONITOR_EXISTS', `a monitor named "${doc.name}" already exists`, { field: 'name' });
    throw toFlowdexError(e, cfg, 'save monitor');
  }
  return fromSource(slug, doc);
}

export async function createMonitor(
  client: Client,
  cfg: FlowdexConfig,
  reg: Registry,
  input: MonitorInput,
  now: number = Date.now(),
): Promise<Monitor> {
  const doc = checkMonitor(reg, input, now);
  return storeMonitor(client, cfg, slugOf(doc.name), doc, 'create');
}

/** Replaces a monitor's definition under the same name (its alerts keep their history). */
export async function updateMonitor(
  client: Client,
  cfg: FlowdexConfig,
  reg: Registry,
  input: MonitorInput,
  now: number = Date.now(),
): Promise<Monitor> {
  const current = await getMonitor(client, cfg, input.name);
  const doc = checkMonitor(reg, { ...input, name: current.name }, now, current.created);
  return storeMonitor(client, cfg, current.slug, doc, 'index');
}

export async function listMonitors(client: Client, cfg: FlowdexConfig): Promise<Monitor[]> {
  try {
    const hits = await searchHits<StoredMonitor>(client, monitorsIndex(cfg), {
      size: MAX_MONITORS,
      sort: [{ name: 'asc' }],
      query: { match_all: {} },
    });
    return hits.map((h) => fromSource(h._id, h._source));
  } catch (e) {
    throw toFlowdexError(e, cfg, 'list monitors');
  }
}

export async function getMonitor(client: Client, cfg: FlowdexConfig, name: string): Promise<Monitor> {
  const slug = slugOf(name);
  if (slug === '') throw notFound(name);
  let stored: StoredMonitor | undefined;
  try {
    stored = await getDocument<StoredMonitor>(client, monitorsIndex(cfg), slug);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'get monitor');
  }
  if (stored === undefined) throw notFound(name);
  return fromSource(slug, stored);
}

export async function deleteMonitor(client: Client, cfg: FlowdexConfig, name: string): Promise<void> {
  const slug = slugOf(name);
  if (slug === '') throw notFound(name);
  let deleted: boolean;
  try {
    deleted = await deleteDocument(client, monitorsIndex(cfg), slug, { refresh: true });
  } catch (e) {
    throw toFlowdexError(e, cfg, 'delete monitor');
  }
  if (!deleted) throw notFound(name);
}
