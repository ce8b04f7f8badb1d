import type { FlowDoc } from '../../../src/model/flow';
import { hydrate } from '../../../src/model/normalize';
import { exportFlows, flowCsvRow } from '../../../src/report/export';
import { getFlow, searchFlows, type FlowHit, type SearchRequest } from '../../../src/report/search';
import { testCluster } from '../../support/opensearch';
import { buildDataset, DATA_SPAN, DATA_START, inCidr, indexDataset, type Stored } from './dataset';

const tc = testCluster(__filename);
const data = buildDataset(3000, 300);
// The range leaves out the first and last six hours, so the time filter is tested too.
const FROM = new Date(DATA_START + 6 * 3600000).toISOString();
const TO = new Date(DATA_START + DATA_SPAN - 6 * 3600000).toISOString();
const inRange = data.filter((s) => s.time >= Date.parse(FROM) && s.time < Date.parse(TO));

beforeAll(async () => {
  await indexDataset(tc.client, tc.config, data);
});
afterAll(() => tc.cleanup());

const ports = (d: FlowDoc) => [d.source.port, d.destination.port];
const hosts = (d: FlowDoc) => [d.dns?.question.name, d.url?.domain, d.tls?.client?.server_name];
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

const CASES: [string, (d: FlowDoc) => boolean][] = [
  ['src:10.0.1.10', (d) => d.source.ip === '10.0.1.10'],
  ['dst:10.0.1.10', (d) => d.destination.ip === '10.0.1.10'],
  ['dst:10.0.0.0/8', (d) => inCidr(d.destination.ip, '10.0.0.0/8')],
  ['10.1.1.0/24', (d) => inCidr(d.source.ip, '10.1.1.0/24') || inCidr(d.destination.ip, '10.1.1.0/24')],
  ['ip:2001:db8::/32', (d) => inCidr(d.source.ip, '2001:db8::/32') || inCidr(d.destination.ip, '2001:db8::/32')],
  ['src:2001:db8:a::/48', (d) => inCidr(d.source.ip, '2001:db8:a::/48')],
  ['dport:443', (d) => d.destination.port === 443],
  ['port:(80 or 443)', (d) => ports(d).some((p) => p === 80 || p === 443)],
  ['sport:>1023', (d) => (d.source.port ?? -1) > 1023],
  ['dport:1000..2000', (d) => (d.destination.port ?? -1) >= 1000 && (d.destination.port ?? -1) <= 2000],
  ['proto:udp', (d) => d.network.transport === 'udp'],
  ['protocol:1 or protocol:58', (d) => d.network.iana_number === 1 || d.network.iana_number === 58],
  ['app:dns', (d) => d.network.protocol === 'dns'],
  ['bytes>10k', (d) => (d.network.bytes ?? 0) > 10000],
  ['packets<=3', (d) => d.network.packets !== undefined && d.network.packets <= 3],
  ['duration>30s', (d) => (d.event.duration ?? 0) > 30e9],
  ['not dst:10.0.0.0/8', (d) => !inCidr(d.destination.ip, '10.0.0.0/8')],
  [
    '(src:10.66.6.6 or dst:10.0.1.10) and dport:443',
    (d) => (d.source.ip === '10.66.6.6' || d.destination.ip === '10.0.1.10') && d.destination.port === 443,
  ],
  [
    'app:http or app:ssh dport:22',
    (d) => d.network.protocol === 'http' || (d.network.protocol === 'ssh' && d.destination.port === 22),
  ],
  ['!proto:tcp sport:123', (d) => d.network.transport !== 'tcp' && d.source.port === 123],
  ['host:*.example.com', (d) => hosts(d).some((h) => h !== undefined && glob('*.example.com').test(h))],
  ['dns:*', (d) => d.dns?.question.name !== undefined],
  ['srcdevice:Comp00005', (d) => d.source.address === 'Comp00005'],
  ['address:Comp00005', (d) => d.source.address === 'Comp00005' || d.destination.address === 'Comp00005'],
  ['ipversion:ipv6', (d) => d.network.type === 'ipv6'],
  ['not src:*', (d) => d.source.ip === undefined],
  ['', () => true],
];

async function allPages(req: SearchRequest): Promise<FlowHit[]> {
  const out: FlowHit[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await searchFlows(tc.client, tc.config, { ...req, cursor });
    out.push(...page.hits);
    cursor = page.cursor;
    if (cursor === undefined) return out;
  }
  throw new Error('paging did not end');
}

describe('searchFlows matches an independent filter', () => {
  test('the dataset has what the cases need', () => {
    expect(inRange.some((s) => s.doc.network.type === 'ipv6')).toBe(true);
    expect(inRange.some((s) => s.doc.source.ip === undefined && s.doc.source.address !== undefined)).toBe(true);
    expect(inRange.some((s) => s.doc.network.transport === 'icmp')).toBe(true);
    expect(inRange.length).toBeLessThan(data.length);
  });

  test.each(CASES)('%s', async (query, keep) => {
    const expected = inRange
      .filter((s) => keep(s.doc))
      .map((s) => s.id)
      .sort();
    const first = await searchFlows(tc.client, tc.config, { query, from: FROM, to: TO, limit: 1000, exactTotal: true });
    expect(first.total).toEqual({ value: expected.length, exact: true });
    const hits = await allPages({ query, from: FROM, to: TO, limit: 1000 });
    expect(hits.map((h) => h.id).sort()).toEqual(expected);
    for (const h of hits.slice(0, 20)) expect(h.doc).toEqual(hydrate(data.find((s) => s.id === h.id)?.doc as FlowDoc));
  });
});

describe('paging', () => {
  const sorted = (key: (s: Stored) => number | string | undefined, dir: 1 | -1) =>
    inRange
      .map((s) => key(s))
      .sort((a, b) =>
        a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : (a < b ? -1 : a > b ? 1 : 0) * dir,
      );

  test.each([
    ['bytes', 'asc', (s: Stored) => s.doc.network.bytes, 1],
    ['time', 'desc', (s: Stored) => s.time, -1],
    ['sport', 'desc', (s: Stored) => s.doc.source.port, -1],
    ['srcdevice', 'asc', (s: Stored) => s.doc.source.address, 1],
  ] as const)('sort %s %s: every match exactly once, in order', async (sort, order, key, dir) => {
    const hits = await allPages({ query: '', from: FROM, to: TO, limit: 97, sort, order });
    expect(new Set(hits.map((h) => h.id)).size).toBe(inRange.length);
    expect(hits.length).toBe(inRange.length);
    const byId = new Map(inRange.map((s) => [s.id, s]));
    expect(hits.map((h) => key(byId.get(h.id) as Stored))).toEqual(sorted(key, dir));
  });

  test('source ip sort pages through v4 and v6 addresses', async () => {
    const hits = await allPages({ query: 'proto:tcp', from: FROM, to: TO, limit: 250, sort: 'src:asc' });
    expect(hits.length).toBe(inRange.filter((s) => s.doc.network.transport === 'tcp').length);
    expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
  });

  test('a cursor whose point in time is gone continues on a fresh one', async () => {
    // The first page runs without a point in time; the second opens one, which is deleted here.
    const req = { query: '', from: FROM, to: TO, limit: 500, sort: 'time', order: 'asc' as const };
    const first = await searchFlows(tc.client, tc.config, req);
    expect(JSON.parse(Buffer.from(first.cursor ?? '', 'base64url').toString('utf8'))).toMatchObject({ offset: 500 });
    const second = await searchFlows(tc.client, tc.config, { ...req, cursor: first.cursor });
    const { pit } = JSON.parse(Buffer.from(second.cursor ?? '', 'base64url').toString('utf8')) as { pit: string };
    await tc.client.deletePit({ body: { pit_id: [pit] } });
    const third = await searchFlows(tc.client, tc.config, { ...req, cursor: second.cursor });
    const times = [...inRange].sort((a, b) => a.time - b.time).map((s) => s.time);
    expect(second.hits.map((h) => Date.parse(h.doc['@timestamp']))).toEqual(times.slice(500, 1000));
    expect(third.hits.map((h) => Date.parse(h.doc['@timestamp']))).toEqual(times.slice(1000, 1500));
  });

  test('default: newest first, 50 per page, total capped unless exact', async () => {
    const page = await searchFlows(tc.client, tc.config, { query: '', from: FROM, to: TO });
    expect(page.hits).toHaveLength(50);
    const newest = [...inRange].sort((a, b) => b.time - a.time)[0];
    expect(page.hits[0]?.doc['@timestamp']).toBe(newest?.doc['@timestamp']);
    expect(page.total.value).toBe(inRange.length);
    expect(page.served_by).toEqual(['2024.05.01', '2024.05.02', '2024.05.03'].map((d) => `${tc.prefix}flows-${d}`));
    expect(page.cursor).toBeDefined();
  });

  test('a range without indices is an empty page; bad input is refused', async () => {
    const empty = await searchFlows(tc.client, tc.config, { query: '', from: '2020-01-01', to: '2020-01-02' });
    expect(empty).toMatchObject({ hits: [], total: { value: 0, exact: true }, served_by: [] });
    await expect(searchFlows(tc.client, tc.config, { query: 'dport:', from: FROM, to: TO })).rejects.toMatchObject({
      code: 'QUERY_SYNTAX',
    });
    await expect(searchFlows(tc.client, tc.config, { query: '', limit: 1001 })).rejects.toMatchObject({
      code: 'QUERY_BAD_VALUE',
    });
    await expect(searchFlows(tc.client, tc.config, { query: '', sort: 'nosuch' })).rejects.toMatchObject({
      code: 'QUERY_UNKNOWN_FIELD',
    });
    await expect(
      searchFlows(tc.client, tc.config, { query: '', from: FROM, to: TO, cursor: 'garbage' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('getFlow', () => {
  test('by id, with and without the index; NOT_FOUND otherwise', async () => {
    const s = inRange[7] as Stored;
    const hit = await getFlow(tc.client, tc.config, s.id);
    expect(hit.doc).toEqual(hydrate(s.doc));
    expect((await getFlow(tc.client, tc.config, s.id, hit.index)).id).toBe(s.id);
    await expect(getFlow(tc.client, tc.config, 'no-such-id')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('exportFlows', () => {
  test('csv: header plus one quoted-where-needed line per match', async () => {
    const chunks: string[] = [];
    const r = await exportFlows(tc.client, tc.config, { query: 'proto:tcp', from: FROM, to: TO }, 'csv', (c) => {
      chunks.push(c);
    });
    const expected = inRange.filter((s) => s.doc.network.transport === 'tcp').length;
    expect(r.rows).toBe(expected);
    const lines = chunks
      .join('')
      .split('\r\n')
      .filter((l) => l !== '');
    expect(lines[0]).toBe(
      '@timestamp,event.duration,source.ip,destination.ip,source.port,destination.port,network.bytes,network.packets,network.transport,network.protocol,network.community_id',
    );
    expect(lines).toHaveLength(expected + 1);
    // Rows are built from doc values, yet read exactly as the stored documents would.
    const stored = inRange
      .filter((s) => s.doc.network.transport === 'tcp')
      .map((s) => flowCsvRow(hydrate(s.doc)).replace(/\r\n$/, ''));
    expect(lines.slice(1).sort()).toEqual(stored.sort());
  });

  // One page per flow over two hours: dense buckets, a finer histogram, paging within a chunk.
  test.each([
    ['desc', 40, TO],
    ['asc', 40, TO],
    ['desc', 1, new Date(Date.parse(FROM) + 2 * 3600000).toISOString()],
  ] as const)('csv in time order (%s), chunked by a histogram into pages of %d', async (order, pageSize, to) => {
    let text = '';
    const r = await exportFlows(
      tc.client,
      tc.config,
      { query: '', from: FROM, to, order },
      'csv',
      (c) => {
        text += c;
      },
      Date.now(),
      { pageSize, concurrency: 3 },
    );
    const expected = inRange.filter((s) => s.time < Date.parse(to));
    expect(r.rows).toBe(expected.length);
    const lines = text.split('\r\n').slice(1, -1);
    expect(lines.slice().sort()).toEqual(expected.map((s) => flowCsvRow(hydrate(s.doc)).replace(/\r\n$/, '')).sort());
    const times = lines.map((l) => Date.parse(l.slice(0, l.indexOf(','))));
    const sorted = times.slice().sort((x, y) => (order === 'asc' ? x - y : y - x));
    expect(times).toEqual(sorted);
  });

  // CSV reads doc values as sort keys, NDJSON the stored documents: line for line the same flows
  // in the same order (ties included), with IPv6, missing fields and pages within a chunk.
  test.each([
    ['@timestamp', 'desc', 25],
    ['@timestamp', 'asc', 1000],
    ['bytes', 'desc', 40],
    ['src', 'asc', 40],
    ['src', 'desc', 40],
  ] as const)(
    'csv equals the stored documents as csv, in order (sort %s %s, pages of %d)',
    async (sort, order, pageSize) => {
      const read = async (format: 'csv' | 'ndjson') => {
        let text = '';
        await exportFlows(
          tc.client,
          tc.config,
          { query: '', from: FROM, to: TO, sort, order },
          format,
          (c) => {
            text += c;
          },
          Date.now(),
          { pageSize, concurrency: 2 },
        );
        return text;
      };
      const csv = (await read('csv')).split('\r\n').slice(1, -1);
      const stored = (await read('ndjson'))
        .trim()
        .split('\n')
        .map((l) => flowCsvRow(JSON.parse(l) as FlowDoc).replace(/\r\n$/, ''));
      expect(stored).toHaveLength(inRange.length);
      expect(stored.some((l) => l.includes(':'))).toBe(true);
      expect(csv).toEqual(stored);
    },
  );

  test('ndjson: every document once, across export pages', async () => {
    let text = '';
    const r = await exportFlows(
      tc.client,
      tc.config,
      { query: '', from: FROM, to: TO, sort: 'bytes' },
      'ndjson',
      async (c) => {
        text += c;
      },
    );
    expect(r.rows).toBe(inRange.length);
    const docs = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FlowDoc);
    // Key order is not part of a document (a source rebuilt from doc values orders keys its own way).
    const canon = (v: unknown): unknown =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, c]) => [k, canon(c)]),
          )
        : v;
    const key = (d: FlowDoc) => JSON.stringify(canon(d));
    expect(docs.map(key).sort()).toEqual(inRange.map((s) => key(hydrate(s.doc))).sort());
  });
});
