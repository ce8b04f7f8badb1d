import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, errors, Transport, type ApiResponse } from '@opensearch-project/opensearch';
import type {
  ApiError,
  TransportRequestCallback,
  TransportRequestOptions,
  TransportRequestParams,
  TransportRequestPromise,
} from '@opensearch-project/opensearch/lib/Transport';
import { redactUrl, type FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { chunks } from './admin';
import { currentScope, notePartial } from './deadline';
import { allFlowIndices } from './indices';
import { nodeUrl } from './local-node';
import { restoreAbandoned, type RestoreReport } from './refresh';

/** The URL flowdex talks to: OPENSEARCH_URL (one URL or a comma-separated list of nodes), else the local node's. */
export function clusterUrl(cfg: FlowdexConfig): string {
  return cfg.opensearchUrl ?? nodeUrl(cfg.node);
}

/** Each node of `clusterUrl`, in the order given. */
export function clusterUrls(cfg: FlowdexConfig): URL[] {
  return clusterUrl(cfg)
    .split(',')
    .map((u) => new URL(u.trim()));
}

/** Attempts after the first, within the one deadline, for connection failures and 502/503/504 only. */
const RETRIES = 2;
/** A retry needs at least this much of the deadline left to be worth starting. */
const MIN_ATTEMPT_MS = 100;

function isRetryable(e: unknown): boolean {
  if (e instanceof errors.TimeoutError || e instanceof errors.RequestAbortedError) return false;
  if (e instanceof errors.ConnectionError || e instanceof errors.NoLivingConnectionsError) return true;
  return e instanceof errors.ResponseError && [502, 503, 504].includes(e.statusCode ?? 0);
}

/**
 * A transport with one deadline per request, retries included (the stock transport gives each
 * attempt the full timeout and retries timeouts too, re-sending an expensive search twice).
 * A search carries the time it has left as `cancel_after_time_interval`, so OpenSearch cancels
 * it by itself; a request that times out or whose caller went away (`RequestScope.signal`) is
 * aborted, and closing its connection cancels the search task in OpenSearch as well.
 */
function deadlineTransport(budgetMs: number): typeof Transport {
  return class DeadlineTransport extends Transport {
    override request(
      params: TransportRequestParams,
      options?: TransportRequestOptions,
    ): TransportRequestPromise<ApiResponse>;
    override request(
      params: TransportRequestParams,
      options: TransportRequestOptions | undefined,
      callback: (err: ApiError | null, result: ApiResponse) => void,
    ): TransportRequestCallback;
    // The client's helpers (helpers.bulk, scrollSearch) call the callback form; flowdex's own calls take the promise.
    override request(
      params: TransportRequestParams,
      options?: TransportRequestOptions,
      callback?: (err: ApiError | null, result: ApiResponse) => void,
    ): TransportRequestPromise<ApiResponse> | TransportRequestCallback {
      const local = new AbortController();
      const done = this.attempts(params, options ?? {}, local.signal);
      const abort = (): void => local.abort();
      if (!callback) return Object.assign(done, { abort });
      done.then(
        (result) => callback(null, result),
        (e: ApiError & { meta?: ApiResponse }) => callback(e, e.meta ?? ({} as ApiResponse)),
      );
      return { abort };
    }

    private async attempts(
      params: TransportRequestParams,
      options: TransportRequestOptions,
      local: AbortSignal,
    ): Promise<ApiResponse> {
      const scope = currentScope();
      const own = typeof options.requestTimeout === 'number' ? options.requestTimeout : budgetMs;
      const deadline = Math.min(Date.now() + own, scope?.deadline ?? Infinity);
      const search = /\/_search$/.test(params.path) && (params.method === 'GET' || params.method === 'POST');
      // One signal per request: an explorer page fans out into dozens of concurrent requests under
      // one scope, and a listener each on the scope's signal would trip MaxListenersExceededWarning.
      const signal = scope?.signal ? AbortSignal.any([local, scope.signal]) : local;
      for (let attempt = 0; ; attempt++) {
        const remaining = Math.floor(deadline - Date.now());
        if (remaining <= 0) throw new errors.TimeoutError('Request timed out', {} as ApiResponse);
        if (signal.aborted) throw new errors.RequestAbortedError('Request aborted', {} as ApiResponse);
        const querystring = search
          ? {
              ...(options.querystring as Record<string, unknown> | undefined),
              cancel_after_time_interval: `${remaining}ms`,
            }
          : options.querystring;
        const pending = super.request(
          { ...params },
          {
            ...options,
            querystring,
            maxRetries: 0,
            requestTimeout: remaining,
            ...(scope?.id !== undefined ? { opaqueId: scope.id } : {}),
          },
        );
        const abort = (): void => void pending.abort();
        signal.addEventListener('abort', abort, { once: true });
        try {
          const res = await pending;
          if (search && scope?.partial) notePartial(scope.partial, res.body);
          return res;
        } catch (e) {
          if (!isRetryable(e) || attempt >= RETRIES || deadline - Date.now() < MIN_ATTEMPT_MS * 2) throw e;
        } finally {
          signal.removeEventListener('abort', abort);
        }
        await sleep(MIN_ATTEMPT_MS * 2 ** attempt);
      }
    }
  };
}

/** A client for the configured cluster. Credentials go in `auth`, never into the URL we print. */
export function createClient(cfg: FlowdexConfig): Client {
  const urls = clusterUrls(cfg);
  // Credentials are the cluster's, so the first node that carries them speaks for every node.
  const url = urls.find((u) => u.username);
  const username = cfg.username ?? (url ? decodeURIComponent(url.username) : undefined);
  const password = cfg.password ?? (url?.password ? decodeURIComponent(url.password) : undefined);
  for (const u of urls) {
    u.username = '';
    u.password = '';
  }
  return new Client({
    // Several nodes: requests go round the living ones, and a node that fails is skipped until it answers again.
    nodes: urls.map((u) => u.toString()),
    auth: username !== undefined ? { username, password: password ?? '' } : undefined,
    ssl: urls.some((u) => u.protocol === 'https:')
      ? { ca: cfg.caFile ? readFileSync(cfg.caFile) : undefined, rejectUnauthorized: !cfg.insecure }
      : undefined,
    Transport: deadlineTransport(cfg.requestTimeoutMs),
    requestTimeout: cfg.requestTimeoutMs,
    maxRetries: RETRIES,
    compression: undefined,
  });
}

interface ErrorBody {
  type?: string;
  reason?: string;
  root_cause?: { type?: string; reason?: string }[];
}

/**
 * Maps client errors to one clear, credential-free FlowdexError that says whose fault it is:
 * OPENSEARCH_UNREACHABLE / _TIMEOUT / _BUSY (429, rejected or cancelled work) / _ERROR (the
 * cluster failed, 5xx) are the cluster's; a request the cluster refused as malformed (other 4xx)
 * is flowdex's own bug, INTERNAL, since every user input is validated before a request is built.
 */
export function toFlowdexError(e: unknown, cfg: FlowdexConfig, what = 'request'): FlowdexError {
  if (e instanceof FlowdexError) return e;
  const where = redactUrl(clusterUrl(cfg));
  if (e instanceof errors.TimeoutError) {
    return new FlowdexError(
      'OPENSEARCH_TIMEOUT',
      `OpenSearch ${what} at ${where} did not answer within ${cfg.requestTimeoutMs / 1000} s (FLOWDEX_TIMEOUT)`,
      {},
      { cause: e },
    );
  }
  if (e instanceof errors.RequestAbortedError)
    return new FlowdexError('CANCELLED', `OpenSearch ${what} cancelled: the client went away`, {}, { cause: e });
  if (e instanceof errors.ConnectionError || e instanceof errors.NoLivingConnectionsError) {
    const cause =
      /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|certificate|self.signed/i.exec(e.message)?.[0] ??
      e.name;
    const fix = cfg.opensearchUrl
      ? 'check OPENSEARCH_URL'
      : 'start a local node with `flowdex opensearch start` or set OPENSEARCH_URL';
    return new FlowdexError(
      'OPENSEARCH_UNREACHABLE',
      `cannot reach OpenSearch at ${where} (${cause}); ${fix}`,
      {},
      { cause: e },
    );
  }
  if (e instanceof errors.ResponseError) {
    const body = e.body as { error?: ErrorBody | string } | undefined;
    const err = body?.error;
    // "all shards failed" says nothing; the first root cause says what the shards refused.
    const root = typeof err === 'object' ? err.root_cause?.[0] : undefined;
    const reason =
      typeof err === 'string'
        ? err
        : err
          ? `${err.type ?? ''}: ${err.reason ?? ''}${root?.reason && root.reason !== err.reason ? ` (${root.reason})` : ''}`
          : e.message;
    const status = e.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new FlowdexError(
        'OPENSEARCH_ERROR',
        `OpenSearch at ${where} refused the credentials (HTTP ${status}); check OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD`,
        {},
        { cause: e },
      );
    }
    if (status === 429 || /task_cancelled|rejected_execution|circuit_breaking/.test(reason)) {
      return new FlowdexError(
        'OPENSEARCH_BUSY',
        `OpenSearch is overloaded and refused the ${what} (HTTP ${status}): ${reason}; try again or narrow the query`,
        {},
        { cause: e },
      );
    }
    if (status >= 400 && status < 500 && status !== 404) {
      return new FlowdexError(
        'INTERNAL',
        `OpenSearch refused the ${what} flowdex built (HTTP ${status}): ${reason}`,
        {},
        { cause: e },
      );
    }
    return new FlowdexError(
      'OPENSEARCH_ERROR',
      `OpenSearch ${what} failed (HTTP ${status}): ${reason}`,
      {},
      { cause: e },
    );
  }
  return new FlowdexError(
    'OPENSEARCH_ERROR',
    `OpenSearch ${what} failed: ${e instanceof Error ? e.message : String(e)}`,
    {},
    { cause: e },
  );
}

export interface ClusterInfo {
  version: string;
  major: number;
  distribution: string;
}

/**
 * Connects and checks the cluster answers; the first call of every command that needs OpenSearch.
 * It also turns refresh back on where an indexer that is gone left it off (store/refresh), so
 * whatever command runs next makes those flows searchable; a failure there is reported, not thrown.
 */
export async function connect(
  cfg: FlowdexConfig,
): Promise<{ client: Client; info: ClusterInfo; refresh: RestoreReport }> {
  const client = createClient(cfg);
  let info: ClusterInfo;
  try {
    const res = await client.info();
    const v = res.body.version as { number: string; distribution?: string };
    info = {
      version: v.number,
      major: Number(v.number.split('.')[0]),
      distribution: v.distribution ?? 'elasticsearch',
    };
  } catch (e) {
    await client.close().catch(() => {});
    throw toFlowdexError(e, cfg, 'connect');
  }
  const refresh = await restoreAbandoned(client, cfg.prefix).catch((e: unknown): RestoreReport => ({
    restored: [],
    failed: [{ index: allFlowIndices(cfg.prefix), reason: toFlowdexError(e, cfg, 'refresh check').message }],
  }));
  return { client, info, refresh };
}

const majors = new WeakMap<Client, Promise<number>>();

/**
 * The cluster's major version, asked once per client. 2.x lacks what 3.x offers (derived
 * source, the `_shard_doc` tiebreaker), so a few requests differ by version.
 */
export function clusterMajor(client: Client): Promise<number> {
  let major = majors.get(client);
  if (!major) {
    major = client.info().then((r) => Number(String((r.body.version as { number: string }).number).split('.')[0]));
    major.catch(() => majors.delete(client));
    majors.set(client, major);
  }
  return major;
}

/**
 * The tiebreaker that makes a point-in-time sort total: `_shard_doc` where it exists (3.x, free),
 * else `_id` (2.x, loads ids into heap for the sort).
 */
export async function uniqueSortKey(client: Client): Promise<{ _shard_doc: 'asc' } | { _id: 'asc' }> {
  return (await clusterMajor(client)) >= 3 ? { _shard_doc: 'asc' } : { _id: 'asc' };
}

/**
 * One search over a list of indices, some of which may not exist (yet): missing ones count as
 * empty. `requestCache: false` for a request never asked again, whose caching would only evict.
 */
export function searchIndices(
  client: Client,
  indices: readonly string[],
  body: object,
  o: { requestCache?: boolean } = {},
): Promise<ApiResponse> {
  return client.search({
    index: indices.join(','),
    ignore_unavailable: true,
    allow_no_indices: true,
    ...(o.requestCache === false ? { request_cache: false } : {}),
    body,
  } as Parameters<Client['search']>[0]);
}

/** How many documents of `indices` match `query`; missing indices count as empty. */
export async function countIndices(client: Client, indices: readonly string[], query: object): Promise<number> {
  const res = await client.count({
    index: indices.join(','),
    ignore_unavailable: true,
    allow_no_indices: true,
    body: { query },
  } as Parameters<Client['count']>[0]);
  return (res.body as { count: number }).count;
}

/*
 * Document and index requests for the layers above: each names what it does and returns typed
 * data, so nothing outside store/ builds transport parameters or casts a response body.
 */

/** A document's source by id; undefined when it, or its index, does not exist. */
export async function getDocument<T>(client: Client, index: string, id: string): Promise<T | undefined> {
  const res = await client.get({ index, id }, { ignore: [404] });
  const body = res.body as { found?: boolean; _source?: T };
  return body.found ? body._source : undefined;
}

/** Writes a document; with `create` an existing id fails (409) instead of being replaced. */
export async function putDocument(
  client: Client,
  index: string,
  id: string,
  body: object,
  o: { create?: boolean; refresh?: boolean } = {},
): Promise<void> {
  await client.index({
    index,
    id,
    body,
    ...(o.create ? { op_type: 'create' as const } : {}),
    ...(o.refresh ? { refresh: true } : {}),
  });
}

/** Deletes a document; false when there was none. */
export async function deleteDocument(
  client: Client,
  index: string,
  id: string,
  o: { refresh?: boolean } = {},
): Promise<boolean> {
  const res = await client.delete({ index, id, ...(o.refresh ? { refresh: true } : {}) }, { ignore: [404] });
  return (res.body as { result?: string }).result === 'deleted';
}

/** The hits of one search of an index that may not exist yet (then none). */
export async function searchHits<T>(
  client: Client,
  index: string,
  body: object,
): Promise<{ _id: string; _source: T }[]> {
  const res = await client.search({ index, body } as Parameters<Client['search']>[0], { ignore: [404] });
  return (res.body as { hits?: { hits: { _id: string; _source: T }[] } }).hits?.hits ?? [];
}

/** Names of the indices matching `patterns`, in one `_resolve/index` call. */
export async function resolveIndexNames(client: Client, patterns: readonly string[]): Promise<Set<string>> {
  const res = await client.indices.resolveIndex({ name: patterns.join(',') });
  return new Set(((res.body as { indices?: { name: string }[] }).indices ?? []).map((i) => i.name));
}

/** Opens a point in time on `indices`; its id. */
export async function createPointInTime(client: Client, indices: string[], keepAlive: string): Promise<string> {
  return (await client.createPit({ index: indices, keep_alive: keepAlive })).body.pit_id;
}

/** Closes a point in time; one already gone is no error. */
export async function deletePointInTime(client: Client, id: string): Promise<void> {
  await client.deletePit({ body: { pit_id: [id] } }, { ignore: [404] });
}

/** One search on a point in time (the body names it); `filterPath` trims the answer. */
export async function searchPointInTime(client: Client, body: object, filterPath?: string): Promise<ApiResponse> {
  return client.search({
    body,
    ...(filterPath !== undefined ? { filter_path: filterPath } : {}),
  } as Parameters<Client['search']>[0]);
}

/** Writes documents in one bulk request; the first one not written, with the reason, if any. */
export async function indexDocuments(
  client: Client,
  index: string,
  docs: readonly { id: string; doc: object }[],
  o: { refresh?: boolean } = {},
): Promise<{ id: string; reason: string } | undefined> {
  const body = docs.flatMap(({ id, doc }) => [{ index: { _index: index, _id: id } }, doc]);
  const res = await client.bulk({ body, ...(o.refresh ? { refresh: true } : {}) });
  const failed = (res.body as { items?: { index?: { _id?: string; error?: { reason?: string } } }[] }).items?.find(
    (i) => i.index?.error,
  )?.index;
  return failed ? { id: failed._id ?? '', reason: failed.error?.reason ?? 'unknown reason' } : undefined;
}

/** Names of the indices matching `pattern`, open or closed (none when nothing matches). */
export async function listIndices(client: Client, pattern: string): Promise<string[]> {
  const cat = await client.cat.indices({ index: pattern, format: 'json', h: ['index'] }, { ignore: [404] });
  return ((cat.body as { index?: string }[] | undefined) ?? [])
    .map((i) => i.index)
    .filter((n): n is string => n !== undefined);
}

/** Deletes whole indices by name, 50 per request (URLs stay short). */
export async function deleteIndices(client: Client, names: readonly string[]): Promise<void> {
  for (const index of chunks(names)) await client.indices.delete({ index });
}
