import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Enrichment } from '../../../src/enrich/pipeline';
import { generateFlows } from '../../../src/generate/flows';
import { Prng } from '../../../src/generate/prng';
import { prune } from '../../../src/ingest/prune';
import type { FlowRecord } from '../../../src/model/flow';
import { explainReport } from '../../../src/report/explain';
import { runReport, type ReportRequest } from '../../../src/report/run-report';
import { REPORTS, type ReportName, type ReportResult } from '../../../src/query/reports';
import { updateRollups } from '../../../src/rollup/builder';
import { ROLLUP_SPECS, rollupAlias } from '../../../src/rollup/specs';
import { readDirty } from '../../../src/rollup/state';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-rollup-'));
const HOUR = 3_600_000;
// Two days across a month end: rollups answer from two monthly indices.
const T0 = Date.UTC(2024, 2, 31);
const NOW = T0 + 5 * 24 * HOUR;

/** Generated traffic plus device-named flows without IPs (LANL style), some without ports. */
function flows(n: number, start: number, spanMs: number, seed: number): FlowRecord[] {
  const out = [...generateFlows({ flows: n, start, spanMs, seed })];
  for (let i = 0; i < n / 20; i++) {
    const t = start + Math.floor((i * spanMs * 20) / n) + 777;
    out.push({
      format: 'lanl-csv',
      start: t,
      end: t + (i % 9) * 1000,
      srcAddress: `Comp${i % 31}`,
      dstAddress: `Comp${(i * 7) % 17}`,
      ...(i % 3 ? { srcPort: 40000 + i, dstPort: [445, 80, 443][i % 3] } : {}),
      protocol: 6,
      srcBytes: 40 + i,
      dstBytes: 90 + i,
      srcPackets: 1 + (i % 4),
      dstPackets: 2,
    });
  }
  return out;
}

const iso = (t: number) => new Date(t).toISOString();
const report = (req: ReportRequest) => runReport(tc.client, tc.config, req, NOW);
const usesRollup = (r: ReportResult) => r.served_by.some((i) => i.includes('rollup-'));
const usesRaw = (r: ReportResult) => r.served_by.some((i) => i.includes('flows-'));

/** Planned and raw answers agree: exactly, except distinct counts within HyperLogLog++'s error. */
function expectSameAnswer(planned: ReportResult, raw: ReportResult): void {
  expect(planned.columns).toEqual(raw.columns);
  if (REPORTS[planned.report].kind !== 'unique') {
    expect(planned.rows).toEqual(raw.rows);
    return;
  }
  expect(planned.rows.map((r) => r.time)).toEqual(raw.rows.map((r) => r.time));
  planned.rows.forEach((row, i) =>
    expect(Math.abs(Number(row.unique) - Number(raw.rows[i]?.unique))).toBeLessThanOrEqual(
      Math.ceil(0.01 * Number(raw.rows[i]?.unique)),
    ),
  );
}

async function compare(req: ReportRequest): Promise<ReportResult> {
  const planned = await report(req);
  const raw = await report({ ...req, raw: true });
  expect(usesRollup(raw)).toBe(false);
  expectSameAnswer(planned, raw);
  return planned;
}

async function rollupSnapshot(): Promise<unknown[]> {
  return Promise.all(
    ROLLUP_SPECS.map(async (spec) => {
      const res = await tc.client.search({
        index: rollupAlias(tc.prefix, spec),
        body: {
          size: 0,
          aggs: {
            flows: { sum: { field: 'flows' } },
            bytes: { sum: { field: 'network.bytes' } },
            packets: { sum: { field: 'destination.packets' } },
            end: { max: { field: 'event.end' } },
            ids: { cardinality: { field: '_id' } },
          },
        },
        track_total_hits: true,
      } as Parameters<typeof tc.client.search>[0]);
      const body = res.body as unknown as {
        hits: { total: { value: number } };
        aggregations: Record<string, { value: number }>;
      };
      return {
        spec: spec.name,
        docs: body.hits.total.value,
        ...Object.fromEntries(Object.entries(body.aggregations).map(([k, v]) => [k, v.value])),
      };
    }),
  );
}

const first = flows(9000, T0, 2 * 24 * HOUR, 7);

useStore(tc, dir);
// Countries and ASes from the bundled databases: the enriched rollups answer as raw flows do.
const enrich = Enrichment.open({ enabled: true });
afterAll(() => enrich.close());
beforeAll(async () => {
  // Rollups kept by the indexing stream alone: no build from raw flows in between.
  await indexRecords(tc, first, 'first', dir, { enrich });
  // Late flows inside time already rolled up, and the first file indexed again (all duplicates).
  await indexRecords(tc, flows(1500, T0 + 6 * HOUR, 12 * HOUR, 8), 'late', dir, { enrich });
  await indexRecords(tc, first, 'again', dir, { enrich });
});

test('the stream counted late flows once and left no dirty bucket; `flowdex rollup` finds nothing to do', async () => {
  expect(await readDirty(tc.client, tc.prefix)).toEqual([]);
  const r = await updateRollups(tc.client, tc.config, { now: NOW });
  expect(r.specs.map((s) => s.windows)).toEqual(ROLLUP_SPECS.map(() => 0));
  const planned = await compare({ report: 'traffic', from: iso(T0), to: iso(T0 + 24 * HOUR), interval: '1h' });
  // The hourly rollup with the fewest documents: traffic needs no field, and the generated flows
  // come from few exporter interfaces.
  expect(planned.served_by).toEqual([`${tc.prefix}rollup-interfaces-1h-2024.03`]);
  expect(planned.rows.reduce((s, r) => s + Number(r.flows), 0)).toBe(
    first.filter((f) => f.start < T0 + 24 * HOUR).length + 1500 + 75,
  );
});

test.each<[string, ReportRequest, string]>([
  [
    'traffic per hour, whole range',
    { report: 'traffic', from: iso(T0), to: iso(T0 + 48 * HOUR), interval: '1h' },
    'interfaces-1h',
  ],
  [
    'TCP traffic per hour, whole range',
    { report: 'traffic', query: 'proto:tcp', from: iso(T0), to: iso(T0 + 48 * HOUR), interval: '1h' },
    'traffic-1h',
  ],
  ['top interfaces', { report: 'top-interfaces', from: iso(T0), to: iso(T0 + 48 * HOUR), top: 20 }, 'interfaces-1h'],
  ['direction mix', { report: 'direction-mix', from: iso(T0), to: iso(T0 + 48 * HOUR) }, 'interfaces-1h'],
  [
    'top sources in 10/8',
    { report: 'top-sources', query: 'src:10.0.0.0/8', from: iso(T0), to: iso(T0 + 48 * HOUR) },
    'sources-1d',
  ],
  [
    'top services to 443',
    { report: 'top-services', query: 'server_port:443', from: iso(T0), to: iso(T0 + 48 * HOUR) },
    'services-1d',
  ],
  ['web servers', { report: 'web-servers', from: iso(T0), to: iso(T0 + 48 * HOUR), top: 20 }, 'web-1d'],
])('%s is served by %s', async (_name, req, spec) => {
  const planned = await compare(req);
  expect(planned.served_by).toContain(`${tc.prefix}rollup-${spec}-2024.03`);
});

test('a filter no rollup keeps falls back to raw', async () => {
  const planned = await compare({ report: 'top-sources', query: 'proto:tcp', from: iso(T0), to: iso(T0 + 48 * HOUR) });
  expect(usesRollup(planned)).toBe(false);
});

test('unaligned edges come from raw flows, the middle from the rollup', async () => {
  const planned = await compare({
    report: 'top-pairs',
    from: iso(T0 + 3 * HOUR + 7 * 60_000 + 13_000),
    to: iso(T0 + 48 * HOUR + 2 * 60_000),
    top: 25,
  });
  expect(usesRollup(planned)).toBe(true);
  expect(usesRaw(planned)).toBe(true);
});

test('a range that misses minutes of a day: the whole day bucket less those minutes, equal to raw', async () => {
  const day2 = iso(T0 + 48 * HOUR);
  const ranges = [
    { from: iso(T0 + 5 * 60_000 + 347), to: day2 },
    { from: iso(T0), to: iso(T0 + 48 * HOUR - 7 * 60_000 - 117) },
  ];
  for (const range of ranges) {
    const cases: ReportRequest[] = [
      { report: 'top-pairs', ...range, top: 25 },
      // Every group (ranked lists, then composite pages): a group whose flows all lie in the
      // minutes taken away must not be left as a row of nothing.
      { report: 'top-pairs', ...range, top: 2000, by: 'flows' },
      { report: 'top-pairs', ...range, top: 10000, by: 'bytes' },
      { report: 'top-services', ...range, top: 25, by: 'bytes' },
      { report: 'top-sources', query: 'src:10.0.0.0/8', ...range, top: 10, by: 'packets' },
      { report: 'traffic', ...range, interval: '1d' },
    ];
    for (const req of cases) {
      const planned = await compare(req);
      expect(usesRollup(planned)).toBe(true);
      const e = await explainReport(tc.client, tc.config, req, NOW);
      const taken = e.plan.steps.filter((s) => s.subtract === true);
      // The minutes outside the range, read from raw flows and taken away from the day bucket.
      if (req.query === undefined) expect(taken.every((s) => s.documents > 0)).toBe(true);
      expect(taken.map((s) => [s.source, s.from, s.to])).toEqual([
        range.from === iso(T0) ? ['raw', range.to, day2] : ['raw', iso(T0), range.from],
      ]);
      expect(e.plan.steps.some((s) => s.source === 'rollup' && s.from === iso(T0) && s.to === day2)).toBe(true);
    }
  }
});

test('explain names the steps the report runs on, and what each reads', async () => {
  const req: ReportRequest = {
    report: 'top-pairs',
    query: 'src:10.0.0.0/8',
    from: iso(T0 + 3 * HOUR + 7 * 60_000 + 13_000),
    to: iso(T0 + 48 * HOUR + 2 * 60_000),
  };
  const e = await explainReport(tc.client, tc.config, req, NOW);
  const planned = await report(req);
  expect(e.plan.served_by).toBe('rollup');
  expect(e.plan.steps.flatMap((s) => s.indices)).toEqual(planned.served_by);
  const raw = e.plan.steps.filter((s) => s.source === 'raw');
  const rolled = e.plan.steps.filter((s) => s.source === 'rollup');
  expect(raw.length).toBeGreaterThan(0);
  expect(rolled.length).toBeGreaterThan(0);
  for (const s of rolled) for (const i of s.indices) expect(i).toContain(`rollup-${s.spec}-`);
  // A raw step reads the flows its range holds; a rollup step fewer documents than its flows.
  const flowsIn = async (from: string, to: string) =>
    (await report({ ...req, report: 'traffic', from, to, raw: true, interval: '1d' })).rows.reduce(
      (n, r) => n + Number(r.flows),
      0,
    );
  for (const s of raw) expect(s.documents).toBe(await flowsIn(s.from, s.to));
  for (const s of rolled) {
    expect(s.documents).toBeGreaterThan(0);
    expect(s.documents).toBeLessThan(await flowsIn(s.from, s.to));
  }
  expect(e.plan.documents).toBe(e.plan.steps.reduce((n, s) => n + s.documents, 0));
  expect(e.query).toBe('src:10.0.0.0/8');

  const forced = await explainReport(tc.client, tc.config, { ...req, raw: true }, NOW);
  expect(forced.plan.served_by).toBe('raw');
  expect(forced.plan.steps).toHaveLength(1);
  expect(forced.plan.steps[0]?.documents).toBe(await flowsIn(req.from as string, req.to as string));
});

test('top-N over two monthly rollups ranks stored group keys: one terms list per index, lookups, no composite pages', async () => {
  const spy = jest.spyOn(tc.client, 'search');
  try {
    await compare({ report: 'top-pairs', from: iso(T0), to: iso(T0 + 48 * HOUR), top: 20, by: 'packets' });
    const rollupBodies = spy.mock.calls
      .map(
        (call) =>
          call[0] as {
            index?: string;
            body?: { aggs?: Record<string, { terms?: { include?: string[] }; composite?: unknown }> };
          },
      )
      // The groups' requests; the report's total is one plain sum beside them.
      .filter((p) => p.index?.includes('rollup-talkers-1d') && p.body?.aggs?.total === undefined);
    const terms = rollupBodies.map((p) => p.body?.aggs?.groups?.terms).filter((t) => t !== undefined);
    expect(rollupBodies.some((p) => p.body?.aggs?.groups?.composite)).toBe(false);
    expect(new Set(rollupBodies.map((p) => p.index))).toEqual(
      new Set([`${tc.prefix}rollup-talkers-1d-2024.03`, `${tc.prefix}rollup-talkers-1d-2024.04`]),
    );
    // More pairs than one list holds: the lists were cut, and groups seen in one month were looked up in the other.
    expect(terms.some((t) => t.include !== undefined)).toBe(true);
  } finally {
    spy.mockRestore();
  }
});

test('random reports, filters and ranges: planned equals raw', async () => {
  const rng = new Prng(42);
  // Reports on fields no rollup keeps (direction, interfaces) have nothing to plan.
  const names = (Object.keys(REPORTS) as ReportName[]).filter((n) =>
    REPORTS[n].groupBy.every((g) => g.fields.every((f) => ROLLUP_SPECS.some((s) => s.dimensions.includes(f)))),
  );
  const filters = [
    '',
    '',
    'proto:tcp',
    'app:dns',
    'dport:443',
    'src:10.0.0.0/8',
    'not proto:udp',
    'dst:10.0.1.10 or dst:10.0.1.11',
    'srcaddr:Comp3',
    'bytes>1000',
  ];
  const intervals = ['15m', '30m', '1h', '5m', '1m'];
  let rollupAnswers = 0;
  for (let i = 0; i < 30; i++) {
    const name = names[i % names.length] as ReportName;
    const aligned = rng.float() < 0.5;
    // Day rollups serve whole days: the aligned ranges hold the second day whole.
    const from = T0 + (aligned ? rng.int(0, 40) * 15 * 60_000 : rng.int(0, 20 * HOUR));
    const to = aligned
      ? T0 + 49 * HOUR - rng.int(0, 4) * 15 * 60_000
      : Math.min(T0 + 49 * HOUR, from + rng.int(HOUR, 48 * HOUR));
    const req: ReportRequest = {
      report: name,
      query: filters[rng.int(0, filters.length - 1)],
      from: iso(from),
      to: iso(to),
      top: rng.int(1, 30),
      by: (['flows', 'bytes', 'packets'] as const)[rng.int(0, 2)],
      ...(REPORTS[name].kind === 'top'
        ? {}
        : {
            interval:
              REPORTS[name].kind === 'unique'
                ? (['15m', '1h'] as const)[rng.int(0, 1)]
                : intervals[rng.int(0, intervals.length - 1)],
          }),
    };
    const planned = await compare(req);
    if (usesRollup(planned)) rollupAnswers++;
  }
  // Most of these can use a rollup; if none did, the planner is not in the loop.
  expect(rollupAnswers).toBeGreaterThan(4);
});

test('top countries and top ASes come from their hourly rollups and equal the raw answer', async () => {
  const cases: [ReportName, string, string][] = [
    ['top-countries', '', 'countries-1h'],
    ['top-countries', 'country:US or country:DE', 'countries-1h'],
    ['top-countries', 'proto:tcp', ''],
    ['top-ases', '', 'ases-1h'],
    ['top-ases', 'not asn:15169', 'ases-1h'],
    ['top-ases', 'as_org:"GOOGLE"', 'ases-1h'],
  ];
  for (const [name, query, spec] of cases) {
    for (const [from, to] of [
      [T0 + HOUR, T0 + 40 * HOUR],
      [T0 + 90 * 60_000 + 7, T0 + 47 * HOUR - 1],
    ] as const) {
      const planned = await compare({ report: name, query, from: iso(from), to: iso(to), top: 15, by: 'bytes' });
      if (spec) expect(planned.served_by.some((i) => i.includes(`rollup-${spec}-`))).toBe(true);
      else expect(usesRollup(planned)).toBe(false);
      // The flows are enriched: most groups name a country or an AS.
      const column = REPORTS[name].columns[0] as string;
      if (query === '')
        expect(planned.rows.filter((r) => r[column] != null && r[column] !== '').length).toBeGreaterThan(3);
    }
  }
});

test('rebuilding from raw flows gives the totals the stream wrote, in no more documents', async () => {
  const totals = (snap: unknown[]) =>
    snap.map((s) => ({ ...(s as Record<string, unknown>), docs: undefined, ids: undefined }));
  const before = await rollupSnapshot();
  await updateRollups(tc.client, tc.config, { rebuild: true, now: NOW });
  const rebuilt = await rollupSnapshot();
  expect(totals(rebuilt)).toEqual(totals(before));
  rebuilt.forEach((s, i) =>
    expect((s as { docs: number }).docs).toBeLessThanOrEqual((before[i] as { docs: number }).docs),
  );
  // The late flows' groups that already had a document got one of their own, and the late run
  // merged them when it finished (compaction): the stream left as few documents as a rebuild.
  const docs = (snap: unknown[]) => snap.map((s) => (s as { docs: number }).docs);
  expect(docs(rebuilt)).toEqual(docs(before));
  await updateRollups(tc.client, tc.config, { rebuild: true, now: NOW });
  expect(await rollupSnapshot()).toEqual(rebuilt);
  // An incremental run with nothing new touches no window.
  const r = await updateRollups(tc.client, tc.config, { now: NOW });
  expect(r.specs.map((s) => s.windows)).toEqual(ROLLUP_SPECS.map(() => 0));
});

test('pruning raw days keeps rollup answers for the covered middle', async () => {
  const req: ReportRequest = { report: 'top-destinations', from: iso(T0), to: iso(T0 + 24 * HOUR), top: 15 };
  const traffic: ReportRequest = { report: 'traffic', from: iso(T0 + HOUR), to: iso(T0 + 20 * HOUR), interval: '1h' };
  const unique: ReportRequest = { report: 'unique-sources', from: iso(T0), to: iso(T0 + 24 * HOUR), interval: '1d' };
  const before = await Promise.all([report(req), report(traffic), report(unique)]);
  const pruned = await prune(tc.client, tc.config, 3.5 * 24 * HOUR, { now: NOW });
  expect(pruned.indices).toEqual([`${tc.prefix}flows-2024.03.31`]);
  const after = await Promise.all([report(req), report(traffic), report(unique)]);
  expect(after[0].rows).toEqual(before[0].rows);
  expect(after[1].rows).toEqual(before[1].rows);
  // Distinct counts read raw while the day had raw flows (cheaper there), the rollup once it is gone.
  expect(before[2].served_by.every((i) => i.includes('flows-'))).toBe(true);
  expect(after[2].served_by).toEqual([`${tc.prefix}rollup-sources-1d-2024.03`]);
  expectSameAnswer(after[2], before[2]);
  expect(after[0].served_by.every((i) => i.includes('rollup-'))).toBe(true);
  // Raw flows of that day are gone, so a raw answer now differs: the rollup really served it.
  expect((await report({ ...req, raw: true })).rows).not.toEqual(before[0].rows);
});
