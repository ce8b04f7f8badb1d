import { errors } from '@opensearch-project/opensearch';
import { FlowdexError, isFlowdexError } from '../errors';

/*
 * What a failed request says about the cluster, for the layers that decide to wait, retry or give
 * up: the client's error classes stay behind this seam.
 */

/** Whole-request failures worth waiting out: the node is busy, restarting or unreachable. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * A block (`index.blocks.write`, the flood-stage `read_only_allow_delete`, a cluster-wide one) is
 * lifted by an operator or by freed disk; what it refused can be written then.
 */
export function isBlock(type: string | undefined): boolean {
  return type === 'cluster_block_exception';
}

function errorBody(
  e: InstanceType<typeof errors.ResponseError>,
): { type?: string; reason?: string } | string | undefined {
  return (e.body as { error?: { type?: string; reason?: string } | string } | undefined)?.error;
}

function unreachable(e: unknown): e is Error {
  return e instanceof errors.ConnectionError || e instanceof errors.NoLivingConnectionsError;
}

/** A failure that waiting out may cure: unreachable, no answer in time, busy, restarting, blocked. */
export function isTransient(e: unknown): boolean {
  if (unreachable(e) || e instanceof errors.TimeoutError) return true;
  if (e instanceof errors.ResponseError) {
    const err = errorBody(e);
    return RETRYABLE_STATUS.has(e.statusCode ?? 0) || isBlock(typeof err === 'object' ? err.type : undefined);
  }
  // Raised where a request went through but its documents were pushed back, and resending is safe.
  return isFlowdexError(e) && e.code === 'OPENSEARCH_BUSY';
}

/** A retried failure in a few words for the operator: why OpenSearch did not take the request. */
export function describeFailure(e: unknown): string {
  if (unreachable(e)) return `unreachable: ${e.message}`;
  if (e instanceof errors.TimeoutError) return 'no answer in time';
  if (e instanceof errors.ResponseError) {
    const err = errorBody(e);
    const what = typeof err === 'object' ? `${err.type ?? ''}: ${err.reason ?? ''}` : (err ?? e.message);
    return `HTTP ${e.statusCode ?? '?'} ${what}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** A search on a point in time that has expired (or was closed) — the caller may reopen one. */
export function isPitGone(e: unknown): boolean {
  if (!(e instanceof errors.ResponseError)) return false;
  const text = JSON.stringify(e.body ?? '');
  return e.statusCode === 404 || /search_context_missing|No search context found|pit.*(expired|not found)/i.test(text);
}

/** A request flowdex built that OpenSearch refused as malformed (HTTP 400), as `toFlowdexError` maps it. */
export function isRefusedAsMalformed(e: unknown): boolean {
  const cause = e instanceof FlowdexError ? e.cause : e;
  return (
    e instanceof FlowdexError &&
    e.code === 'INTERNAL' &&
    cause instanceof errors.ResponseError &&
    cause.statusCode === 400
  );
}
