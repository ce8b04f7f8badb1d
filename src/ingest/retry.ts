import { isTransient } from '../store/failures';
import { backoffDelay, type BackoffOptions } from '../store/backoff';

/**
 * Progress lines while OpenSearch refuses writes (down, unreachable, blocked, overloaded): one when
 * the trouble starts, one every `everyMs` while it lasts, one when writes are accepted again.
 * `giveUpAfterMs` may be `Infinity` (the collector never gives up: its spool holds the data).
 */
/** The line for a wait of `waitedMs` so far; without a deadline it says it waits until the node is back. */
export function waitLine(reason: string, waitedMs: number, giveUpAfterMs: number): string {
  const waited = Math.round(waitedMs / 1000);
  const until = Number.isFinite(giveUpAfterMs)
    ? `for ${Math.max(0, Math.round((giveUpAfterMs - waitedMs) / 1000))} s more`
    : 'until it is back';
  return `OpenSearch not accepting writes (${reason}); retrying ${until} (waited ${waited} s)`;
}

export class WaitReporter {
  private since: number | undefined;
  private lastLine = 0;

  constructor(
    private readonly log: ((line: string) => void) | undefined,
    private readonly giveUpAfterMs: number,
    private readonly everyMs = 5000,
  ) {}

  failed(reason: string): void {
    const now = Date.now();
    this.since ??= now;
    if (now - this.lastLine < this.everyMs) return;
    this.lastLine = now;
    this.log?.(waitLine(reason, now - this.since, this.giveUpAfterMs));
  }

  /** A write went through; ends the wait if there was one. */
  succeeded(): void {
    if (this.since === undefined) return;
    this.log?.(`OpenSearch accepting writes again after ${Math.round((Date.now() - this.since) / 1000)} s`);
    this.since = undefined;
    this.lastLine = 0;
  }
}

export { backoffDelay, type BackoffOptions };

export interface RetryOptions extends BackoffOptions {
  /** Stop retrying once this long has passed since the first failure; `Infinity` never stops. */
  giveUpAfterMs: number;
  /** Told each failure that will be retried (for a log line). */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
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
