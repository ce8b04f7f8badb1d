import { isIP } from 'node:net';
import { fieldByName } from '../model/fields';
import type { QueryDsl, Scalar } from '../query/dsl';
import { mergeGroups, rankGroups, type GroupColumn, type Metric, type ReportRow } from '../query/reports';

/**
 * Exact top-N from ranked partial lists (one per single-shard rollup index, see run.ts) and
 * complete group sums (raw edges), in the manner of distributed top-k algorithms (Fagin's
 * threshold algorithm, TPUT): a list that stops early bounds every group it left out by its last
 * value, so groups seen nowhere can be ruled out, and groups seen in only some lists are looked
 * up exactly in the others. Pure: each step says what to fetch next.
 */

/** One source's top groups by the metric, keyed by `groupKey`, with their sums in that source. */
export interface RankedList {
  rows: Map<string, ReportRow>;
  /** Every group of the source is in `rows`: the request left nothing out. */
  complete: boolean;
  /** No group absent from `rows` has more of the metric in this source. */
  bound: number;
}

export type TopStep =
  /** The exact answer. */
  | { rows: ReportRow[] }
  /** Look these groups up in these lists (absent means zero there), then step again. */
  | { lookups: { list: number; keys: string[] }[] }
  /** The lists are too short to decide; fetch longer ones. */
  | { longer: true };

/** Lookups past this many groups cost more than longer lists. */
export const MAX_LOOKUPS = 10_000;

function metricOf(row: ReportRow | undefined, metric: Metric): number {
  return Number(row?.[metric] ?? 0);
}

/**
 * One step towards the exact top `top` by `metric`. `exact` holds complete sums of sources that
 * were read whole. Ties are ranked as `rankGroups` ranks them, so the answer equals raw's.
 */
export function topStep(
  exact: ReadonlyMap<string, ReportRow>,
  lists: readonly RankedList[],
  metric: Metric,
  top: number,
  columns: readonly string[],
): TopStep {
  const open = lists.map((l, i) => ({ l, i })).filter((x) => !x.l.complete);
  const unseen = open.reduce((sum, x) => sum + x.l.bound, 0);
  const keys = new Set([...exact.keys(), ...lists.flatMap((l) => [...l.rows.keys()])]);
  const bounds = [...keys].map((key) => {
    const lower =
      metricOf(exact.get(key), metric) + lists.reduce((sum, l) => sum + metricOf(l.rows.get(key), metric), 0);
    const upper = lower + open.reduce((sum, x) => sum + (x.l.rows.has(key) ? 0 : x.l.bound), 0);
    return { key, lower, upper };
  });
  // The top-th largest lower bound: no group whose upper bound is below it can make the top.
  const threshold =
    bounds.length < top ? -Infinity : ([...bounds].sort((a, b) => b.lower - a.lower)[top - 1]?.lower ?? -Infinity);
  const contenders = bounds.filter((b) => b.upper >= threshold).map((b) => b.key);
  const lookups = open
    .map((x) => ({ list: x.i, keys: contenders.filter((k) => !x.l.rows.has(k)) }))
    .filter((x) => x.keys.length > 0);
  if (lookups.length > 0)
    return lookups.reduce((n, x) => n + x.keys.length, 0) > MAX_LOOKUPS ? { longer: true } : { lookups };

  const merged = new Map<string, ReportRow>();
  const parts = [exact, ...lists.map((l) => l.rows)];
  for (const key of contenders)
    mergeGroups(
      parts.flatMap((p) => (p.has(key) ? [p.get(key) as ReportRow] : [])),
      columns,
      merged,
    );
  const rows = rankGroups(merged, metric, top, columns);
  if (open.length === 0) return { rows };
  // A group seen nowhere has at most `unseen`; it could tie with the last row and win on its key.
  const last = rows[top - 1];
  return last !== undefined && unseen < metricOf(last, metric) ? { rows } : { longer: true };
}

/** Records looked-up groups in a list: their sums, or zero rows for groups the source lacks. */
export function addLookups(
  list: RankedList,
  keys: readonly string[],
  found: ReadonlyMap<string, ReportRow>,
  columns: readonly string[],
): void {
  for (const key of keys)
    list.rows.set(key, found.get(key) ?? { ...columnsOf(key, columns), flows: 0, bytes: 0, packets: 0 });
}

/** The column values a `groupKey` holds, by column name. */
export function columnsOf(key: string, columns: readonly string[]): ReportRow {
  const values = JSON.parse(key) as (string | number | null)[];
  return Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null]));
}

/** Whether a group key's value can be one of a field's stored values. */
function fits(field: string, v: Scalar): boolean {
  const type = fieldByName(field)?.type;
  if (type === 'ip') return typeof v === 'string' && isIP(v) !== 0;
  if (type === 'keyword') return typeof v === 'string';
  return typeof v === 'number';
}

/**
 * A filter that keeps at least the documents of these groups: each column's values, in any of
 * the column's fields. Summing named groups then reads their documents instead of every
 * document of the range (a `terms` including 268 pairs over 1.6 M rollup documents at 10 M flows:
 * 13-15 ms alone, 6-8 ms after the filter); the `include` still picks the groups exactly.
 * Undefined when no column narrows (each holds a group without a value). Pure.
 */
export function groupsFilter(groupBy: readonly GroupColumn[], keys: readonly string[]): QueryDsl | undefined {
  const rows = keys.map((k) => JSON.parse(k) as (Scalar | null)[]);
  const columns = groupBy.flatMap((g, i): QueryDsl[] => {
    const values = [...new Set(rows.map((r) => r[i] ?? null))];
    if (values.includes(null)) return [];
    const should = g.fields.flatMap((f) => {
      const fit = (values as Scalar[]).filter((v) => fits(f, v));
      return fit.length > 0 ? [{ terms: { [f]: fit } }] : [];
    });
    return [should.length === 1 ? (should[0] as QueryDsl) : { bool: { should, minimum_should_match: 1 } }];
  });
  return columns.length > 0 ? { bool: { filter: columns } } : undefined;
}
