import { FIELDS, fieldByName, type FieldDef, type FieldType } from '../model/fields';
import { COUNT_FIELD, FIRST_SEEN_FIELD, ROLLUP_SPECS, storedFields } from '../rollup/specs';
import { flowsPattern, rollupAlias } from '../store/indices';

/** A rollup the dashboards read: its spec, its alias without the index prefix, and the fields it keeps. */
export interface RollupSource {
  spec: string;
  alias: string;
  fields: readonly string[];
}

/**
 * Derived from the rollup spec; the first-seen time stays out, as Dashboards charts by bucket time.
 * A name of no spec is a programming error, met when the module loads.
 */
function rollupSource(name: string): RollupSource {
  const spec = ROLLUP_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no rollup spec ${name} for Dashboards`);
  return { spec: name, alias: rollupAlias('', name), fields: storedFields(spec).filter((f) => f !== FIRST_SEEN_FIELD) };
}

/** The rollups the dashboards read, under the names their panels use. */
export const ROLLUP_SOURCES = {
  traffic: rollupSource('traffic-1m'),
  traffic_hourly: rollupSource('traffic-1h'),
  sources_daily: rollupSource('sources-1d'),
  destinations_daily: rollupSource('destinations-1d'),
  web: rollupSource('web-1d'),
  services: rollupSource('services-1d'),
  talkers: rollupSource('talkers-1d'),
  countries: rollupSource('countries-1h'),
  ases: rollupSource('ases-1h'),
  interfaces: rollupSource('interfaces-1h'),
} as const satisfies Record<string, RollupSource>;

export type RollupKey = keyof typeof ROLLUP_SOURCES;

/** Where a panel reads from: the raw flows or one rollup. */
export type DataSource = 'flows' | RollupKey;

export const DATA_SOURCES: readonly DataSource[] = ['flows', ...(Object.keys(ROLLUP_SOURCES) as RollupKey[])];

/** The per-bucket flow count a rollup stores; not a raw-flow field, so not in the catalogue. */
const ROLLUP_COUNT_FIELD: FieldDef = {
  name: COUNT_FIELD,
  type: 'long',
  aliases: [],
  description: 'flows in the bucket',
};

/** One entry of an index pattern's `fields` list, as Dashboards stores it. */
export interface IndexPatternField {
  name: string;
  type: string;
  esTypes?: string[];
  count: number;
  scripted: boolean;
  searchable: boolean;
  aggregatable: boolean;
  readFromDocValues: boolean;
}

const KIBANA_TYPE: Record<FieldType, string> = {
  date: 'date',
  ip: 'ip',
  keyword: 'string',
  long: 'number',
  integer: 'number',
  short: 'number',
  float: 'number',
  double: 'number',
  geo_point: 'geo_point',
};

// Dashboards lists the metadata fields too; without them Discover shows no _id column.
const META_FIELDS: readonly IndexPatternField[] = [
  {
    name: '_id',
    type: 'string',
    esTypes: ['_id'],
    count: 0,
    scripted: false,
    searchable: true,
    aggregatable: true,
    readFromDocValues: false,
  },
  {
    name: '_index',
    type: 'string',
    esTypes: ['_index'],
    count: 0,
    scripted: false,
    searchable: true,
    aggregatable: true,
    readFromDocValues: false,
  },
  {
    name: '_score',
    type: 'number',
    count: 0,
    scripted: false,
    searchable: false,
    aggregatable: false,
    readFromDocValues: false,
  },
  {
    name: '_source',
    type: '_source',
    esTypes: ['_source'],
    count: 0,
    scripted: false,
    searchable: false,
    aggregatable: false,
    readFromDocValues: false,
  },
];

function patternField(f: FieldDef): IndexPatternField {
  // Fields kept only in _source (indexed: false) can be neither searched nor aggregated.
  const indexed = f.indexed !== false;
  return {
    name: f.name,
    type: KIBANA_TYPE[f.type],
    esTypes: [f.type],
    count: 0,
    scripted: false,
    searchable: indexed,
    aggregatable: indexed,
    readFromDocValues: indexed,
  };
}

function rollupFieldDef(name: string): FieldDef {
  if (name === ROLLUP_COUNT_FIELD.name) return ROLLUP_COUNT_FIELD;
  const def = fieldByName(name);
  // A rollup field missing from the catalogue is a programming error caught by the unit tests.
  if (!def) throw new Error(`rollup field ${name} is not in the field catalogue`);
  return def;
}

/** The index pattern's title: what Dashboards searches (a wildcard or an alias). */
export function patternTitle(prefix: string, source: DataSource): string {
  return source === 'flows' ? flowsPattern(prefix) : rollupAlias(prefix, ROLLUP_SOURCES[source].spec);
}

/** The fields list of a source's index pattern, derived from the field catalogue. */
export function patternFields(source: DataSource): IndexPatternField[] {
  const defs = source === 'flows' ? FIELDS : ROLLUP_SOURCES[source].fields.map(rollupFieldDef);
  return [...META_FIELDS, ...defs.map(patternField)];
}
