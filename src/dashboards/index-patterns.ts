import { FIELDS, fieldByName, type FieldDef, type FieldType } from '../model/fields';

const SUMS = [
  '@timestamp',
  'flows',
  'network.bytes',
  'network.packets',
  'source.bytes',
  'source.packets',
  'destination.bytes',
  'destination.packets',
  'flow.sampled.packets',
  'flow.sampled.variance.packets',
  'flow.sampled.variance.bytes',
  'event.end',
] as const;
const TRAFFIC = [...SUMS, 'network.transport', 'network.protocol'] as const;
const TALKERS = [...SUMS, 'source.ip', 'source.address', 'destination.ip', 'destination.address'] as const;
const SERVICES = [...SUMS, 'destination.port', 'network.transport', 'network.protocol'] as const;
const WEB = [...SUMS, 'destination.ip', 'destination.address', 'destination.port'] as const;

/**
 * The rollup aliases the dashboards read and the fields each keeps. This is the one place to
 * align with the rollup specs: names are the alias without the index prefix.
 */
export const ROLLUP_SOURCES = {
  traffic: { alias: 'rollup-traffic-1m', fields: TRAFFIC },
  traffic_hourly: { alias: 'rollup-traffic-1h', fields: TRAFFIC },
  sources_daily: { alias: 'rollup-sources-1d', fields: [...SUMS, 'source.ip', 'source.address'] },
  destinations_daily: { alias: 'rollup-destinations-1d', fields: [...SUMS, 'destination.ip', 'destination.address'] },
  web: { alias: 'rollup-web-1d', fields: WEB },
  services: { alias: 'rollup-services-1d', fields: SERVICES },
  talkers: { alias: 'rollup-talkers-1d', fields: TALKERS },
} as const satisfies Record<string, { alias: string; fields: readonly string[] }>;

export type RollupKey = keyof typeof ROLLUP_SOURCES;

/** Where a panel reads from: the raw flows or one rollup. */
export type DataSource = 'flows' | RollupKey;

export const DATA_SOURCES: readonly DataSource[] = ['flows', ...(Object.keys(ROLLUP_SOURCES) as RollupKey[])];

/** The per-bucket flow count a rollup stores; not a raw-flow field, so not in the catalogue. */
const ROLLUP_COUNT_FIELD: FieldDef = { name: 'flows', type: 'long', aliases: [], description: 'flows in the bucket' };

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
  return source === 'flows' ? `${prefix}flows*` : `${prefix}${ROLLUP_SOURCES[source].alias}`;
}

/** The fields list of a source's index pattern, derived from the field catalogue. */
export function patternFields(source: DataSource): IndexPatternField[] {
  const defs = source === 'flows' ? FIELDS : ROLLUP_SOURCES[source].fields.map(rollupFieldDef);
  return [...META_FIELDS, ...defs.map(patternField)];
}
