import { FlowdexError } from '../errors';

/**
 * Bounds on everything a user can send, in one place so every front end (the query language,
 * other query syntaxes, the web, the API, the CLI) refuses the same inputs with the same errors.
 * Each bound keeps one request's cost on both flowdex and OpenSearch small and predictable.
 */

/** Longest query text accepted anywhere (search box, API, saved queries, CLI). */
export const MAX_QUERY_LENGTH = 4096;
/** Parentheses and negations nested deeper than this are refused before recursion gets deep. */
export const MAX_NESTING = 32;
/**
 * Conditions per query, counted after either-side names expand (`ip:` is two) and list values
 * are added: well under OpenSearch's `indices.query.bool.max_clause_count` (1024 by default).
 */
export const MAX_CONDITIONS = 512;
/** Values in one `field:(a, b, …)` list. */
export const MAX_LIST_VALUES = 256;
/** Longest single value (keywords are stored up to 1024 characters). */
export const MAX_VALUE_LENGTH = 1024;
/** Longest wildcard pattern. */
export const MAX_WILDCARD_LENGTH = 128;
/**
 * `*` and `?` per pattern. Lucene turns a pattern into an automaton whose size grows with the
 * wildcards; a few hundred of them once exhausted a node's heap. Six still allow `*.example.*`
 * or `*mail*` with a couple of `?`.
 */
export const MAX_WILDCARDS = 6;

/** Earliest time accepted anywhere: flows do not predate the epoch. */
export const MIN_TIME_MS = 0;
/** Latest time accepted anywhere: the end of year 9999, the last one ISO 8601 dates spell with four digits. */
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Longest time range of one request: wider than any flow archive, and small enough that work
 * proportional to the days of a range (index lists, per-day slices of a report) stays small.
 */
export const MAX_RANGE_DAYS = 200 * 366;

/** Buckets of one time series (`--interval 1s` over a month is a mistake, not a report). */
export const MAX_SERIES_BUCKETS = 10000;

/** True when `t` is a time flowdex and OpenSearch's `date` type both handle. */
export function isTimeInBounds(t: number): boolean {
  return Number.isFinite(t) && t >= MIN_TIME_MS && t <= MAX_TIME_MS;
}

/** How many fixed-interval buckets cover `[from, to)`, computed without building them. */
export function bucketCount(from: number, to: number, intervalMs: number): number {
  if (!(to > from) || !(intervalMs > 0)) return 0;
  return Math.ceil((to - Math.floor(from / intervalMs) * intervalMs) / intervalMs);
}

/** Refuses a series with more buckets than `MAX_SERIES_BUCKETS`, before any array is built. */
export function checkBucketCount(from: number, to: number, intervalMs: number, interval: string): void {
  if (bucketCount(from, to, intervalMs) > MAX_SERIES_BUCKETS) {
    throw new FlowdexError(
      'QUERY_BAD_VALUE',
      `interval ${interval} gives more than ${MAX_SERIES_BUCKETS} buckets over this time range; use a larger one`,
      { field: 'interval' },
    );
  }
}

/**
 * `table[key]` only when the table itself has that key: lookup tables are plain objects, and a
 * key such as `constructor` or `__proto__` must not reach `Object.prototype`.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
