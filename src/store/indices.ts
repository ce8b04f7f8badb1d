import { DAY_MS, type TimeRange } from '../model/time';

/**
 * Every index, alias and state-document name flowdex uses, and the inverse of each name that is
 * parsed back. The only place that builds or parses a name; pure, and tested pairwise.
 *
 * - raw flows: `<prefix>flows-YYYY.MM.DD` (UTC day of `@timestamp`), alias `<prefix>flows`
 * - rollups: `<prefix>rollup-<spec>-YYYY.MM` (UTC month of the bucket), alias `<prefix>rollup-<spec>`
 * - fixed: `<prefix>state`, `<prefix>saved-queries`, `<prefix>monitors`, `<prefix>alerts`
 * - state documents: `<kind>:<key>` in `<prefix>state`
 */

/** Beyond this many daily indices a request names the wildcard instead (URL length, cluster limits). */
export const MAX_NAMED_INDICES = 400;

const FLOWS = 'flows';
const ROLLUP = 'rollup';
const DAY_NAME = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const MONTH_NAME = /^(\d{4})\.(\d{2})$/;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY.MM.DD` of the UTC day of `ms`, as it appears in index names and dirty-bucket keys. */
export function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

/** UTC midnight at or before `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The alias over every raw daily index. */
export function flowsAlias(prefix: string): string {
  return `${prefix}${FLOWS}`;
}

/** The start every raw daily index name shares (`<prefix>flows-`). */
export function flowIndexHead(prefix: string): string {
  return `${flowsAlias(prefix)}-`;
}

/** The pattern of Dashboards' raw index pattern: the alias and every daily index behind it. */
export function flowsPattern(prefix: string): string {
  return `${flowsAlias(prefix)}*`;
}

/** The pattern matching every raw daily index. */
export function allFlowIndices(prefix: string): string {
  return `${flowIndexHead(prefix)}*`;
}

/** The raw daily index a flow starting at `timeMs` lands in: `<prefix>flows-YYYY.MM.DD` (UTC). */
export function indexFor(prefix: string, timeMs: number): string {
  return `${flowIndexHead(prefix)}${dayOf(timeMs)}`;
}

/** Start (epoch ms, UTC midnight) of the day a daily flow index holds, or undefined for other names. */
export function dayOfIndex(prefix: string, name: string): number | undefined {
  const head = flowIndexHead(prefix);
  if (!name.startsWith(head)) return undefined;
  const m = DAY_NAME.exec(name.slice(head.length));
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Rejects impossible dates such as 2024.02.31, which Date.UTC silently rolls over.
  return indexFor(prefix, ms) === name ? ms : undefined;
}

/**
 * True for exactly `<prefix>flows-YYYY.MM.DD` with a real calendar day: the only index names a
 * client may hand back (flow detail), so no client text ever becomes an index pattern or list.
 */
export function isDailyIndex(prefix: string, name: string): boolean {
  return dayOfIndex(prefix, name) !== undefined;
}

/** UTC day starts of the raw daily indices among `names`: the only days that can hold flows. */
export function daysWithIndices(prefix: string, names: readonly string[]): Set<number> {
  const days = new Set<number>();
  for (const n of names) {
    const day = dayOfIndex(prefix, n);
    if (day !== undefined) days.add(day);
  }
  return days;
}

/**
 * The daily indices that can hold flows of `[from, to)`, oldest first. More than `maxDays` of them
 * collapse to `<prefix>flows-*`; the range filter in the query still bounds the answer.
 * Callers search with `ignore_unavailable` since days without flows have no index.
 */
export function indicesFor(prefix: string, range: TimeRange, maxDays = MAX_NAMED_INDICES): string[] {
  if (range.to <= range.from) return [];
  const first = Math.floor(range.from / DAY_MS);
  const last = Math.floor((range.to - 1) / DAY_MS);
  if (last - first + 1 > maxDays) return [allFlowIndices(prefix)];
  const out: string[] = [];
  for (let day = first; day <= last; day++) out.push(indexFor(prefix, day * DAY_MS));
  return out;
}

/** The alias every monthly index of a rollup spec belongs to. */
export function rollupAlias(prefix: string, spec: string): string {
  return `${prefix}${ROLLUP}-${spec}`;
}

/** The pattern matching every rollup index of every spec. */
export function allRollupIndices(prefix: string): string {
  return `${prefix}${ROLLUP}-*`;
}

/** True for `<prefix>rollup-<spec>-YYYY.MM` of any spec. */
export function isRollupIndex(prefix: string, name: string): boolean {
  const head = `${prefix}${ROLLUP}-`;
  if (!name.startsWith(head)) return false;
  const rest = name.slice(head.length);
  const dash = rest.lastIndexOf('-');
  return dash > 0 && MONTH_NAME.test(rest.slice(dash + 1));
}

/** `<prefix>rollup-<spec>-YYYY.MM` of the UTC month of a bucket start. */
export function rollupIndexFor(prefix: string, spec: string, bucketMs: number): string {
  const d = new Date(bucketMs);
  return `${rollupAlias(prefix, spec)}-${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}`;
}

/** Monthly rollup indices that can hold buckets of `[from, to)`, oldest first. */
export function rollupIndicesFor(prefix: string, spec: string, from: number, to: number): string[] {
  const out: string[] = [];
  if (to <= from) return out;
  const last = new Date(to - 1);
  for (
    let d = new Date(Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), 1));
    d <= last;
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))
  ) {
    out.push(rollupIndexFor(prefix, spec, d.getTime()));
  }
  return out;
}

/** The UTC month a monthly rollup index of one of `specs` holds, or undefined for other names. */
export function monthOfRollupIndex(prefix: string, name: string, specs: readonly string[]): TimeRange | undefined {
  for (const spec of specs) {
    const head = `${rollupAlias(prefix, spec)}-`;
    const m = MONTH_NAME.exec(name.slice(head.length));
    if (!name.startsWith(head) || !m) continue;
    const month = Number(m[2]);
    if (month < 1 || month > 12) return undefined;
    return { from: Date.UTC(Number(m[1]), month - 1, 1), to: Date.UTC(Number(m[1]), month, 1) };
  }
  return undefined;
}

/**
 * Whether a daily flow index or a monthly rollup index (of one of `specs`) holds the UTC day of
 * `t`, any instant of it (a range cut into days starts its first day where the range does).
 */
export function indexHoldsDay(prefix: string, name: string, t: number, specs: readonly string[]): boolean {
  const day = dayOfIndex(prefix, name);
  if (day !== undefined) return day === startOfDay(t);
  const month = monthOfRollupIndex(prefix, name, specs);
  return month !== undefined && month.from <= t && t < month.to;
}

/** Bookkeeping: rollup watermarks, dirty buckets, follow checkpoints, collector and alert state. */
export function stateIndex(prefix: string): string {
  return `${prefix}state`;
}

export function savedQueriesIndex(prefix: string): string {
  return `${prefix}saved-queries`;
}

export function monitorsIndex(prefix: string): string {
  return `${prefix}monitors`;
}

export function alertsIndex(prefix: string): string {
  return `${prefix}alerts`;
}

/** An index template's name: the prefix and its file's stem under `mappings/` (`flowdex-rollup`). */
export function templateName(prefix: string, stem: string): string {
  return `${prefix}${stem}`;
}

/** Every index of one flowdex installation. */
export function allIndices(prefix: string): string {
  return `${prefix}*`;
}

/** Indices that must exist before anything else runs (daily flow indices are created on demand). */
export function fixedIndices(prefix: string): string[] {
  return [savedQueriesIndex(prefix), stateIndex(prefix), monitorsIndex(prefix), alertsIndex(prefix)];
}

/**
 * The kinds of document in `<prefix>state`: rollup watermarks (key: spec), dirty buckets (key:
 * `YYYY.MM.DD`), follow checkpoints (key: `<dir>:<file name>`), the collector's templates (key:
 * scope) and stats (key: collector name), each monitor's evaluation cursor (key: monitor slug), and
 * the daily indices a run turned refresh off on (key: `run:<run id>`, or `restored` for the last
 * repair of a run that ended without turning it back on).
 */
export type StateKind =
  'rollup' | 'dirty' | 'follow' | 'collector-templates' | 'collector' | 'alert-cursor' | 'refresh';

/** `<kind>:<key>`, the id of a state document. */
export function stateDocId(kind: StateKind, key: string): string {
  return `${kind}:${key}`;
}

const STATE_KINDS: readonly StateKind[] = [
  'rollup',
  'dirty',
  'follow',
  'collector-templates',
  'collector',
  'alert-cursor',
  'refresh',
];

/** Kind and key of a state document id, or undefined for an id of no known kind. */
export function parseStateDocId(id: string): { kind: StateKind; key: string } | undefined {
  const at = id.indexOf(':');
  const kind = STATE_KINDS.find((k) => k === id.slice(0, at));
  return at > 0 && kind !== undefined ? { kind, key: id.slice(at + 1) } : undefined;
}
