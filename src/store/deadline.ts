import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a caller (one explorer request) imposes on every OpenSearch request made on its behalf,
 * without threading options through each call: carried by AsyncLocalStorage and read by the
 * client's transport (see `createClient`).
 */
export interface RequestScope {
  /** Epoch ms by which all of the scope's OpenSearch work must be done; absent: none beyond each request's own. */
  deadline?: number;
  /** Aborted when the caller went away: in-flight requests are aborted, and OpenSearch cancels their tasks. */
  signal?: AbortSignal;
  /** Sent as `X-Opaque-Id`, so the scope's tasks can be told apart in OpenSearch's task list and logs. */
  id?: string;
  /** Filled in by the transport when a search answers without some of its shards. */
  partial?: PartialResults;
}

/** Searches of one scope that OpenSearch answered without some shards: their results are partial. */
export interface PartialResults {
  /** The most shards any one search lacked. */
  failed_shards: number;
  /** Of how many shards that search had. */
  total_shards: number;
  /** What the failed shards said, each reason once. */
  reasons: string[];
}

interface ShardsInfo {
  _shards?: { total?: number; failed?: number; failures?: { reason?: { type?: string; reason?: string } }[] };
}

/** Most distinct reasons kept: enough to say what failed, bounded whatever the number of searches. */
const MAX_REASONS = 5;

/** Adds a search response's failed shards, if any, to `into`. */
export function notePartial(into: PartialResults, body: unknown): void {
  const shards = (body as ShardsInfo | null)?._shards;
  if (!shards?.failed) return;
  if (shards.failed > into.failed_shards) {
    into.failed_shards = shards.failed;
    into.total_shards = shards.total ?? shards.failed;
  }
  for (const f of shards.failures ?? []) {
    const reason = `${f.reason?.type ?? 'shard failure'}: ${f.reason?.reason ?? ''}`;
    if (into.reasons.length < MAX_REASONS && !into.reasons.includes(reason)) into.reasons.push(reason);
  }
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it starts) under `scope`. */
export function withScope<T>(scope: RequestScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

export function currentScope(): RequestScope | undefined {
  return scopes.getStore();
}

/** Runs `fn` outside any scope: clean-up (closing a point in time) must not die with its request. */
export function outsideScope<T>(fn: () => T): T {
  return scopes.exit(fn);
}
