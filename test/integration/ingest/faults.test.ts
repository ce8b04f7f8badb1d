import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, testCluster } from '../../support/opensearch';
import { HttpFaultProxy, TcpProxy } from '../../support/proxy';
import { useStore } from '../../support/store';

/**
 * The fault matrix of one indexer run against the shared node: the indexer killed, a write block
 * appearing and lifted, the node unreachable for a while, rollup writes refused. Each ends with
 * the exact count and no duplicates. The node itself is never touched: outages are a proxy's.
 * Faults are started on events (documents indexed, a line on stderr), never after a sleep.
 */
const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-faults-'));
useStore(tc, dir);

const DAY_INDEX = 'flows-2024.03.01';
const file = path.join(dir, 'flows.pcap');
let records = 0;

beforeAll(() => {
  const g = spawnSync(
    'node',
    [
      CLI,
      'generate',
      '--flows',
      '10000',
      '--start',
      '2024-03-01T00:00:00Z',
      '--span',
      '2h',
      '--format',
      'netflow-v5-pcap',
      '--out',
      file,
    ],
    { encoding: 'utf8' },
  );
  expect(g.status).toBe(0);
  records = Number(/\((\d+) records/.exec(g.stderr)?.[1]);
  expect(records).toBeGreaterThan(10_000);
});

interface Run {
  child: ChildProcess;
  /** stderr lines so far. */
  lines: string[];
  /** Resolves with the first stderr line (from line `from` on) matching `re`. */
  line(re: RegExp | ((l: string) => boolean), from?: number): Promise<string>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs not yet ended: a case that fails or times out must not leave one writing into the shared node. */
const live = new Set<Run>();
afterEach(async () => {
  for (const r of live) {
    r.child.kill('SIGKILL');
    await r.done;
    console.log(`killed a run left over by the case: ${r.child.spawnargs.join(' ')}\n${r.lines.join('\n')}`);
  }
});

function run(args: string[], env: Record<string, string>): Run {
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, ...env } });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; from: number; resolve: (l: string) => void }[] = [];
  let stdout = '';
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters])
        if (lines.length - 1 >= w.from && w.test(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr: [...lines, partial].join('\n') })),
  );
  const r: Run = {
    child,
    lines,
    done,
    line(re, from = 0) {
      const test = typeof re === 'function' ? re : (l: string) => re.test(l);
      const seen = lines.slice(from).find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, from, resolve });
        void done.then(() =>
          reject(new Error(`the run ended without a line matching ${String(re)}:\n${lines.join('\n')}`)),
        );
      });
    },
  };
  live.add(r);
  void done.then(() => live.delete(r));
  return r;
}

/** Polls a real condition of the store (documents indexed, a setting), not the clock. */
async function until(what: string, cond: () => Promise<boolean>, r?: Run): Promise<void> {
  let ended = false;
  void r?.done.then(() => (ended = true));
  while (!(await cond())) {
    if (ended) throw new Error(`the run ended before ${what}:\n${r?.lines.join('\n')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Index operations the node has applied to a prefix's flow indices (seen before any refresh). */
async function indexed(prefix: string): Promise<number> {
  const res = await tc.client.indices.stats({ index: `${prefix}flows-*`, metric: 'indexing' }, { ignore: [404] });
  const body = res.body as { _all?: { primaries?: { indexing?: { index_total?: number } } } };
  return body._all?.primaries?.indexing?.index_total ?? 0;
}

async function count(prefix: string, refresh = true): Promise<number> {
  if (refresh) await tc.client.indices.refresh({ index: `${prefix}flows-*` });
  const res = await tc.client.count({ index: `${prefix}flows-*` });
  return (res.body as { count: number }).count;
}

async function refreshInterval(index: string): Promise<string | undefined> {
  const res = await tc.client.indices.getSettings({ index, name: 'index.refresh_interval', flat_settings: true });
  return (res.body as Record<string, { settings?: Record<string, string> }>)[index]?.settings?.[
    'index.refresh_interval'
  ];
}

interface Summary {
  read: number;
  indexed: number;
  duplicates: number;
  rejected: number;
  dead_letter: string | null;
  rollups: string;
}

/** The run's `--json` summary, after checking that it adds up to every record of the file. */
function summaryOf(stdout: string): Summary {
  const s = JSON.parse(stdout) as Summary;
  expect(s.read).toBe(records);
  expect(s.rejected).toBe(0);
  expect(s.indexed + s.duplicates).toBe(s.read);
  return s;
}

/** Sum of `flows` over one rollup spec: every indexed flow counted once. */
async function rolledUp(prefix: string, spec = 'traffic-1h'): Promise<number> {
  const res = await tc.client.search({
    index: `${prefix}rollup-${spec}`,
    body: { size: 0, aggs: { flows: { sum: { field: 'flows' } } } },
  });
  return (res.body as unknown as { aggregations: { flows: { value: number } } }).aggregations.flows.value;
}

function envFor(prefix: string, url?: string): Record<string, string> {
  return { FLOWDEX_PREFIX: prefix, ...(url ? { OPENSEARCH_URL: url } : {}) };
}

test('indexer killed (kill -9) mid-run: the next command turns refresh back on; a rerun completes the exact count', async () => {
  const prefix = `${tc.prefix}kill-`;
  const index = `${prefix}${DAY_INDEX}`;
  const dl = path.join(dir, 'kill.dl.ndjson');
  const first = run(['index', file, '--json', '--max-rate', '3000', '--dead-letter', dl], envFor(prefix));
  await until('4000 flows were indexed', async () => (await indexed(prefix)) >= 4000, first);
  first.child.kill('SIGKILL');
  expect((await first.done).signal).toBe('SIGKILL');
  expect(await refreshInterval(index)).toBe('-1');

  const status = spawnSync('node', [CLI, 'status', '--json'], { env: { ...process.env, ...envFor(prefix) } });
  expect(status.status).toBe(0);
  expect(status.stderr.toString()).toMatch(/refresh was left off .* turned back on for .*flows-2024\.03\.01/);
  const s = JSON.parse(status.stdout.toString()) as {
    refresh: { relaxed: unknown[]; last_restore: { indices: string[] } | null };
  };
  expect(s.refresh.relaxed).toEqual([]);
  expect(s.refresh.last_restore?.indices).toEqual([index]);
  expect(await refreshInterval(index)).not.toBe('-1');
  // Searchable without anyone refreshing: the repair refreshed what the killed run had stored.
  const visible = await count(prefix, false);
  expect(visible).toBeGreaterThanOrEqual(4000);

  const again = spawnSync('node', [CLI, 'index', file, '--json', '--dead-letter', dl], {
    env: { ...process.env, ...envFor(prefix) },
    encoding: 'utf8',
  });
  expect(again.status).toBe(0);
  const sum = summaryOf(again.stdout);
  // The killed run's last request may still have landed after the count.
  expect(sum.duplicates).toBeGreaterThanOrEqual(visible);
  expect(await count(prefix)).toBe(records);
  expect(await refreshInterval(index)).not.toBe('-1');
  expect(existsSync(dl)).toBe(false);
  expect(await rolledUp(prefix)).toBe(records);
  console.log(`fault kill -9: ${visible} visible after the repair; rerun ${JSON.stringify(sum)}; _count ${records}`);
});

/** Indexed once the run has written `at` flows: slow enough for the fault to land mid-run. */
const SLOW = ['--max-rate', '1000'];

/** The seconds a wait line says the run has waited, or -1 for any other line. */
function waited(line: string): number {
  const m = /^OpenSearch not accepting writes .*\(waited (\d+) s\)$/.exec(line);
  return m ? Number(m[1]) : -1;
}

/**
 * The end of every fault case: the run succeeded, every record is stored exactly once, rolled up
 * once, nothing went to the dead-letter file, and refresh is back on.
 */
async function expectWhole(prefix: string, r: Run, dl: string): Promise<Summary> {
  const { code, stdout } = await r.done;
  expect({ code, stderr: r.lines.join('\n') }).toEqual({ code: 0, stderr: expect.any(String) as string });
  const sum = summaryOf(stdout);
  expect(sum.rollups).toBe('kept');
  expect(await count(prefix)).toBe(records);
  expect(existsSync(dl)).toBe(false);
  expect(await rolledUp(prefix)).toBe(records);
  expect(await refreshInterval(`${prefix}${DAY_INDEX}`)).not.toBe('-1');
  return sum;
}

describe.each([
  { name: 'write block', setting: 'index.blocks.write', refusal: /cluster_block_exception.*index write \(api\)/ },
  {
    name: 'flood-stage read-only',
    setting: 'index.blocks.read_only_allow_delete',
    refusal: /cluster_block_exception.*read-only-allow-delete/,
  },
])('$name', ({ name, setting, refusal }) => {
  test(`${setting} set mid-run and lifted 20 s later: the run waits it out, exact count`, async () => {
    const prefix = `${tc.prefix}${setting.replace(/\W+/g, '-')}-`;
    const index = `${prefix}${DAY_INDEX}`;
    const dl = path.join(dir, `${setting}.dl.ndjson`);
    const r = run(['index', file, '--json', ...SLOW, '--dead-letter', dl], envFor(prefix));
    await until('2000 flows were indexed', async () => (await indexed(prefix)) >= 2000, r);
    await tc.client.indices.putSettings({ index, body: { [setting]: true } });
    const first = await r.line((l) => waited(l) >= 0);
    expect(first).toMatch(refusal);
    // Lifted once the run has reported waiting for 20 s: several rounds of retries were refused.
    await r.line((l) => waited(l) >= 20);
    const stored = await indexed(prefix);
    await tc.client.indices.putSettings({ index, body: { [setting]: null } });
    expect(await r.line(/^OpenSearch accepting writes again after \d+ s$/)).toBeTruthy();
    const sum = await expectWhole(prefix, r, dl);
    const waits = r.lines.filter((l) => waited(l) >= 0);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    console.log(
      `fault ${name}: ${stored} flows stored when lifted; ${waits.length} wait lines; ${JSON.stringify(sum)}; _count ${records}`,
    );
  });
});

test('OpenSearch unreachable for 60 s (connections refused): the run says so while it waits, exact count', async () => {
  const prefix = `${tc.prefix}away-`;
  const dl = path.join(dir, 'away.dl.ndjson');
  const node = new URL(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200');
  const proxy = new TcpProxy({ host: node.hostname, port: Number(node.port || 9200) });
  await proxy.start();
  try {
    const r = run(['index', file, '--json', ...SLOW, '--dead-letter', dl], envFor(prefix, proxy.url));
    await until('2000 flows were indexed', async () => (await indexed(prefix)) >= 2000, r);
    await proxy.stop();
    // The first failure may be a request cut off in flight; every later one is a refused connection.
    expect(await r.line((l) => waited(l) >= 0)).toMatch(
      /^OpenSearch not accepting writes \(unreachable: .*\); retrying for \d+ s more/,
    );
    expect(await r.line(/^OpenSearch not accepting writes \(unreachable: .*ECONNREFUSED.*\); retrying/)).toBeTruthy();
    await r.line((l) => waited(l) >= 60);
    await proxy.start();
    const back = await r.line(/^OpenSearch accepting writes again after \d+ s$/);
    expect(Number(/after (\d+) s/.exec(back)?.[1])).toBeGreaterThanOrEqual(60);
    const sum = await expectWhole(prefix, r, dl);
    const waits = r.lines.filter((l) => waited(l) >= 0);
    expect(waits.every((l) => l.startsWith('OpenSearch not accepting writes (unreachable: '))).toBe(true);
    console.log(
      `fault unreachable 60 s: ${waits.length} wait lines; ${back}; ${JSON.stringify(sum)}; _count ${records}`,
    );
  } finally {
    await proxy.stop();
  }
});

/** A circuit breaker's answer, as OpenSearch gives it when a request would take too much heap. */
const BREAKER = {
  status: 429,
  body: {
    error: {
      type: 'circuit_breaking_exception',
      reason: '[parent] Data too large, data for [<http_request>] would be larger than limit',
      bytes_wanted: 1,
      bytes_limit: 1,
      durability: 'TRANSIENT',
    },
    status: 429,
  },
};

/** A fault proxy answering the breaker to the first `times` rollup bulk writes of `prefix`. */
function rollupBreaker(prefix: string, times: number): HttpFaultProxy {
  const proxy: HttpFaultProxy = new HttpFaultProxy(
    new URL(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200'),
    (req, body) =>
      proxy.injected < times && !!req.url?.startsWith('/_bulk') && body.includes(`"_index":"${prefix}rollup-`),
    BREAKER,
  );
  return proxy;
}

test('a transient 429 (circuit breaker) on rollup writes: retried, exit 0 with the summary', async () => {
  const prefix = `${tc.prefix}breaker-`;
  const dl = path.join(dir, 'breaker.dl.ndjson');
  const proxy = rollupBreaker(prefix, 3);
  await proxy.start();
  try {
    const r = run(['index', file, '--json', '--dead-letter', dl], envFor(prefix, proxy.url));
    const sum = await expectWhole(prefix, r, dl);
    expect(proxy.injected).toBe(3);
    expect(r.lines.find((l) => waited(l) >= 0)).toMatch(
      /^OpenSearch not accepting writes \(HTTP 429 circuit_breaking_exception: \[parent\] Data too large/,
    );
    console.log(`fault rollup 429 x3: ${JSON.stringify(sum)}; _count ${records}`);
  } finally {
    await proxy.stop();
  }
});

test('a 429 on rollup writes that outlasts --give-up-after: exit 3 with the summary; `flowdex rollup` completes them', async () => {
  const prefix = `${tc.prefix}breaker-long-`;
  const dl = path.join(dir, 'breaker-long.dl.ndjson');
  const proxy = rollupBreaker(prefix, Number.POSITIVE_INFINITY);
  await proxy.start();
  try {
    const r = run(['index', file, '--json', '--give-up-after', '5s', '--dead-letter', dl], envFor(prefix, proxy.url));
    const { code, stdout } = await r.done;
    expect({ code, stderr: r.lines.join('\n') }).toEqual({
      code: 3,
      stderr: expect.stringContaining('rollups could not be written') as string,
    });
    const sum = summaryOf(stdout);
    expect(sum.rollups).toBe('dirty');
    expect(proxy.injected).toBeGreaterThan(0);
    expect(await count(prefix)).toBe(records);
    expect(existsSync(dl)).toBe(false);
  } finally {
    await proxy.stop();
  }
  const repair = run(['rollup'], envFor(prefix));
  expect((await repair.done).code).toBe(0);
  expect(await rolledUp(prefix)).toBe(records);
});
