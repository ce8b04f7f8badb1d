import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { allFieldNames } from '../../../src/model/fields';
import { REPORTS } from '../../../src/query/reports';
import { CLI } from '../../support/opensearch';
import { START, webFixture, type WebFixture } from './fixture';

/**
 * Hostile and careless input against a running explorer (the built CLI's `serve`, a process of
 * its own): grammar-based queries, random bytes and unicode, huge numbers, deep nesting,
 * wildcard bombs and DSL fragments, in every parameter of the API and the pages. No answer may
 * be a server error, the process must survive, the node must stay green, and no payload may
 * reach a page unescaped. The inputs are generated from a fixed seed, so a failure replays.
 */

const REQUESTS = 5000;
const CONCURRENCY = 8;
const SEED = 13;

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
}

/** Marks an injected tag: it must never appear unescaped in a page. */
const MARK = '<fz-x>';

const FIELDS = [
  ...allFieldNames(),
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '_index',
  '_id',
  'source',
  'flow.community_hash',
  'x',
];
const REPORT_NAMES = [...Object.keys(REPORTS), 'constructor', '__proto__', 'nope', ''];
const HUGE = [
  '18446744073709551616',
  '9'.repeat(400),
  '1e308',
  '-1',
  '-9223372036854775809',
  '0x10',
  'NaN',
  'Infinity',
  '1.5',
  '99999999999999999999GiB',
  '1e999',
];
const TIMES = [
  'now',
  'now-1h',
  'now-24h',
  'now-7d/d',
  'now-99999999999w',
  '99999999999w',
  'now-14000000w',
  'now+99999999999d',
  '2024-05-01',
  '2024-05-01T06:00:00Z',
  '2024-02-31',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
  '1969-12-31',
  '0',
  '18446744073709551616',
  '1714543200',
  '1714543200000',
  '-5',
  'yesterday',
  '24h',
  'now-3650d',
  '2024-05-01T06:00:00+25:00',
  'now/w',
  '10000-01-01',
  '',
];
const VALUES = [
  '10.0.0.1',
  '10.0.0.0/8',
  '192.168.1.0/33',
  '::1',
  '2001:db8::/32',
  '::ffff:1.2.3.4/96',
  '::ffff:1.2.3.4/64',
  '::ffff:10.0.0.0/104',
  'fe80::1%eth0',
  '1.2.3.4/32',
  '443',
  '65536',
  '-1',
  '1M',
  '10KiB',
  '30s',
  '500ms',
  'tcp',
  'udp',
  '6',
  '300',
  'dns',
  '*.example.com',
  'foo*',
  '*',
  '**',
  '?',
  'a?b',
  'CN',
  '15169',
  '"quoted \\" value"',
  '"\\\\"',
  '"unclosed',
  '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
  '1:bad',
  '2024-05-01',
  'now-1h',
  '1..10',
  '10..1',
  '..5',
  '10.0.0.1..10.0.0.9',
  '10.0.0.0/8..10.0.0.9',
  '{"match_all":{}}',
  '"}}]',
  "'",
  '\\',
  '%00',
  MARK,
  `"${MARK}"`,
  '\u0000',
  '\ud800',
  '😀',
  'ﬀ',
  '‮',
];

function wildcardBomb(g: Gen): string {
  const n = 50 + g.int(400);
  return `${g.pick(['host', 'app', 'dns.question.name', 'address'])}:${'*a'.repeat(n)}*`;
}

function randomText(g: Gen, max: number): string {
  const n = g.int(max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = g.int(10);
    if (k < 5) s += String.fromCharCode(32 + g.int(95));
    else if (k < 7) s += String.fromCharCode(g.int(0x10000));
    else if (k < 8) s += g.pick(['(', ')', '!', '"', ':', '*', '?', '<', '>', '=', ',', '\\', '..']);
    else s += String.fromCodePoint(0x10000 + g.int(0xfffff));
  }
  return s;
}

function condition(g: Gen): string {
  const field = g.pick(FIELDS);
  const value = g.chance(0.15) ? g.pick(HUGE) : g.chance(0.1) ? g.pick(TIMES) : g.pick(VALUES);
  switch (g.int(6)) {
    case 0:
      return `${field}${g.pick(['>', '>=', '<', '<=', ':>', ':<'])}${value}`;
    case 1:
      return `${field}:(${Array.from({ length: 1 + g.int(g.chance(0.05) ? 600 : 5) }, () => g.pick(VALUES)).join(g.pick([' or ', ', ', ' ']))})`;
    case 2:
      return g.pick(VALUES);
    default:
      return `${field}:${value}`;
  }
}

function expression(g: Gen, depth: number): string {
  if (depth > 4 || g.chance(0.35)) return condition(g);
  switch (g.int(5)) {
    case 0:
      return `(${expression(g, depth + 1)})`;
    case 1:
      return `${g.pick(['not ', '!', 'NOT '])}${expression(g, depth + 1)}`;
    case 2:
      return `${expression(g, depth + 1)} or ${expression(g, depth + 1)}`;
    case 3:
      return `${expression(g, depth + 1)} and ${expression(g, depth + 1)}`;
    default:
      return `${expression(g, depth + 1)} ${expression(g, depth + 1)}`;
  }
}

function query(g: Gen): string {
  const k = g.int(20);
  if (k === 0) return wildcardBomb(g);
  if (k === 1) {
    const n = g.pick([31, 33, 331, 2000, 10000]);
    return g.chance(0.5) ? `${'('.repeat(n)}src:10.0.0.1${')'.repeat(n)}` : `${'!'.repeat(n)}dport:53`;
  }
  if (k === 2) return randomText(g, 200);
  if (k === 3)
    return g.pick([
      '{"query":{"match_all":{}}}',
      '{"script":{"source":"1"}}',
      '*:*',
      '_index:*',
      'src:10.0.0.1 OR 1=1',
      "'; DROP",
      MARK,
      'constructor:1',
      '__proto__:1',
      'src>1.2.3.4/32',
      'src:::ffff:1.2.3.4/96',
      'time>18446744073709551616',
    ]);
  if (k === 4) return Array.from({ length: 300 + g.int(400) }, () => `port:${g.int(65536)}`).join(' or ');
  if (k === 5) return 'x'.repeat(g.pick([4095, 4097, 10000]));
  if (k < 8) return '';
  return expression(g, 0);
}

function param(g: Gen, name: string): string | undefined {
  if (g.chance(0.5)) return undefined;
  switch (name) {
    case 'from':
    case 'to':
      return g.chance(0.1) ? randomText(g, 30) : g.pick(TIMES);
    case 'limit':
    case 'top':
      return g.pick(['1', '10', '1000', '1001', '0', '-1', '1.5', 'abc', ...HUGE]);
    case 'sort':
      return g.pick([
        ...FIELDS,
        'community_id',
        'network.community_id',
        'bytes:asc',
        'geo',
        'source.geo.location',
        'ip',
        '_id',
        '_score',
        randomText(g, 20),
      ]);
    case 'order':
      return g.pick(['asc', 'desc', 'up', '']);
    case 'interval':
      return g.pick([
        '1s',
        '1m',
        '15m',
        '1h',
        '1d',
        '0s',
        '1ms',
        '1w',
        '99999999999d',
        '1.5m',
        'constructor',
        randomText(g, 10),
      ]);
    case 'by':
      return g.pick(['flows', 'bytes', 'packets', 'constructor', 'x']);
    case 'cursor':
      return g.pick([
        randomText(g, 40),
        Buffer.from(
          JSON.stringify({
            sort: { field: '@timestamp', order: 'desc' },
            pit: randomText(g, 30),
            after: [g.pick(HUGE), 'x'],
          }),
        ).toString('base64url'),
        Buffer.from(JSON.stringify({ sort: { field: '@timestamp', order: 'desc' }, offset: g.int(3000) - 5 })).toString(
          'base64url',
        ),
        Buffer.from(
          JSON.stringify({ sort: { field: '@timestamp', order: 'desc' }, pit: 'AAAA', after: [1, 2] }),
        ).toString('base64url'),
        Buffer.from('null').toString('base64url'),
        Buffer.from(JSON.stringify({ sort: null })).toString('base64url'),
      ]);
    default:
      return g.pick(['1', 'true', 'yes', randomText(g, 10)]);
  }
}

function url(g: Gen, dataRange: { from: string; to: string }): string {
  const qs = new URLSearchParams();
  const q = query(g);
  if (q !== '') qs.set(g.chance(0.9) ? 'q' : 'query', q);
  // A third of the requests carry only a query, so more of them get past validation to OpenSearch.
  if (g.chance(0.67)) {
    for (const name of ['from', 'to', 'limit', 'sort', 'order', 'cursor', 'top', 'interval', 'by', 'raw', 'exact']) {
      const v = param(g, name);
      if (v !== undefined) qs.set(name, v);
    }
  }
  // Half the requests look at the fixture's flows, so valid queries reach real data.
  if (g.chance(0.5)) {
    qs.set('from', dataRange.from);
    qs.set('to', dataRange.to);
  }
  if (g.chance(0.03)) qs.append('q', 'dport:53');
  // Lone surrogates cannot be percent-encoded as UTF-8; broken escapes are sent as they are.
  const enc = (s: string): string =>
    encodeURIComponent(Buffer.from(s).toString()) + (g.chance(0.05) ? g.pick(['%', '%ff', '%E0%80', '%00']) : '');
  const k = g.int(100);
  let path: string;
  if (k < 30) path = '/api/search';
  else if (k < 45) path = '/';
  else if (k < 65) path = `/api/report/${enc(g.pick(REPORT_NAMES))}`;
  else if (k < 67) path = '/reports';
  else if (k < 72) path = `/${g.pick(['host', 'api/host'])}/${enc(g.chance(0.5) ? g.pick(VALUES) : randomText(g, 20))}`;
  else if (k < 80) {
    const index = g.pick([
      `PREFIX-flows-2024.05.01`,
      'PREFIX-flows-x,other-flows-2026.11.20',
      'PREFIX-flows-x,*',
      'PREFIX-saved-queries',
      'PREFIX-flows-2024.13.45',
      '*',
      '_all',
      randomText(g, 20),
    ]);
    path = `/${g.pick(['flow', 'api/flow'])}/${enc(index)}/${enc(g.chance(0.5) ? 'abcdefghijkl' : randomText(g, 30))}`;
  } else if (k < 86)
    path = `/${g.pick(['saved', 'api/saved'])}/${enc(g.chance(0.5) ? 'constructor' : randomText(g, 30))}`;
  else if (k < 88) path = g.pick(['/export.csv', '/api/export']);
  else if (k < 90)
    path = g.pick([
      '/status',
      '/api/status',
      '/saved',
      '/api/saved',
      '/nope',
      '/static/../package.json',
      '/%2e%2e/%2e%2e/etc/passwd',
    ]);
  else if (k < 93)
    path = g.pick([
      '/alerts',
      '/api/alerts',
      '/api/detectors',
      '/api/monitors',
      `/api/monitors/${enc(g.chance(0.5) ? 'constructor' : randomText(g, 30))}`,
    ]);
  else path = `/api/search`;
  const s = qs.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

let f: WebFixture;
let server: ChildProcess;
let base: string;
let exited: number | null | undefined;
const serverLog: string[] = [];

beforeAll(async () => {
  // Enough flows for every report to have rows; few, so setup stays quick.
  f = await webFixture(__filename, 500);
  server = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      FLOWDEX_PREFIX: f.cluster.prefix,
      FLOWDEX_AUTH: '',
      FLOWDEX_TOKEN: '',
      FLOWDEX_AUTH_FILE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.on('exit', (code) => {
    exited = code;
  });
  server.stderr?.on('data', (d: Buffer) => serverLog.push(d.toString()));
  const [line] = (await once(server.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  base = line.toString().trim().replace(/\/$/, '');
});

afterAll(async () => {
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await f.cluster.cleanup();
});

test(`${REQUESTS} generated requests: no server error, no crash, nothing unescaped, node green`, async () => {
  const g = new Gen(rng(SEED));
  const dataRange = { from: new Date(START).toISOString(), to: new Date(START + 6 * 3600_000).toISOString() };
  const urls = Array.from({ length: REQUESTS }, () => url(g, dataRange).replace(/PREFIX-/g, f.cluster.prefix));
  const latencies: number[] = [];
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const u = urls[next++] as string;
      const t = performance.now();
      let status: number;
      let body = '';
      try {
        const res = await fetch(base + u, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
        status = res.status;
        body = await res.text();
        // Pages must escape every payload; JSON may quote it (it is data there, not markup).
        if (res.headers.get('content-type')?.startsWith('text/html') && body.includes(MARK))
          failures.push(`unescaped payload in ${u.slice(0, 200)}`);
      } catch (e) {
        status = -1;
        body = String(e);
      }
      latencies.push(performance.now() - t);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 || status < 0) failures.push(`${status} ${u.slice(0, 300)} → ${body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  // The node survived with this test's indices whole; other test files' indices (starting shards,
  // a fault test's leftovers) are theirs to judge. The client waits longer than the server does.
  const health = (
    await f.cluster.client.cluster.health(
      { index: `${f.cluster.prefix}*`, wait_for_status: 'green', timeout: '60s' },
      { requestTimeout: 90_000 },
    )
  ).body as { status: string };
  process.stderr.write(
    `fuzz: ${urls.length} requests in ${(wall / 1000).toFixed(1)} s, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}, ` +
      `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(1)} ms, node ${health.status}\n`,
  );
  expect(failures.slice(0, 20)).toEqual([]);
  expect(exited).toBeUndefined();
  expect(server.exitCode).toBeNull();
  expect(health.status).toBe('green');
  // Every request was answered, most of them by validation, some by real searches.
  expect(latencies).toHaveLength(REQUESTS);
  expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 20);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 4);
});
