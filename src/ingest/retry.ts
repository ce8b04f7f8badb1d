import { errors } from '@opensearch-project/opensearch';

/** Whole-request failures worth waiting out: the node is busy, restarting or unreachable. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function isTransient(e: unknown): boolean {
  if (
    e instanceof errors.ConnectionError ||
    e instanceof errors.TimeoutError ||
    e instanceof errors.NoLivingConnectionsError
  )
    return true;
  if (e instanceof errors.ResponseError) return RETRYABLE_STATUS.has(e.statusCode ?? 0);
  return false;
}

export interface BackoffOptions {
  /** First delay. @default 100 */
  baseMs?: number;
  /** Longest single delay. @default 10000 */
  maxMs?: number;
  /** Random source in [0, 1), replaceable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): exponential with "full jitter", so clients
 * that failed together do not come back together.
 */
export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? 100;
  const max = o.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round((o.random ?? Math.random)() * ceiling);
}

export interface RetryOptions extends BackoffOptions {
  /** Stop retrying once this long has passed since the first failure. */
  giveUpAfterMs: number;
  /** Told each failure that will be retried (for a log line). */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Runs `fn`, retrying transient failures with backoff until it succeeds or time runs out. */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  let firstFailure: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      firstFailure ??= Date.now();
      if (!isTransient(e) || Date.now() - firstFailure >= o.giveUpAfterMs || o.signal?.aborted) throw e;
      const delay = backoffDelay(attempt, o);
      o.onRetry?.(e, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}
