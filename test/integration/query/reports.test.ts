import type { FlowDoc } from '../../../src/model/flow';
import { runReport } from '../../../src/report/run-report';
import type { Metric, ReportName } from '../../../src/query/reports';
import { testCluster } from '../../support/opensearch';
import { addr, buildDataset, DATA_SPAN, DATA_START, indexDataset } from './dataset';

const tc = testCluster(__filename);
const data = buildDataset(3000, 300);
// Starts mid-hour and ends past the data, so the series has partial and empty buckets.
const FROM_MS = DATA_START + 2 * 3600000 + 1800000;
const TO_MS = DATA_START + DATA_SPAN + 5 * 3600000;
const FROM = new Date(FROM_MS).toISOString();
const TO = new Date(TO_MS).toISOString();
const inRange = data.filter((s) => s.time >= FROM_MS && s.time < TO_MS).map((s) => s.doc);

beforeAll(async () => {
  await indexDataset(tc.client, tc.config, data);
});
afterAll(() => tc.cleanup());

type Key = string | number | null;
type Row = Record<string, Key>;

function cmpKey(x: Key, y: Key): number {
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : 1;
}

/** Top-N computed directly over the documents: sum per group, metric descending, keys ascending. */
function expectedTop(
  docs: FlowDoc[],
  columns: string[],
  keyOf: (d: FlowDoc) => Key[],
  metric: Metric,
  top: number,
): Row[] {
  const groups = new Map<string, Row>();
  for (const d of docs) {
    const key = keyOf(d);
    const id = JSON.stringify(key);
    const g =
      groups.get(id) ??
      Object.fromEntries([...columns.map((c, i) => [c, key[i] ?? null]), ['flows', 0], ['bytes', 0], ['packets', 0]]);
    g.flows = Number(g.flows) + 1;
    g.bytes = Number(g.bytes) + (d.network.bytes ?? 0);
    g.packets = Number(g.packets) + (d.network.packets ?? 0);
    groups.set(id, g);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        Number(b[metric]) - Number(a[metric]) || columns.reduce((r, c) => r || cmpKey(a[c] ?? null, b[c] ?? null), 0),
    )
    .slice(0, top);
}

const TOPS: [ReportName, string[], (d: FlowDoc) => Key[], Metric, (d: FlowDoc) => boolean][] = [
  ['top-sources', ['source'], (d) => [addr(d.source)], 'bytes', () => true],
  ['top-destinations', ['destination'], (d) => [addr(d.destination)], 'bytes', () => true],
  ['top-pairs', ['source', 'destination'], (d) => [addr(d.source), addr(d.destination)], 'bytes', () => true],
  [
    'top-services',
    ['port', 'transport'],
    (d) => [d.server?.port ?? null, d.network.transport ?? null],
    'flows',
    () => true,
  ],
  ['top-apps', ['app'], (d) => [d.network.protocol ?? null], 'bytes', () => true],
  ['protocols', ['transport'], (d) => [d.network.transport ?? null], 'flows', () => true],
  [
    'web-servers',
    ['server'],
    (d) => [d.server?.ip ?? d.server?.address ?? null],
    'flows',
    (d) => d.server?.port === 80 || d.server?.port === 443,
  ],
];

describe('top-N reports equal an independent computation', () => {
  test.each(TOPS)('%s', async (report, columns, keyOf, metric, keep) => {
    const r = await runReport(tc.client, tc.config, { report, from: FROM, to: TO, top: 15, raw: true });
    expect(r.rows).toEqual(expectedTop(inRange.filter(keep), columns, keyOf, metric, 15));
    expect(r.served_by).toEqual(['2024.05.01', '2024.05.02', '2024.05.03'].map((d) => `${tc.prefix}flows-${d}`));
    expect(r.columns).toEqual([...columns, 'flows', 'bytes', 'packets']);
  });

  test('by packets, with a query filter, and device-name groups', async () => {
    const r = await runReport(tc.client, tc.config, {
      report: 'top-sources',
      query: 'proto:tcp not dport:22',
      by: 'packets',
      top: 10000,
      from: FROM,
      to: TO,
    });
    const docs = inRange.filter((d) => d.network.transport === 'tcp' && d.destination.port !== 22);
    const expected = expectedTop(docs, ['source'], (d) => [addr(d.source)], 'packets', 10000);
    expect(r.rows).toEqual(expected);
    expect(r.rows.some((row) => String(row.source).startsWith('Comp'))).toBe(true);
  });

  test('every group when top exceeds them; composite paging sums exactly', async () => {
    const r = await runReport(tc.client, tc.config, { report: 'top-pairs', top: 10000, from: FROM, to: TO, raw: true });
    const expected = expectedTop(
      inRange,
      ['source', 'destination'],
      (d) => [addr(d.source), addr(d.destination)],
      'bytes',
      10000,
    );
    expect(r.rows).toHaveLength(expected.length);
    expect(r.rows).toEqual(expected);
  });
});

describe('series reports', () => {
  const HOUR = 3600000;
  const buckets: number[] = [];
  for (let t = Math.floor(FROM_MS / HOUR) * HOUR; t < TO_MS; t += HOUR) buckets.push(t);
  const inBucket = (t: number) =>
    inRange.filter((d) => Date.parse(d['@timestamp']) >= t && Date.parse(d['@timestamp']) < t + HOUR);

  test('traffic per hour, with empty buckets and rates', async () => {
    const r = await runReport(tc.client, tc.config, {
      report: 'traffic',
      interval: '1h',
      from: FROM,
      to: TO,
      raw: true,
    });
    expect(r.interval_ms).toBe(HOUR);
    const expected = buckets.map((t) => {
      const docs = inBucket(t);
      const bytes = docs.reduce((s, d) => s + (d.network.bytes ?? 0), 0);
      const packets = docs.reduce((s, d) => s + (d.network.packets ?? 0), 0);
      return {
        time: new Date(t).toISOString(),
        flows: docs.length,
        bytes,
        packets,
        flows_per_s: docs.length / 3600,
        bytes_per_s: bytes / 3600,
        packets_per_s: packets / 3600,
      };
    });
    expect(r.rows).toEqual(expected);
    expect(expected.some((row) => row.flows === 0)).toBe(true);
  });

  test.each([
    ['unique-sources', (d: FlowDoc) => addr(d.source)],
    ['unique-destinations', (d: FlowDoc) => addr(d.destination)],
  ] as const)('%s within the cardinality error', async (report, of) => {
    const r = await runReport(tc.client, tc.config, { report, interval: '6h', from: FROM, to: TO, raw: true });
    const SIX = 6 * HOUR;
    const times: number[] = [];
    for (let t = Math.floor(FROM_MS / SIX) * SIX; t < TO_MS; t += SIX) times.push(t);
    expect(r.rows.map((row) => row.time)).toEqual(times.map((t) => new Date(t).toISOString()));
    times.forEach((t, i) => {
      const exact = new Set(
        inRange.filter((d) => Date.parse(d['@timestamp']) >= t && Date.parse(d['@timestamp']) < t + SIX).map(of),
      ).size;
      const got = Number(r.rows[i]?.unique);
      // Below precision_threshold HyperLogLog++ is near exact; allow 1 %.
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(Math.max(1, exact * 0.01));
    });
  });

  test('a range with no index still returns every empty bucket', async () => {
    const r = await runReport(tc.client, tc.config, {
      report: 'traffic',
      interval: '1h',
      from: '2020-01-01T00:00:00Z',
      to: '2020-01-01T05:00:00Z',
    });
    expect(r.served_by).toEqual([]);
    expect(r.rows.map((row) => row.flows)).toEqual([0, 0, 0, 0, 0]);
  });

  test('bad requests', async () => {
    await expect(runReport(tc.client, tc.config, { report: 'nope' as ReportName })).rejects.toMatchObject({
      code: 'REPORT_UNKNOWN',
    });
    await expect(runReport(tc.client, tc.config, { report: 'top-sources', top: 0 })).rejects.toMatchObject({
      code: 'QUERY_BAD_VALUE',
    });
    await expect(runReport(tc.client, tc.config, { report: 'traffic', query: 'port:(' })).rejects.toMatchObject({
      code: 'QUERY_SYNTAX',
    });
  });
});
