import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { decodeSegment } from '../../../src/collect/spool';
import { loadConfig } from '../../../src/config';
import { TEMPLATE_EVERY, TemplateEncoder, V5Encoder } from '../../../src/generate/encode-netflow';
import { normalize } from '../../../src/model/normalize';
import { ExportDecoder } from '../../../src/readers/export-decoder';
import { createClient } from '../../../src/store/client';
import { CLI, testCluster } from '../../support/opensearch';
import { useStore } from '../../support/store';
import { flowRecords } from '../ingest/fixtures';
import { HANG_MS, indexedIds, sendDatagrams, settled, startCollector, tempDir, waitFor } from './support';

/**
 * Faults behind and in front of the collector: OpenSearch unreachable (a proxy that refuses, then
 * forwards to the shared node — the node itself is never stopped), the collector killed with
 * SIGKILL mid-replay, an exporter that restarts (sequence reset), and a restart that must decode
 * data sent before the exporter repeats its templates.
 */
const tc = testCluster(__filename);
const tmp = tempDir('collect-faults');
const NODE = new URL(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200');

useStore(tc, tmp);

/** A TCP front for the node: `down` resets every connection, `up` forwards. */
async function proxy(): Promise<{ url: string; setUp(up: boolean): void; close(): Promise<void> }> {
  let up = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((c) => {
    open.add(c);
    c.on('close', () => open.delete(c));
    if (!up) return c.resetAndDestroy();
    const s = net.connect(Number(NODE.port || 9200), NODE.hostname);
    c.on('close', () => s.destroy());
    c.on('error', () => s.destroy());
    s.on('error', () => c.destroy());
    c.pipe(s).pipe(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setUp: (v) => void (up = v),
    close: async () => {
      for (const c of open) c.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** NetFlow v5 datagrams of distinct flows from one exporter boot, and the ids they must index as. */
function v5Export(n: number, seed: number, bootMs: number): { datagrams: Buffer[]; ids: string[] } {
  const datagrams: Buffer[] = [];
  const enc = new V5Encoder({ bootMs }, (d) => datagrams.push(Buffer.from(d)));
  for (const r of flowRecords(n, 1, seed)) enc.add(r);
  enc.flush();
  return { datagrams, ids: decodedIds(datagrams) };
}

function decodedIds(datagrams: Buffer[]): string[] {
  const dec = new ExportDecoder();
  const ids: string[] = [];
  for (const d of datagrams)
    for (const item of dec.decode(d, { file: 'x', base: 0, exporter: '127.0.0.1' }))
      if (item.kind === 'flow') ids.push(normalize(item.record).id);
  return ids;
}

async function clearFlows(): Promise<void> {
  const cat = await tc.client.cat.indices({ index: `${tc.prefix}flows-*`, format: 'json' }, { ignore: [404] });
  const names = ((cat.body as { index?: string }[] | undefined) ?? [])
    .map((i) => i.index)
    .filter((x): x is string => !!x);
  if (names.length) await tc.client.indices.delete({ index: names.join(',') });
}

const T_BOOT = Date.UTC(2024, 2, 9);

test('OpenSearch unreachable during a replay, then back: every flow indexed once; an exporter restart is a reset, not a loss', async () => {
  await clearFlows();
  const p = await proxy();
  const client = createClient(loadConfig({ opensearch: p.url, prefix: tc.prefix }));
  const first = v5Export(3000, 1, T_BOOT);
  // The exporter reboots: its sequence starts again at 0 and its uptime is small.
  const second = v5Export(3000, 2, T_BOOT + 20 * 3_600_000);
  const collector = await startCollector(client, tc.config, path.join(tmp, 'unreachable'));
  try {
    await sendDatagrams(collector.ports[0] ?? 0, [...first.datagrams, ...second.datagrams]);
    const all = first.datagrams.length + second.datagrams.length;
    await waitFor(
      'the datagrams to be spooled while OpenSearch is down',
      () => collector.stats().totals.datagrams === all && collector.stats().opensearch !== 'ok',
      HANG_MS,
      () => collector.stats(),
    );
    expect(collector.stats().totals.indexed).toBe(0);
    p.setUp(true);
    await waitFor(
      'the spool to drain',
      () => settled(collector.stats(), all),
      HANG_MS,
      () => collector.stats(),
    );
    const s = collector.stats();
    expect(s.totals.flows).toBe(first.ids.length + second.ids.length);
    expect(s.totals.indexed + s.totals.duplicates).toBe(s.totals.flows);
    expect(s.totals.rejected).toBe(0);
    expect(s.exporters[0]?.sequence).toEqual({ lost: 0, reordered: 0, resets: 1, streams: 1 });
  } finally {
    await collector.stop();
    await client.close();
    await p.close();
  }
  expect((await indexedIds(tc.client, tc.prefix)).sort()).toEqual([...first.ids, ...second.ids].sort());
});

/** Payload of the newest datagram in the spool directory. */
function lastSpooled(dir: string): Buffer | undefined {
  const segs = readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();
  const newest = segs[segs.length - 1];
  if (!newest) return undefined;
  const d = decodeSegment(readFileSync(path.join(dir, newest))).datagrams;
  return d[d.length - 1]?.payload;
}

function cliCollector(
  url: string,
  spool: string,
  port: number,
): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(
    'node',
    [CLI, 'collect', '--listen', `127.0.0.1:${port}`, '--spool', spool, '--status-every', '1s'],
    {
      env: { ...process.env, OPENSEARCH_URL: url, FLOWDEX_PREFIX: tc.prefix },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => err, exited };
}

test('collector killed with SIGKILL mid-replay: the next start replays the spool, exact totals', async () => {
  await clearFlows();
  const p = await proxy();
  const spool = path.join(tmp, 'killed');
  const port = 31000 + (process.pid % 4000);
  const exp = v5Export(6000, 3, T_BOOT);
  const a = cliCollector(p.url, spool, port);
  try {
    await waitFor('the collector to listen', () => a.stderr().includes('listening on'));
    await sendDatagrams(port, exp.datagrams.slice(0, 150));
    // Half indexed, then OpenSearch goes away and the rest piles up in the spool.
    p.setUp(true);
    await waitFor('some flows to be indexed', async () => (await indexedIds(tc.client, tc.prefix)).length > 0);
    p.setUp(false);
    await sendDatagrams(port, exp.datagrams.slice(150));
    const last = exp.datagrams[exp.datagrams.length - 1] ?? Buffer.alloc(0);
    await waitFor(
      'the rest to be on disk',
      () => lastSpooled(spool)?.equals(last) === true,
      HANG_MS,
      () => a.stderr().slice(-500),
    );
    a.child.kill('SIGKILL');
    await a.exited;
  } finally {
    // A failed wait must not leave a collector writing into the shared node after the test.
    if (a.child.exitCode === null) a.child.kill('SIGKILL');
    await p.close();
  }
  expect(readdirSync(spool).some((f) => f.endsWith('.seg'))).toBe(true);
  const b = cliCollector(NODE.toString(), spool, port);
  try {
    await waitFor(
      'the spool to be replayed',
      async () => (await indexedIds(tc.client, tc.prefix)).length >= exp.ids.length,
      HANG_MS,
      () => b.stderr().slice(-500),
    );
  } finally {
    b.child.kill('SIGTERM');
  }
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toMatch(/replaying \d+ spool segments/);
  expect(readdirSync(spool).filter((f) => f.endsWith('.seg'))).toEqual([]);
  expect((await indexedIds(tc.client, tc.prefix)).sort()).toEqual([...exp.ids].sort());
});

test('a restarted collector decodes IPFIX data that arrives before the exporter repeats its templates', async () => {
  await clearFlows();
  const enc = new TemplateEncoder(true, { bootMs: T_BOOT });
  const records = flowRecords(16 * TEMPLATE_EVERY * 2, 1, 4);
  const datagrams: Buffer[] = [];
  for (let i = 0; i < records.length; i += 16) datagrams.push(Buffer.from(enc.encode(records.slice(i, i + 16))));
  const ids = decodedIds(datagrams);
  // The first datagram carries the templates; the next TEMPLATE_EVERY - 1 do not.
  const before = datagrams.slice(0, 2);
  const after = datagrams.slice(2, TEMPLATE_EVERY);
  const spool = path.join(tmp, 'templates');
  const one = await startCollector(tc.client, tc.config, spool);
  await sendDatagrams(one.ports[0] ?? 0, before);
  await waitFor('the first collector to index', () => settled(one.stats(), before.length));
  expect(one.stats().exporters[0]?.templates).toBeGreaterThan(0);
  await one.stop();
  const two = await startCollector(tc.client, tc.config, spool, { holdTemplateMs: 1 });
  try {
    await sendDatagrams(two.ports[0] ?? 0, after);
    await waitFor(
      'the second collector to index',
      () => settled(two.stats(), after.length),
      HANG_MS,
      () => two.stats(),
    );
    const s = two.stats();
    expect(s.totals.bad_datagrams).toBe(0);
    expect(s.totals.flows).toBe(16 * after.length);
  } finally {
    await two.stop();
  }
  expect((await indexedIds(tc.client, tc.prefix)).sort()).toEqual(ids.slice(0, 16 * TEMPLATE_EVERY).sort());
});
