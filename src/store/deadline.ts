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
