import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../../src/web/app';
import { CLI, testCluster } from '../../support/opensearch';

/*
 * `flowdex host` is the host page's twin: on real indexed data (a Zeek log of the WRCCDC capture,
 * and LANL-style device names moved into the same minutes) the CLI's JSON equals /api/host's.
 */

const SHARED = path.resolve(__dirname, '../../../../shared/data/flows/zeek-wrccdc/conn.log');
const LANL = path.resolve(__dirname, '../../fixtures/lanl/netflow-headerless.csv');
const HAVE = existsSync(SHARED);
if (!HAVE) console.warn(`skipping the host CLI/web test: ${SHARED} is absent`);

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-host-it-'));
const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix, OPENSEARCH_URL: tc.config.opensearchUrl };
// The log's first and last flow are 2018-03-24 17:15:20.6 and :24.9 UTC.
const T0 = 1521911720;
const LANL_REJECTS = path.join(dir, 'lanl.ndjson');
const RANGE = { from: '2018-03-24T17:00:00Z', to: '2018-03-24T18:00:00Z' };
const app = createApp({ client: tc.client, config: tc.config, now: () => Date.parse(RANGE.to) });

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Zeek TSV rows as [orig_h, resp_h], read by hand: what the host report must count. */
function zeekPairs(): [string, string][] {
  return readFileSync(SHARED, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const f = l.split('\t');
      return [f[2] as string, f[4] as string];
    });
}

/** Everything but the wall time of each report. */
function withoutTimes(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'took_ms' ? undefined : x)));
}

afterAll(async () => {
  await tc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

(HAVE ? describe : describe.skip)('flowdex host and the host page', () => {
  beforeAll(() => {
    const networks = path.join(dir, 'networks.yaml');
    writeFileSync(networks, 'networks:\n  10.174.0.0/16: { name: lab, role: servers, site: hq }\n');
    const zeek = cli('index', SHARED, '--networks', networks, '--dead-letter', path.join(dir, 'zeek.ndjson'));
    expect([zeek.code, zeek.err]).toEqual([0, expect.stringContaining('92 read, 92 indexed')]);
    // The fixture holds four bad rows on purpose: rejected (exit 3) and listed, the rest indexed.
    const lanl = cli('index', LANL, '--format', 'lanl', '--time-offset', String(T0), '--dead-letter', LANL_REJECTS);
    expect([lanl.code, lanl.err]).toEqual([3, expect.stringContaining('7 read, 3 indexed')]);
  }, 120_000);

  test.each([
    ['an IP address', '10.174.251.215'],
    ['a device name', 'Comp000002'],
  ])('%s: the CLI prints what /api/host returns, and it counts the flows indexed', async (_what, host) => {
    await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });
    const r = cli('host', host, '--from', RANGE.from, '--to', RANGE.to, '--json');
    expect([r.code, r.err]).toEqual([0, expect.any(String)]);
    const fromCli = JSON.parse(r.out) as { traffic: { rows: { flows: number }[] }; about: object };
    const api = await request(app)
      .get(`/api/host/${encodeURIComponent(host)}`)
      .query(RANGE)
      .expect(200);
    expect(withoutTimes(fromCli)).toEqual(withoutTimes(api.body));
    const rejected = new Set(
      readFileSync(LANL_REJECTS, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { line: number }).line),
    );
    const lanl = readFileSync(LANL, 'utf8')
      .split('\n')
      .filter((l, i) => l !== '' && !rejected.has(i + 1))
      .map((l) => l.split(',').slice(2, 4) as [string, string]);
    const expected = [...zeekPairs(), ...lanl].filter(([a, b]) => a === host || b === host).length;
    expect(expected).toBeGreaterThan(0);
    expect(fromCli.traffic.rows.reduce((n, row) => n + row.flows, 0)).toBe(expected);
  });

  test('a filter with "or" at its top narrows every part, and the page links the enriched network', async () => {
    const host = '10.174.251.215';
    // Spliced as text beside the host term this would read "a or (b and host)"; as ASTs it cannot.
    const q = 'dst:10.47.6.53 or dport<100';
    const r = cli('host', host, '--from', RANGE.from, '--to', RANGE.to, '--query', q, '--json');
    expect(r.code).toBe(0);
    const h = JSON.parse(r.out) as { traffic: { rows: { flows: number }[] }; about: { network?: string } };
    const api = await request(app)
      .get(`/api/host/${host}`)
      .query({ ...RANGE, q })
      .expect(200);
    expect(withoutTimes(h)).toEqual(withoutTimes(api.body));
    const matching = readFileSync(SHARED, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('\t'))
      .filter((f) => f[2] === host || f[4] === host)
      .filter((f) => f[4] === '10.47.6.53' || Number(f[5]) < 100).length;
    expect(matching).toBeGreaterThan(0);
    expect(h.traffic.rows.reduce((n, row) => n + row.flows, 0)).toBe(matching);
    expect(h.about.network).toBe('lab');
    const page = await request(app).get(`/host/${host}`).query(RANGE).expect(200);
    expect(page.text).toContain('network lab');
    const links = page.text.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(links).toContain(`?q=${encodeURIComponent('net_name:"lab"')}&`);
  });

  test('the table output names the host and its peers', () => {
    const r = cli('host', '10.174.251.215', '--from', RANGE.from, '--to', RANGE.to);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^10\.174\.251\.215 \(network lab\)\ntraffic: \d+ flows/);
    expect(r.out).toContain('\nsends to\n');
    expect(r.out).toContain('\nservices used\n');
  });
});
