import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReport } from '../../../src/report/run-report';
import { searchFlows } from '../../../src/report/search';
import { CLI, testCluster } from '../../support/opensearch';
import { LONDON, writeMmdb } from '../../support/mmdb-writer';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-enrich-it-'));
const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix };
const T0 = Date.UTC(2026, 2, 10, 12);
const RANGE = { from: new Date(T0 - 60_000).toISOString(), to: new Date(T0 + 60_000).toISOString() };

afterAll(async () => {
  await tc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const city = path.join(dir, 'city.mmdb');
const networks = path.join(dir, 'networks.yaml');
const input = path.join(dir, 'flows.json');

/** nProbe JSON lines: an office host talking to the outside, and the outside talking in. */
function line(
  i: number,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  bytes: number,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    FIRST_SWITCHED: (T0 + i * 1000) / 1000,
    LAST_SWITCHED: (T0 + i * 1000) / 1000 + 1,
    IPV4_SRC_ADDR: src,
    IPV4_DST_ADDR: dst,
    L4_SRC_PORT: sport,
    L4_DST_PORT: dport,
    PROTOCOL: 6,
    IN_BYTES: bytes,
    IN_PKTS: 3,
    EXPORTER_IPV4_ADDRESS: '192.0.2.1',
    INPUT_SNMP: 1,
    OUTPUT_SNMP: 2,
    ...extra,
  });
}

beforeAll(() => {
  writeFileSync(city, writeMmdb([LONDON]));
  writeFileSync(
    networks,
    'networks:\n  10.1.0.0/16: { name: office, role: users, site: hq }\nexporters:\n  192.0.2.1: { name: edge1, interfaces: { 1: ge-0/0/1, 2: ge-0/0/2 } }\n',
  );
  const lines = [
    line(0, '10.1.0.5', '81.2.69.142', 50000, 443, 1000),
    line(1, '10.1.0.5', '8.8.8.8', 50001, 53, 200, { PROTOCOL: 17 }),
    line(2, '81.2.69.142', '10.1.0.9', 443, 50002, 5000),
    line(3, '10.1.0.5', '10.1.0.9', 50003, 3389, 300),
  ];
  writeFileSync(input, lines.join('\n') + '\n');
});

test('index enriches every flow: geo, AS, networks, direction, exporter and interface names, services; no flow dropped', async () => {
  const r = spawnSync(
    'node',
    [CLI, 'index', input, '--format', 'nprobe', '--json', '--geoip-db', city, '--networks', networks, '--no-rollup'],
    { env, encoding: 'utf8' },
  );
  expect(r.stderr).toMatch(/enrich geo: \d+ hits/);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ read: 4, indexed: 4, rejected: 0 });
  await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });

  const search = async (q: string) =>
    (await searchFlows(tc.client, tc.config, { query: q, ...RANGE, limit: 10 })).hits.map((h) => h.doc);

  const [london] = await search('dst_country:GB');
  expect(london?.destination.geo).toMatchObject({ country_iso_code: 'GB', city_name: 'London' });
  // geo_point doc values (derived source) keep about 1e-7 degrees.
  expect(london?.destination.geo?.location?.lat).toBeCloseTo(51.5142, 5);
  expect(london?.destination.geo?.location?.lon).toBeCloseTo(-0.0931, 5);
  expect(london?.network.direction).toBe('outbound');
  expect(london?.flow.src_net).toEqual({ name: 'office', role: 'users', site: 'hq' });
  expect(london?.observer).toMatchObject({
    name: 'edge1',
    ingress: { interface: { id: 1, name: 'ge-0/0/1' } },
    egress: { interface: { id: 2, name: 'ge-0/0/2' } },
  });
  expect(london?.network.application).toBe('https');

  // The bundled AS table knows Google's resolver; the user's city database does not know it.
  expect((await search('dst_as:15169')).map((d) => d.destination.ip)).toEqual(['8.8.8.8']);
  expect((await search('as:15169 and service:dns')).length).toBe(1);
  expect((await search('direction:inbound')).map((d) => d.source.ip)).toEqual(['81.2.69.142']);
  expect((await search('direction:internal')).map((d) => d.network.application)).toEqual(['rdp']);
  expect((await search('src_net:office')).length).toBe(3);
  expect((await search('src_net:10.1.0.0/16')).length).toBe(3);
  expect((await search('exporter_name:edge1')).length).toBe(4);
  expect((await search('in_if:ge-0/0/1')).length).toBe(4);
  expect((await search('in_if:1')).length).toBe(4);
  expect((await search('country:GB')).length).toBe(2);
  expect((await search('asn_org:*Google*')).length).toBe(1);
});

test('the enrichment reports answer from the enriched fields', async () => {
  const run = (report: 'top-countries' | 'direction-mix' | 'top-interfaces') =>
    runReport(tc.client, tc.config, { report, ...RANGE, top: 10 });
  const countries = await run('top-countries');
  expect(countries.rows.map((r) => [r.country, r.bytes])).toEqual([
    ['GB', 6000],
    // The user's city database replaces the bundled one and does not know 8.8.8.8.
    [null, 500],
  ]);
  const directions = await run('direction-mix');
  expect(directions.rows.map((r) => [r.direction, r.flows, r.bytes])).toEqual([
    ['inbound', 1, 5000],
    ['outbound', 2, 1200],
    ['internal', 1, 300],
  ]);
  const interfaces = await run('top-interfaces');
  expect(interfaces.rows).toEqual([
    expect.objectContaining({ exporter: '192.0.2.1', interface: 1, interface_name: 'ge-0/0/1', flows: 4, bytes: 6500 }),
  ]);
});

test('a broken networks file stops the command at start-up with one line naming it', () => {
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'networks:\n  office: 10.0.0.0/8\n');
  const r = spawnSync('node', [CLI, 'decode', input, '--format', 'nprobe', '--networks', bad], {
    env,
    encoding: 'utf8',
  });
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^flowdex: .*bad\.yaml.*networks\.office: "office" is not a CIDR block/),
  ]);
});
