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
