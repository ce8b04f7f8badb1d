import type { Client } from '@opensearch-project/opensearch';

/*
 * Index-level requests for the layers above — existence, creation, mappings, settings, refresh —
 * each named for what it does, so nothing outside store/ builds their parameters or reads their
 * bodies. Lists of names go 50 to a request: they travel in the URL.
 */

const NAMES_PER_REQUEST = 50;

/** Comma-joined lists of at most 50 names, one per request. */
export function chunks(names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_REQUEST) out.push(names.slice(i, i + NAMES_PER_REQUEST).join(','));
  return out;
}

/** Whether `pattern` (a name, or a wildcard pattern) names at least one index. */
export async function indicesExist(client: Client, pattern: string): Promise<boolean> {
  return (await client.indices.exists({ index: pattern, allow_no_indices: false })).body;
}

/**
 * Creates an index (the templates give it mappings and settings; `body` adds aliases or more).
 * False when it already existed: another run, or this one earlier, created it.
 */
export async function createIndex(client: Client, index: string, body?: object): Promise<boolean> {
  // 400 = resource_already_exists.
  const res = await client.indices.create({ index, ...(body ? { body } : {}) }, { ignore: [400] });
  return res.statusCode === 200;
}

/** Adds fields to an existing index's mappings (adding is all a mapping update may do). */
export async function addMappings(client: Client, index: string, mappings: object): Promise<void> {
  await client.indices.putMapping({ index, body: mappings });
}

/** Makes everything written to `names` (names or patterns) searchable; missing ones are skipped. */
export async function refreshIndices(client: Client, names: readonly string[]): Promise<void> {
  for (const index of chunks(names))
    await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true } as Parameters<
      Client['indices']['refresh']
    >[0]);
}

/** One setting (flat name, e.g. `index.refresh_interval`) of every open index `pattern` names. */
export async function indexSetting(
  client: Client,
  pattern: string,
  name: string,
): Promise<Map<string, string | undefined>> {
  const res = await client.indices.getSettings(
    {
      index: pattern,
      name,
      flat_settings: true,
      ignore_unavailable: true,
      allow_no_indices: true,
      expand_wildcards: 'open',
    } as Parameters<Client['indices']['getSettings']>[0],
    { ignore: [404] },
  );
  const body = (res.body ?? {}) as Record<string, { settings?: Record<string, string> }>;
  return new Map(Object.entries(body).map(([index, v]) => [index, v.settings?.[name]]));
}

/**
 * Sets index settings (nested form, `{ refresh_interval: '-1' }`) on `names`; a null value resets
 * a setting to its default.
 */
export async function putIndexSettings(
  client: Client,
  names: readonly string[],
  settings: Record<string, string | number | null>,
): Promise<void> {
  // Through the transport because the typed API does not accept null.
  for (const index of chunks(names))
    await client.transport.request({
      method: 'PUT',
      path: `/${index.split(',').map(encodeURIComponent).join(',')}/_settings`,
      body: { index: settings },
    });
}
