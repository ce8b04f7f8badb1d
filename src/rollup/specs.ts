import { isIP } from 'node:net';
import { fieldByName } from '../model/fields';
import { REPORTS, type GroupColumn } from '../query/reports';
import type { QueryDsl } from '../query/dsl';
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
  /**
   * Only flows whose field holds one of these values. The planner takes such a spec only for a
   * report whose own filter is exactly this one (web-servers), so totals stay exact.
   */
  filter?: SpecFilter;
}

export interface SpecFilter {
  field: string;
  values: readonly (string | number)[];
}

/** The spec's filter as query DSL (the builder's and the planner's form of it). */
export function specFilterDsl(spec: RollupSpec): QueryDsl | undefined {
  return spec.filter && { terms: { [spec.filter.field]: [...spec.filter.values] } };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TRAFFIC = ['network.transport', 'network.protocol'];
const TALKERS = ['source.ip', 'source.address', 'destination.ip', 'destination.address'];
const DESTINATIONS = ['destination.ip', 'destination.address'];
const SERVERS = ['server.ip', 'server.address'];
const COUNTRIES = ['source.geo.country_iso_code', 'destination.geo.country_iso_code'];
// Exporter input interfaces and the direction of the operator's networks: a few groups an hour.
const INTERFACES = [
  'observer.ip',
  'observer.ingress.interface.id',
  'observer.ingress.interface.name',
  'network.direction',
];
const ASES = [
  'source.as.number',
  'source.as.organization.name',
  'destination.as.number',
  'destination.as.organization.name',
];

/**
 * @default traffic per minute and hour; sources, destinations, pairs, services (port, transport,
 * app) and web servers per day; countries and ASes (both sides), and exporter input interfaces
 * with the direction, per hour. Each earns its keep by its size against the speedup it buys
 * (README, Rollups): sub-day specs of pairs and of services per destination host were about as
 * large as the raw flows (a pair or a host's ephemeral port rarely repeats within 15 minutes), so
 * the day specs serve whole days and raw flows the edges. Services and web servers are counted
 * by the server side decided at ingest (`server.*`, model/server), so a reply flow counts for
 * the service it answers instead of a client's ephemeral port; the per-host view the
 * web-servers report needs is kept only for its two ports. Among specs of one interval the narrower comes first: the planner
 * keeps the first on a tie.
 */
export const ROLLUP_SPECS: readonly RollupSpec[] = [
  { name: 'traffic-1m', intervalMs: MINUTE, dimensions: TRAFFIC },
  { name: 'traffic-1h', intervalMs: HOUR, dimensions: TRAFFIC },
  { name: 'sources-1d', intervalMs: DAY, dimensions: ['source.ip', 'source.address'] },
  { name: 'destinations-1d', intervalMs: DAY, dimensions: DESTINATIONS },
  {
    name: 'web-1d',
    intervalMs: DAY,
    dimensions: [...SERVERS, 'server.port'],
    filter: { field: 'server.port', values: [80, 443] },
  },
  { name: 'services-1d', intervalMs: DAY, dimensions: ['server.port', 'network.transport', 'network.protocol'] },
  { name: 'talkers-1d', intervalMs: DAY, dimensions: TALKERS },
  // Enriched dimensions (flows without a country or AS keep one group of their own): a country or
  // AS repeats all day, so hourly buckets stay small and serve the reports to the hour.
  { name: 'countries-1h', intervalMs: HOUR, dimensions: COUNTRIES },
  { name: 'ases-1h', intervalMs: HOUR, dimensions: ASES },
  { name: 'interfaces-1h', intervalMs: HOUR, dimensions: INTERFACES },
];

/** Per-bucket sums, under the raw field names so report aggregations read them as they are. */
export const SUM_FIELDS = [
  'network.bytes',
  'network.packets',
  'source.bytes',
  'source.packets',
  'destination.bytes',
  'destination.packets',
  // What sampled flows' error bounds need (query/sampling): sampled packets and variance terms.
  'flow.sampled.packets',
  'flow.sampled.variance.packets',
  'flow.sampled.variance.bytes',
] as const;
/** Flows in the bucket: what a raw `doc_count` is. Not a raw field. */
export const COUNT_FIELD = 'flows';
/**
 * Set on a document that is not its group's only one in the bucket (a later write's partial, a
 * merge under an id of its own). Not a raw field. A bucket without any holds one document per
 * group, which is what lets a report rank documents instead of groups (report/planned).
 */
export const PARTIAL_FIELD = 'partial';
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
 * pass, where raw flows need composite pages over every dimension (see report/top).
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

/**
 * The group keys a spec stores: those of every top-N report whose fields it keeps, unless a
 * narrower unfiltered spec of the same interval keeps them too (the planner takes that one, so
 * the key would only cost space: talkers-1d leaves sources and destinations to their own specs).
 */
export function groupKeysOf(spec: RollupSpec, specs: readonly RollupSpec[] = ROLLUP_SPECS): GroupKeyDef[] {
  const known = keysBySpec.get(spec);
  if (known) return known;
  const keeps = (s: RollupSpec, fields: readonly string[]) => fields.every((f) => s.dimensions.includes(f));
  const out = new Map<string, GroupKeyDef>();
  for (const def of Object.values(REPORTS)) {
    const fields = [...def.groupBy.flatMap((g) => g.fields), ...(def.filter ? dslFieldsOf(def.filter) : [])];
    if (def.kind !== 'top' || !keeps(spec, fields)) continue;
    if (spec.filter && JSON.stringify(specFilterDsl(spec)) !== JSON.stringify(def.filter)) continue;
    const narrower = specs.some(
      (s) =>
        s !== spec &&
        !s.filter &&
        s.intervalMs === spec.intervalMs &&
        s.dimensions.length < spec.dimensions.length &&
        keeps(s, fields),
    );
    if (!narrower) out.set(groupKeyField(def.groupBy), { field: groupKeyField(def.groupBy), groupBy: def.groupBy });
  }
  const keys = [...out.values()];
  keysBySpec.set(spec, keys);
  return keys;
}

/**
 * The group key whose documents a report may rank instead of its groups (report/planned): the
 * spec keeps the key's fields and no other, so a group's documents in a bucket differ only in
 * which of a column's fields hold its value, and docOf marks every one but the document whose
 * fields follow from the key alone (`keyFollows`). Undefined for specs with more dimensions.
 */
export function rankedKey(spec: RollupSpec, specs: readonly RollupSpec[] = ROLLUP_SPECS): GroupKeyDef | undefined {
  const dims = new Set(spec.dimensions);
  return groupKeysOf(spec, specs).find((k) => {
    const fields = k.groupBy.flatMap((g) => g.fields);
    return fields.length === dims.size && fields.every((f) => dims.has(f));
  });
}

/**
 * Whether a document's values of one column's fields follow from the column's value: none is
 * set, or only the first, or only a device name beside an address field (a name that is no IP
 * address can never be a value of the address field).
 */
export function keyFollows(fields: readonly string[], values: readonly (string | number | null)[]): boolean {
  const set = values.flatMap((v, i) => (v !== null ? [i] : []));
  if (set.length === 0) return true;
  if (set.length > 1) return false;
  const at = set[0] as number;
  if (at === 0) return true;
  const value = values[at];
  return (
    fieldByName(fields[0] as string)?.type === 'ip' &&
    fieldByName(fields[at] as string)?.type === 'keyword' &&
    typeof value === 'string' &&
    isIP(value) === 0
  );
}

/** Fields a report's own filter tests (terms and term only: what report definitions use). */
function dslFieldsOf(q: QueryDsl): string[] {
  if ('terms' in q) return Object.keys(q.terms);
  if ('term' in q) return Object.keys(q.term);
  return [];
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
export function monthOfRollupIndex(
  prefix: string,
  name: string,
  specs: readonly RollupSpec[] = ROLLUP_SPECS,
): TimeRange | undefined {
  return names.monthOfRollupIndex(
    prefix,
    name,
    specs.map((s) => s.name),
  );
}

/** The first millisecond after the month a monthly rollup index holds, or undefined for other names. */
export function monthEndOfRollupIndex(
  prefix: string,
  name: string,
  specs: readonly RollupSpec[] = ROLLUP_SPECS,
): number | undefined {
  return monthOfRollupIndex(prefix, name, specs)?.to;
}

/** Specs whose fields are all in the catalogue and whose interval divides a day; for tests and setup checks. */
export function invalidSpecs(specs: readonly RollupSpec[] = ROLLUP_SPECS): string[] {
  return specs
    .filter(
      (s) =>
        s.intervalMs < 1000 || DAY_MS % s.intervalMs !== 0 || s.dimensions.some((d) => fieldByName(d) === undefined),
    )
    .map((s) => s.name);
}
