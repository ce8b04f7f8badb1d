import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDirty } from '../../../src/rollup/state';
import { clusterUrl } from '../../../src/store/client';
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
// Each case is a whole indexer run or two, with the fault in between.
jest.setTimeout(300_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-faults-'));
useStore(tc, dir);

/** How long the node stays unreachable (the retry line must have said so); FLOWDEX_TEST_OUTAGE_S=60 for the full minute. */
const OUTAGE_S = Number(process.env.FLOWDEX_TEST_OUTAGE_S ?? 15);
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
      '40000',
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
  expect(records).toBeGreaterThan(40_000);
});

interface Run {
  child: ChildProcess;
  /** stderr lines so far. */
  lines: string[];
  /** Resolves with the first stderr line (from line `from` on) matching `re`. */
  line(re: RegExp | ((l: string) => boolean), from?: number): Promise<string>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

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
  return {
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

async function putSettings(index: string, settings: Record<string, boolean | null>): Promise<void> {
  await tc.client.transport.request({ method: 'PUT', path: `/${index}/_settings`, body: settings });
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
  const first = run(['index', file, '--json', '--max-rate', '10000', '--dead-letter', dl], envFor(prefix));
  await until('10000 flows were indexed', async () => (await indexed(prefix)) >= 10_000, first);
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
  expect(visible).toBeGreaterThanOrEqual(10_000);

  const again = spawnSync('node', [CLI, 'index', file, '--json', '--dead-letter', dl], {
    env: { ...process.env, ...envFor(prefix) },
    encoding: 'utf8',
  });
  expect(again.status).toBe(0);
  const sum = summaryOf(again.stdout);
  expect(sum.duplicates).toBe(visible);
  expect(await count(prefix)).toBe(records);
  expect(await refreshInterval(index)).not.toBe('-1');
  expect(existsSync(dl)).toBe(false);
  expect(await rolledUp(prefix)).toBe(records);
  console.log(`fault kill -9: ${visible} visible after the repair; rerun ${JSON.stringify(sum)}; _count ${records}`);
});

test('write block, then flood-stage read-only, appearing mid-run and lifted: retried with progress lines, nothing dead-lettered', async () => {
  const prefix = `${tc.prefix}block-`;
  const index = `${prefix}${DAY_INDEX}`;
  const dl = path.join(dir, 'block.dl.ndjson');
  const r = run(['index', file, '--json', '--max-rate', '10000', '--dead-letter', dl], envFor(prefix));
  try {
    await until('10000 flows were indexed', async () => (await indexed(prefix)) >= 10_000, r);
    await putSettings(index, { 'index.blocks.write': true });
    const blocked = await r.line(/OpenSearch not accepting writes \(.*cluster_block_exception.*\); retrying for \d+ s/);
    await putSettings(index, { 'index.blocks.write': null });
    const from = r.lines.length;
    await r.line(/OpenSearch accepting writes again/);
    await putSettings(index, { 'index.blocks.read_only_allow_delete': true });
    const flood = await r.line(/OpenSearch not accepting writes \(.*read-only-allow-delete/, from);
    await putSettings(index, { 'index.blocks.read_only_allow_delete': null });
    const res = await r.done;
    expect(res.code).toBe(0);
    const sum = summaryOf(res.stdout);
    expect(sum.dead_letter).toBeNull();
    expect(existsSync(dl)).toBe(false);
    expect(await count(prefix)).toBe(records);
    console.log(`fault write block: "${blocked}" / "${flood}"; ${JSON.stringify(sum)}; _count ${records}`);
  } finally {
    r.child.kill('SIGKILL');
    await putSettings(index, { 'index.blocks.write': null, 'index.blocks.read_only_allow_delete': null });
  }
});

test(`OpenSearch unreachable for ${OUTAGE_S} s mid-run: progress lines while waiting, then the exact count`, async () => {
  const prefix = `${tc.prefix}outage-`;
  const target = new URL(clusterUrl(tc.config));
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port) });
  await proxy.start();
  const dl = path.join(dir, 'outage.dl.ndjson');
  const r = run(['index', file, '--json', '--max-rate', '10000', '--dead-letter', dl], envFor(prefix, proxy.url));
  try {
    await until('10000 flows were indexed', async () => (await indexed(prefix)) >= 10_000, r);
    await proxy.stop();
    const first = await r.line(/OpenSearch not accepting writes \(unreachable: /);
    const last = await r.line((l) => {
      const m = /OpenSearch not accepting writes \(unreachable: .*waited (\d+) s\)/.exec(l);
      return m !== null && Number(m[1]) >= OUTAGE_S;
    });
    await proxy.start();
    await r.line(/OpenSearch accepting writes again after \d+ s/);
    const res = await r.done;
    expect(res.code).toBe(0);
    const sum = summaryOf(res.stdout);
    expect(sum.dead_letter).toBeNull();
    expect(await count(prefix)).toBe(records);
    console.log(`fault unreachable: "${first}" … "${last}"; ${JSON.stringify(sum)}; _count ${records}`);
  } finally {
    r.child.kill('SIGKILL');
    await proxy.stop();
  }
});

const BREAKER = {
  status: 429,
  body: {
    error: {
      root_cause: [{ type: 'circuit_breaking_exception', reason: '[parent] Data too large (injected by the test)' }],
      type: 'circuit_breaking_exception',
      reason: '[parent] Data too large (injected by the test)',
      bytes_wanted: 1,
      bytes_limit: 1,
      durability: 'TRANSIENT',
    },
    status: 429,
  },
};

const rollupBulk = (prefix: string) => (req: { url?: string }, body: string) =>
  (req.url ?? '').startsWith('/_bulk') && body.includes(`"_index":"${prefix}rollup-`);

test('a transient 429 (circuit breaker) on rollup writes is retried: exit 0, rollups whole', async () => {
  const prefix = `${tc.prefix}breaker-`;
  let left = 3;
  const isRollup = rollupBulk(prefix);
  const proxy = new HttpFaultProxy(
    new URL(clusterUrl(tc.config)),
    (req, body) => isRollup(req, body) && left-- > 0,
    BREAKER,
  );
  await proxy.start();
  try {
    const r = spawnSync('node', [CLI, 'index', file, '--json'], {
      env: { ...process.env, ...envFor(prefix, proxy.url) },
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/OpenSearch not accepting writes \(HTTP 429 circuit_breaking_exception/);
    expect(r.status).toBe(0);
    expect(proxy.injected).toBe(3);
    const sum = summaryOf(r.stdout);
    expect(sum).toMatchObject({ indexed: records, duplicates: 0, rollups: 'kept' });
    expect(await count(prefix)).toBe(records);
    expect(await rolledUp(prefix)).toBe(records);
    console.log(`fault transient 429: ${proxy.injected} refused; ${JSON.stringify(sum)}`);
  } finally {
    await proxy.stop();
  }
});

test('rollup writes refused beyond the retries: every count in the summary, exit 3, buckets dirty; flowdex rollup builds them', async () => {
  const prefix = `${tc.prefix}nobuild-`;
  const proxy = new HttpFaultProxy(new URL(clusterUrl(tc.config)), rollupBulk(prefix), BREAKER);
  await proxy.start();
  const env = { ...process.env, ...envFor(prefix) };
  try {
    const r = spawnSync('node', [CLI, 'index', file, '--json', '--give-up-after', '2s'], {
      env: { ...env, OPENSEARCH_URL: proxy.url },
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/rollups could not be written .*flowdex rollup/);
    expect(r.status).toBe(3);
    const sum = summaryOf(r.stdout);
    expect(sum).toMatchObject({ indexed: records, duplicates: 0, rollups: 'dirty' });
    expect(await count(prefix)).toBe(records);
    // Marked for the repair, owned by no live run.
    const dirty = await readDirty(tc.client, prefix);
    const pending = new Set(dirty.flatMap((d) => d.buckets)).size;
    expect(pending).toBeGreaterThan(0);
    expect(dirty.every((d) => d.owner?.pid === undefined)).toBe(true);
    const repair = spawnSync('node', [CLI, 'rollup'], { env, encoding: 'utf8' });
    expect(repair.status).toBe(0);
    expect(await rolledUp(prefix)).toBe(records);
    console.log(`fault persistent 429: ${JSON.stringify(sum)}; ${pending} buckets pending, rebuilt by flowdex rollup`);
  } finally {
    await proxy.stop();
  }
});
