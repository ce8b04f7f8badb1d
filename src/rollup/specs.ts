import { fieldByName } from '../model/fields';
import { REPORTS, type GroupColumn } from '../query/reports';
import { DAY_MS, type TimeRange } from '../model/time';
import * as names from '../store/indices';

/**
 * Rollups are configuration: each spec names a bucket interval and the dimensions it keeps.
 * Dimensions and metrics are stored under their raw ECS names, so a query compiled for raw
 * flows runs unchanged against a rollup that keeps every field it touches.
 */
export interface RollupSpec {
  /** Part of the index and alias name: `<prefix>rollup-<name>`. */
  name: string;
  /** Bucket width in ms; a multiple of a second that divides a day (monthly indices, day windows). */
  intervalMs: number;
  /** Stored fields grouped by; a flow without a value is kept under a missing dimension. */
  dimensions: readonly string[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TRAFFIC = ['network.transport', 'network.protocol'];
const TALKERS = ['source.ip', 'source.address', 'destination.ip', 'destination.address'];
const SERVICES = ['destination.ip', 'destination.address', 'destination.port', 'network.transport', 'network.protocol'];

/**
 * @default traffic per minute and hour, talkers and services per 15 minutes and per day, sources
 * and destinations per day. The coarse specs exist because a fine one is barely smaller than raw
 * when groups rarely repeat within a bucket (a pair seen once per 15 minutes); a day collapses
 * those repeats, and the planner takes them for whole days, raw or a fine spec serving the edges.
 * Among specs of one interval the narrower comes first: the planner keeps the first on a tie.
 */
export const ROLLUP_SPECS: readonly RollupSpec[] = [
  { name: 'traffic-1m', intervalMs: MINUTE, dimensions: TRAFFIC },
  { name: 'traffic-1h', intervalMs: HOUR, dimensions: TRAFFIC },
  { name: 'talkers-15m', intervalMs: 15 * MINUTE, dimensions: TALKERS },
  { name: 'sources-1d', intervalMs: DAY, dimensions: ['source.ip', 'source.address'] },
  { name: 'destinations-1d', intervalMs: DAY, dimensions: ['destination.ip', 'destination.address'] },
  { name: 'talkers-1d', intervalMs: DAY, dimensions: TALKERS },
  { name: 'services-15m', intervalMs: 15 * MINUTE, dimensions: SERVICES },
  { name: 'services-1d', intervalMs: DAY, dimensions: SERVICES },
];

/** Per-bucket sums, under the raw field names so report aggregations read them as they are. */
export const SUM_FIELDS = ['network.bytes', 'network.packets', 'source.bytes', 'source.packets', 'destination.bytes', 'destination.packets'] as const;
/** Flows in the bucket: what a raw `doc_count` is. Not a raw field. */
export const COUNT_FIELD = 'flows';
/** Latest flow end in the bucket (max of `event.end`). */
export const MAX_FIELDS = ['event.end'] as const;
/** Earliest flow start in the bucket; `@timestamp` itself is the bucket start. */
export const FIRST_SEEN_FIELD = 'event.start';

/** Every field a rollup document of this spec holds, for mappings checks and Dashboards. */
export function storedFields(spec: RollupSpec): string[] {
  return ['@timestamp', COUNT_FIELD, ...SUM_FIELDS, ...MAX_FIELDS, FIRST_SEEN_FIELD, ...spec.dimensions];
}

/**
 * A top-N report's group stored whole in one keyword (`groupKey` of its column values): one
 * `terms` aggregation over a single-shard rollup index then ranks every group exactly in one
 * pass, where raw flows need composite pages over every dimension (see rollup/top).
 */
export interface GroupKeyDef {
  field: string;
  groupBy: readonly GroupColumn[];
}

export const KEY_OBJECT = 'key';

export function groupKeyField(groupBy: readonly GroupColumn[]): string {
  return `${KEY_OBJECT}.${groupBy.map((g) => g.column).join('_')}`;
}

const keysBySpec = new WeakMap<RollupSpec, GroupKeyDef[]>();

/** The group keys a spec stores: those of every top-N report whose group fields it keeps. */
export function groupKeysOf(spec: RollupSpec): GroupKeyDef[] {
  const known = keysBySpec.get(spec);
  if (known) return known;
  const out = new Map<string, GroupKeyDef>();
  for (const def of Object.values(REPORTS)) {
    if (def.kind !== 'top' || !def.groupBy.every((g) => g.fields.every((f) => spec.dimensions.includes(f)))) continue;
    out.set(groupKeyField(def.groupBy), { field: groupKeyField(def.groupBy), groupBy: def.groupBy });
  }
  const keys = [...out.values()];
  keysBySpec.set(spec, keys);
  return keys;
}

export function specByName(name: string, specs: readonly RollupSpec[] = ROLLUP_SPECS): RollupSpec | undefined {
  return specs.find((s) => s.name === name);
}

// The spec-typed face of the names in store/indices.

/** The alias every monthly index of a spec belongs to. */
export function rollupAlias(prefix: string, spec: RollupSpec): string {
  return names.rollupAlias(prefix, spec.name);
}

/** `<prefix>rollup-<spec>-YYYY.MM` of the UTC month of a bucket start. */
export function rollupIndexFor(prefix: string, spec: RollupSpec, bucketMs: number): string {
  return names.rollupIndexFor(prefix, spec.name, bucketMs);
}

/** Monthly rollup indices that can hold buckets of `[from, to)`, oldest first. */
export function rollupIndicesFor(prefix: string, spec: RollupSpec, from: number, to: number): string[] {
  return names.rollupIndicesFor(prefix, spec.name, from, to);
}

/** The UTC month a monthly rollup index holds, or undefined for other names. */
export function monthOfRollupIndex(prefix: string, name: string, specs: readonly RollupSpec[] = ROLLUP_SPECS): TimeRange | undefined {
  return names.monthOfRollupIndex(prefix, name, specs.map((s) => s.name));
}

/** The first millisecond after the month a monthly rollup index holds, or undefined for other names. */
export function monthEndOfRollupIndex(prefix: string, name: string, specs: readonly RollupSpec[] = ROLLUP_SPECS): number | undefined {
  return monthOfRollupIndex(prefix, name, specs)?.to;
}

/** Specs whose fields are all in the catalogue and whose interval divides a day; for tests and setup checks. */
export function invalidSpecs(specs: readonly RollupSpec[] = ROLLUP_SPECS): string[] {
  return specs
    .filter((s) => s.intervalMs < 1000 || DAY_MS % s.intervalMs !== 0 || s.dimensions.some((d) => fieldByName(d) === undefined))
    .map((s) => s.name);
}
