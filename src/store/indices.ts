import { indexFor } from '../query/indices';

/**
 * The inverse of `indexFor` (query/indices): the day a daily flow index holds. Together they
 * are the pair of pure naming functions, tested against each other.
 */

const DAY_MS = 86_400_000;
const FLOWS = 'flows-';

/** `YYYY.MM.DD` of the UTC day of `ms`, as it appears in index names. */
export function dayOf(ms: number): string {
  return indexFor('', ms).slice(FLOWS.length);
}

/** Start (epoch ms, UTC midnight) of the day a daily flow index holds, or undefined for other names. */
export function dayOfIndex(prefix: string, name: string): number | undefined {
  const head = `${prefix}${FLOWS}`;
  if (!name.startsWith(head)) return undefined;
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(head.length));
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Rejects impossible dates such as 2024.02.31, which Date.UTC silently rolls over.
  return indexFor(prefix, ms) === name ? ms : undefined;
}

/** UTC midnight at or before `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
