import { allTemplates } from '../../../src/store/templates';
import { DATA_SOURCES, ROLLUP_SOURCES } from '../../../src/dashboards/index-patterns';
import { fieldByName } from '../../../src/model/fields';
import {
  dirtyWindows,
  mergeRanges,
  narrow,
  rollupDocId,
  splitByDay,
  splitEven,
  widen,
} from '../../../src/rollup/buckets';
import {
  awayFromLiveRuns,
  nextWatermark,
  docOf,
  rangesToBuild,
  rollupDoc,
  windowsWithFlows,
} from '../../../src/rollup/builder';
import { expiredRollupIndices } from '../../../src/rollup/prune';
import { ROLLUP_FORMAT } from '../../../src/rollup/state';
import {
  groupKeysOf,
  invalidSpecs,
  KEY_OBJECT,
  monthEndOfRollupIndex,
  monthOfRollupIndex,
  PARTIAL_FIELD,
  rankedKey,
  ROLLUP_SPECS,
  rollupIndexFor,
  rollupIndicesFor,
  specByName,
  storedFields,
  SUM_FIELDS,
  type RollupSpec,
} from '../../../src/rollup/specs';
import { daysWithIndices } from '../../../src/store/indices';

const M = 60_000;
const D = 86_400_000;
const T0 = Date.UTC(2024, 2, 10);
// A finer spec than the shipped ones, as a deployment may configure: bucket math is tested on it.
const talkers: RollupSpec = {
  name: 'talkers-15m',
  intervalMs: 15 * M,
  dimensions: ['source.ip', 'source.address', 'destination.ip', 'destination.address'],
};
const traffic = specByName('traffic-1m')!;

test('widen and narrow to whole buckets', () => {
  expect(widen({ from: T0 + 7 * M, to: T0 + 16 * M }, 15 * M)).toEqual({ from: T0, to: T0 + 30 * M });
  expect(narrow({ from: T0 + 7 * M, to: T0 + 46 * M }, 15 * M)).toEqual({ from: T0 + 15 * M, to: T0 + 45 * M });
  expect(narrow({ from: T0, to: T0 + 15 * M }, 15 * M)).toEqual({ from: T0, to: T0 + 15 * M });
});

test('merge and split by day', () => {
  expect(
    mergeRanges([
      { from: 5, to: 9 },
      { from: 0, to: 5 },
      { from: 20, to: 30 },
      { from: 3, to: 3 },
    ]),
  ).toEqual([
    { from: 0, to: 9 },
    { from: 20, to: 30 },
  ]);
  expect(splitByDay([{ from: T0 - M, to: T0 + D + M }])).toEqual([
    { from: T0 - M, to: T0 },
    { from: T0, to: T0 + D },
    { from: T0 + D, to: T0 + D + M },
  ]);
});

test('dirty 15-minute buckets become whole spec windows', () => {
  expect(dirtyWindows([T0, T0 + 15 * M, T0 + 60 * M], 15 * M, M)).toEqual([
    { from: T0, to: T0 + 30 * M },
    { from: T0 + 60 * M, to: T0 + 75 * M },
  ]);
  expect(dirtyWindows([T0 + 15 * M], 15 * M, 60 * M)).toEqual([{ from: T0, to: T0 + 60 * M }]);
});

test('rollup ids are deterministic and tell buckets and groups apart', () => {
  const id = rollupDocId('talkers-15m', T0, ['10.0.0.1', null, '10.0.0.2', null]);
  expect(rollupDocId('talkers-15m', T0, ['10.0.0.1', null, '10.0.0.2', null])).toBe(id);
  expect(rollupDocId('talkers-15m', T0 + 15 * M, ['10.0.0.1', null, '10.0.0.2', null])).not.toBe(id);
  expect(rollupDocId('talkers-15m', T0, [null, '10.0.0.1', '10.0.0.2', null])).not.toBe(id);
  expect(rollupDocId('services-1d', T0, ['10.0.0.1', null, '10.0.0.2', null])).not.toBe(id);
});

test('what to build: first run, past the watermark, dirty buckets, explicit ranges', () => {
  const extent = { from: T0 + 3 * M + 5, to: T0 + D / 2 };
  expect(rangesToBuild(talkers, {}, extent, undefined, [])).toEqual([{ from: T0, to: T0 + D / 2 }]);
  const wm = { built_from: T0, built_to: T0 + 6 * 60 * M, updated: '', docs: 1, format: ROLLUP_FORMAT };
  // Past the watermark only marked buckets: every run marks its flows before sending them.
  expect(rangesToBuild(talkers, {}, extent, wm, [T0 + 15 * M])).toEqual([{ from: T0 + 15 * M, to: T0 + 30 * M }]);
  expect(rangesToBuild(talkers, {}, { from: T0, to: T0 + 6 * 60 * M }, wm, [])).toEqual([]);
  expect(rangesToBuild(traffic, { from: T0 + 90_500 }, extent, wm, [])).toEqual([{ from: T0 + M, to: T0 + D / 2 }]);
  expect(rangesToBuild(traffic, { rebuild: true }, undefined, wm, [])).toEqual([]);
  // Documents of an older layout (no format, before group keys): everything again, once.
  const { format: _, ...older } = wm;
  expect(rangesToBuild(talkers, {}, { from: T0, to: T0 + 6 * 60 * M }, older, [])).toEqual([
    { from: T0, to: T0 + 6 * 60 * M },
  ]);
  expect(rangesToBuild(talkers, { from: T0 + 30 * M }, { from: T0, to: T0 + 6 * 60 * M }, older, [])).toEqual([
    { from: T0 + 30 * M, to: T0 + 6 * 60 * M },
  ]);
});

test('windows holding a bucket of a live run are left to it', () => {
  const day = specByName('talkers-1d')!;
  const windows = [
    { from: T0, to: T0 + D },
    { from: T0 + D, to: T0 + 2 * D },
  ];
  expect(awayFromLiveRuns(day, windows, [])).toEqual(windows);
  expect(awayFromLiveRuns(day, windows, [T0 + D + 15 * M])).toEqual([windows[0]]);
  expect(awayFromLiveRuns(traffic, [{ from: T0, to: T0 + M }], [T0 + 15 * M])).toEqual([{ from: T0, to: T0 + M }]);
  expect(awayFromLiveRuns(traffic, [{ from: T0 + 15 * M, to: T0 + 16 * M }], [T0 + 15 * M])).toEqual([]);
});

test('only days with a raw index are built', () => {
  const days = daysWithIndices('p-', [
    'p-flows-2024.03.10',
    'p-flows-2024.03.12',
    'p-flows-x',
    'q-flows-2024.03.11',
    'p-rollup-traffic-1m-2024.03',
  ]);
  expect([...days]).toEqual([Date.UTC(2024, 2, 10), Date.UTC(2024, 2, 12)]);
  const windows = splitByDay([{ from: Date.UTC(2024, 2, 10, 6), to: Date.UTC(2024, 2, 13) }]);
  expect(windowsWithFlows(windows, days)).toEqual([
    { from: Date.UTC(2024, 2, 10, 6), to: Date.UTC(2024, 2, 11) },
    { from: Date.UTC(2024, 2, 12), to: Date.UTC(2024, 2, 13) },
  ]);
});

test('watermarks only grow', () => {
  const prev = { built_from: T0, built_to: T0 + D, updated: 'x', docs: 5, format: ROLLUP_FORMAT };
  expect(nextWatermark(prev, [{ from: T0 + D, to: T0 + 2 * D }], { docs: 9, flows: 20 }, T0)).toEqual({
    built_from: T0,
    built_to: T0 + 2 * D,
    updated: new Date(T0).toISOString(),
    docs: 9,
    flows: 20,
    format: ROLLUP_FORMAT,
  });
  expect(nextWatermark(prev, [{ from: T0 + M, to: T0 + 2 * M }], { docs: 5, flows: 7 }, T0)?.built_to).toBe(T0 + D);
  expect(nextWatermark(undefined, [], { docs: 0, flows: 0 }, T0)).toBeUndefined();
  // Over documents of an older layout, only a build of the whole range brings the layout forward.
  const older = { ...prev, format: ROLLUP_FORMAT - 1 };
  expect(nextWatermark(older, [{ from: T0 + M, to: T0 + 2 * D }], { docs: 9, flows: 20 }, T0)?.format).toBe(
    ROLLUP_FORMAT - 1,
  );
  const whole = splitByDay([{ from: T0, to: T0 + 2 * D }]);
  expect(nextWatermark(older, whole, { docs: 9, flows: 20 }, T0)?.format).toBe(ROLLUP_FORMAT);
});

test('monthly index names round-trip and retention keeps partial months', () => {
  expect(rollupIndexFor('p-', talkers, T0)).toBe('p-rollup-talkers-15m-2024.03');
  expect(rollupIndicesFor('p-', talkers, Date.UTC(2023, 11, 31), Date.UTC(2024, 1, 1, 0, 0, 1))).toEqual([
    'p-rollup-talkers-15m-2023.12',
    'p-rollup-talkers-15m-2024.01',
    'p-rollup-talkers-15m-2024.02',
  ]);
  expect(monthEndOfRollupIndex('p-', 'p-rollup-talkers-1d-2024.03')).toBe(Date.UTC(2024, 3, 1));
  expect(monthEndOfRollupIndex('p-', 'p-flows-2024.03.01')).toBeUndefined();
  const names = [
    'p-rollup-traffic-1m-2024.01',
    'p-rollup-traffic-1m-2024.02',
    'p-rollup-traffic-1m-2024.03',
    'p-flows-2024.01.01',
  ];
  expect(expiredRollupIndices('p-', names, 30 * D, Date.UTC(2024, 2, 31))).toEqual([
    'p-rollup-traffic-1m-2024.01',
    'p-rollup-traffic-1m-2024.02',
  ]);
  expect(expiredRollupIndices('p-', names, 31 * D, Date.UTC(2024, 2, 31))).toEqual(['p-rollup-traffic-1m-2024.01']);
});

test('specs, the rollup template and the Dashboards sources agree with the field catalogue', () => {
  expect(invalidSpecs()).toEqual([]);
  const template = allTemplates({ prefix: 'p-' }).find((t) => t.name === 'p-rollup');
  const props = JSON.stringify(template?.body.template?.mappings);
  for (const spec of ROLLUP_SPECS) {
    for (const f of storedFields(spec)) {
      const leaf = f.split('.').pop() as string;
      const type = f === 'flows' || f === 'event.start' ? undefined : fieldByName(f)?.type;
      expect(props).toContain(`"${leaf}":{"type":"${type ?? (f === 'flows' ? 'long' : 'date')}"`);
    }
    // Group keys are ranked by terms aggregations: doc-values keywords, ordinals built at refresh.
    for (const k of groupKeysOf(spec))
      expect(props).toContain(
        `"${k.field.slice(KEY_OBJECT.length + 1)}":{"type":"keyword","index":false,"eager_global_ordinals":true}`,
      );
    const source = Object.values(ROLLUP_SOURCES).find((s) => s.alias === `rollup-${spec.name}`);
    expect(source?.fields).toEqual(storedFields(spec).filter((f) => f !== 'event.start'));
  }
  expect(DATA_SOURCES).toHaveLength(ROLLUP_SPECS.length + 1);
});

test('each spec stores the group key of every top-N report whose fields it keeps, unless a narrower spec of its interval does', () => {
  const keys = (name: string) =>
    groupKeysOf(specByName(name)!)
      .map((k) => k.field)
      .sort();
  expect(keys('talkers-1d')).toEqual(['key.source_destination']);
  expect(keys('services-1d')).toEqual(['key.app', 'key.port_transport', 'key.transport']);
  // The web servers' spec keeps only the flows of its filter: it keys the report with that filter.
  expect(keys('web-1d')).toEqual(['key.server']);
  expect(keys('traffic-1m')).toEqual(['key.app', 'key.transport']);
  expect(keys('sources-1d')).toEqual(['key.source']);
  expect(keys('countries-1h')).toEqual(['key.country']);
  expect(keys('ases-1h')).toEqual(['key.as_as_organization']);
  expect(keys('interfaces-1h')).toEqual(['key.direction', 'key.exporter_interface_interface_name']);
});

test('a rollup document holds its group keys: each column its first present field, as JSON', () => {
  const talkers = specByName('talkers-1d')!;
  const { doc } = rollupDoc(talkers, {
    key: { t: T0, source_ip: null, source_address: 'Comp7', destination_ip: '10.0.0.1', destination_address: 'Comp9' },
    doc_count: 3,
    network_bytes: { value: 120 },
  });
  // Sources and destinations are keyed by their own day specs; the pairs' spec keys only pairs.
  expect(doc.key).toEqual({ source_destination: '["Comp7","10.0.0.1"]' });
  expect(doc).toMatchObject({
    flows: 3,
    network: { bytes: 120 },
    source: { address: 'Comp7' },
    destination: { ip: '10.0.0.1', address: 'Comp9' },
  });
  const services = rollupDoc(specByName('services-1d')!, {
    key: { t: T0, destination_port: null, network_transport: 'icmp', network_protocol: null },
    doc_count: 1,
  });
  expect(services.doc.key).toEqual({ port_transport: '[null,"icmp"]', transport: '["icmp"]', app: '[null]' });
});

test('documents their ranked key does not determine are marked: the group may have others in the bucket', () => {
  const talkers = specByName('talkers-1d')!;
  expect(rankedKey(talkers)?.field).toBe('key.source_destination');
  expect(rankedKey(specByName('sources-1d')!)?.field).toBe('key.source');
  // A dimension beside the key's fields: a group has a document per value of it.
  expect(rankedKey(specByName('services-1d')!)).toBeUndefined();
  expect(rankedKey(specByName('web-1d')!)).toBeUndefined();
  expect(rankedKey(specByName('traffic-1h')!)).toBeUndefined();
  const totals = { flows: 1, sums: SUM_FIELDS.map(() => 1), maxEnd: null, minStart: T0 };
  const mark = (spec: RollupSpec, dims: (string | null)[]) => docOf(spec, T0, dims, totals).doc[PARTIAL_FIELD];
  expect(mark(talkers, ['10.0.0.1', null, '10.0.0.2', null])).toBeUndefined();
  // Device names that are no addresses: no document with an address field can share their key.
  expect(mark(talkers, [null, 'Comp1', null, 'Comp2'])).toBeUndefined();
  // An address and a name, or a name that reads as an address: another document may share the key.
  expect(mark(talkers, ['10.0.0.1', 'web', '10.0.0.2', null])).toBe(true);
  expect(mark(talkers, [null, '10.0.0.1', '10.0.0.2', null])).toBe(true);
  // Countries of both sides share one column: only the first side's alone is determined.
  const countries = specByName('countries-1h')!;
  expect(mark(countries, ['US', null])).toBeUndefined();
  expect(mark(countries, [null, 'US'])).toBe(true);
  expect(mark(countries, ['US', 'DE'])).toBe(true);
  expect(mark(specByName('services-1d')!, ['443', 'tcp', null])).toBeUndefined();
});

test('ranges split evenly on bucket boundaries, never into empty pieces', () => {
  expect(splitEven({ from: T0, to: T0 + 30 * D }, D, 2)).toEqual([
    { from: T0, to: T0 + 15 * D },
    { from: T0 + 15 * D, to: T0 + 30 * D },
  ]);
  expect(splitEven({ from: T0, to: T0 + 3 * D }, D, 2)).toEqual([
    { from: T0, to: T0 + D },
    { from: T0 + D, to: T0 + 3 * D },
  ]);
  expect(splitEven({ from: T0, to: T0 + D }, D, 2)).toEqual([{ from: T0, to: T0 + D }]);
  expect(splitEven({ from: T0, to: T0 }, D, 2)).toEqual([]);
  expect(monthOfRollupIndex('p-', 'p-rollup-talkers-1d-2024.12')).toEqual({
    from: Date.UTC(2024, 11, 1),
    to: Date.UTC(2025, 0, 1),
  });
});
