import { docOf } from '../../../src/rollup/builder';
import { MARK_MS, ownerAlive } from '../../../src/rollup/marks';
import { FactReader, factFields, RollupAggregator } from '../../../src/rollup/partials';
import { specByName, SUM_FIELDS, type RollupSpec } from '../../../src/rollup/specs';
import { coveredRange } from '../../../src/rollup/stream';

const M = 60_000;
const D = 86_400_000;
const T0 = Date.UTC(2024, 2, 10);
const traffic = specByName('traffic-1m')!;
const web = specByName('web-1d')!;
const specs: RollupSpec[] = [traffic, web];
const fields = factFields(specs);
const reader = new FactReader(fields);

function flow(
  ts: number,
  port: number,
  transport: string,
  bytes: number,
  end?: number,
): ReturnType<FactReader['read']> {
  const doc = {
    '@timestamp': new Date(ts).toISOString(),
    event: { end: new Date(end ?? ts + 500).toISOString() },
    destination: { ip: '10.0.0.1', port, bytes: 1 },
    server: { ip: '10.0.0.1', port },
    network: { transport, bytes, packets: 2 },
  };
  return reader.read(doc, ts);
}

test('facts: the fields specs group and filter by, sums, and the end time', () => {
  expect(fields).toEqual(['network.transport', 'network.protocol', 'server.ip', 'server.address', 'server.port']);
  const f = flow(T0 + 5, 443, 'tcp', 900, T0 + 2000);
  expect(f).toEqual({
    ts: T0 + 5,
    end: T0 + 2000,
    values: ['tcp', null, '10.0.0.1', null, 443],
    sums: SUM_FIELDS.map(
      (s) => ({ 'network.bytes': 900, 'network.packets': 2, 'destination.bytes': 1 })[s as string] ?? 0,
    ),
  });
});

test('groups are summed per spec bucket; a filtered spec keeps only its flows; closed buckets leave first', () => {
  const agg = new RollupAggregator(specs, fields);
  agg.add(flow(T0 + 10, 443, 'tcp', 100));
  agg.add(flow(T0 + 20, 443, 'tcp', 50, T0 + 9000));
  agg.add(flow(T0 + 30, 53, 'udp', 7));
  agg.add(flow(T0 + 3 * M, 80, 'tcp', 1));
  // traffic-1m: tcp and udp in the first minute, tcp in the fourth; web-1d: ports 443 and 80.
  expect(agg.groups).toBe(5);
  expect([...agg.heldMarks()]).toEqual([T0]);
  expect(agg.oldestHeld(web)).toBe(T0);
  // One minute of grace: the first minute closed, the fourth and the day not.
  const closed = agg.closed(M);
  expect(closed.map((b) => [b.spec.name, b.start])).toEqual([['traffic-1m', T0]]);
  const tcp = closed[0]?.groups.find((g) => g.dims[0] === 'tcp' && g.dims[1] === null);
  expect(tcp).toMatchObject({ flows: 2, maxEnd: T0 + 9000, minStart: T0 + 10 });
  expect(tcp?.sums[SUM_FIELDS.indexOf('network.bytes')]).toBe(150);
  expect(agg.groups).toBe(3);
  const rest = agg.takeAll();
  expect(rest.map((b) => [b.spec.name, b.start]).sort()).toEqual([
    ['traffic-1m', T0 + 3 * M],
    ['web-1d', T0],
  ]);
  expect(rest.find((b) => b.spec === web)?.groups.length).toBe(2);
  expect(agg.groups).toBe(0);
  expect(agg.heldMarks().size).toBe(0);
});

test('specs summed from a finer spec (traffic-1h from 1m, sources and destinations from talkers) equal specs summed per flow', () => {
  const all = ['traffic-1m', 'traffic-1h', 'sources-1d', 'destinations-1d', 'talkers-1d'].map((n) => specByName(n)!);
  const f = factFields(all);
  const r = new FactReader(f);
  const flows = Array.from({ length: 400 }, (_, i) =>
    r.read(
      {
        event: { end: new Date(T0 + i * 37_000 + 900).toISOString() },
        source: { ip: `10.0.0.${i % 7}`, bytes: i, packets: 1 },
        destination: i % 5 === 0 ? { address: `Comp${i % 3}` } : { ip: `10.1.0.${i % 4}` },
        network: { transport: i % 3 ? 'tcp' : 'udp', bytes: i * 10, packets: 2, ...(i % 4 ? { protocol: 'dns' } : {}) },
      },
      T0 + i * 37_000,
    ),
  );
  const docsOf = (buckets: ReturnType<RollupAggregator['takeAll']>, spec: RollupSpec) =>
    buckets
      .filter((b) => b.spec === spec)
      .flatMap((b) => b.groups.map((g) => docOf(spec, b.start, g.dims, g)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  const together = new RollupAggregator(all, f);
  // Minute buckets leave as the stream moves on; the hour and the day are summed from them.
  const taken: ReturnType<RollupAggregator['takeAll']> = [];
  for (const x of flows) {
    together.add(x);
    taken.push(...together.closed(0));
  }
  taken.push(...together.takeAll());
  expect(together.groups).toBe(0);
  for (const spec of all) {
    const alone = new RollupAggregator([spec], f);
    for (const x of flows) alone.add(x);
    const expected = docsOf(alone.takeAll(), spec);
    expect(expected.length).toBeGreaterThan(1);
    expect(docsOf(taken, spec)).toEqual(expected);
  }
});

test('a group written from the stream is the document a build from raw writes', () => {
  const { id, doc } = docOf(web, T0, ['10.0.0.1', null, 443], {
    flows: 2,
    sums: SUM_FIELDS.map(() => 3),
    maxEnd: T0 + 9,
    minStart: T0 + 1,
  });
  expect(id).toHaveLength(16);
  expect(doc).toMatchObject({
    '@timestamp': T0,
    flows: 2,
    server: { ip: '10.0.0.1', port: 443 },
    destination: { bytes: 3 },
    event: { end: T0 + 9, start: T0 + 1 },
    key: { server: '["10.0.0.1"]' },
  });
});

test('watermarks: widened over what was written, cut back to a bucket still held', () => {
  const prev = { built_from: T0, built_to: T0 + D, updated: '', docs: 1 };
  expect(coveredRange(undefined, undefined, undefined)).toBeUndefined();
  expect(coveredRange(prev, { from: T0 + D, to: T0 + 2 * D }, undefined)).toEqual({ from: T0, to: T0 + 2 * D });
  // Late flows of the first day are held: that day is read from raw flows until written.
  expect(coveredRange(prev, { from: T0 + D, to: T0 + 2 * D }, T0 + 15 * M)).toEqual({ from: T0, to: T0 + 15 * M });
  expect(coveredRange(undefined, { from: T0, to: T0 + M }, T0 + 5 * M)).toEqual({ from: T0, to: T0 + M });
});

test('marks: 15 minutes; a run counts as alive only while its process is', () => {
  expect(MARK_MS).toBe(15 * M);
  const now = Date.now();
  expect(ownerAlive(undefined, now)).toBe(false);
  expect(ownerAlive({ pid: process.pid, host: 'h', heartbeat: now }, now, 'h')).toBe(true);
  // A pid above the kernel's limit is never a live process.
  expect(ownerAlive({ pid: 2 ** 30, host: 'h', heartbeat: now }, now, 'h')).toBe(false);
  expect(ownerAlive({ pid: 1, host: 'elsewhere', heartbeat: now - 1000 }, now, 'h')).toBe(true);
  expect(ownerAlive({ pid: 1, host: 'elsewhere', heartbeat: now - 10 * M }, now, 'h')).toBe(false);
});
