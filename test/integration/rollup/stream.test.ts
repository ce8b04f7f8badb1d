import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeGenerated } from '../../../src/generate/output';
import { runReport, type ReportRequest } from '../../../src/report/run-report';
import { readDirty } from '../../../src/rollup/state';
import { CLI, testCluster } from '../../support/opensearch';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-rollup-stream-'));
const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix };
const HOUR = 3_600_000;
const DAY = Date.UTC(2024, 4, 6);

afterAll(async () => {
  await tc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function generate(name: string, flows: number, start: number, seed: number): Promise<string> {
  const file = path.join(dir, name);
  const out = createWriteStream(file);
  await writeGenerated('netflow-v5-pcap', { flows, start, spanMs: 12 * HOUR, seed }, (c) => void out.write(c));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return file;
}

async function rawCount(): Promise<number> {
  await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });
  return (await tc.client.count({ index: `${tc.prefix}flows-*` })).body.count;
}

/** Flows the rollup documents of a spec stand for, read from the documents themselves (no planner). */
async function rolledUp(spec: string): Promise<number> {
  const index = `${tc.prefix}rollup-${spec}`;
  await tc.client.indices.refresh({ index });
  const res = await tc.client.search({
    index,
    body: { size: 0, aggs: { flows: { sum: { field: 'flows' } } } },
  } as Parameters<typeof tc.client.search>[0]);
  return (res.body as unknown as { aggregations: { flows: { value: number } } }).aggregations.flows.value;
}

const iso = (t: number) => new Date(t).toISOString();

async function expectPlannedEqualsRaw(req: ReportRequest): Promise<void> {
  const planned = await runReport(tc.client, tc.config, req, DAY + 2 * 24 * HOUR);
  const raw = await runReport(tc.client, tc.config, { ...req, raw: true }, DAY + 2 * 24 * HOUR);
  expect(planned.served_by.some((i) => i.includes('rollup-'))).toBe(true);
  expect(planned.rows).toEqual(raw.rows);
}

test('kill -9 of the indexer between bulk responses and the rollup write: the next run repairs; a repeated file adds nothing', async () => {
  const a = await generate('a.pcap', 2000, DAY, 1);
  const b = await generate('b.pcap', 12_000, DAY + 6 * HOUR, 2);
  const first = spawnSync('node', [CLI, 'index', a, '--json'], { env, encoding: 'utf8' });
  expect(first.status).toBe(0);
  const afterA = await rawCount();
  expect(await rolledUp('talkers-1d')).toBe(afterA);

  // B overlaps A's hours. Killed as soon as the node holds some of its flows: they were
  // acknowledged, while the day's rollup buckets are still held in the indexer's memory.
  const child = spawn('node', [CLI, 'index', b, '--json'], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  while ((await rawCount()) === afterA) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGKILL');
  await exited;
  const killed = await rawCount();
  expect(await rolledUp('talkers-1d')).toBeLessThan(killed);
  const marks = await readDirty(tc.client, tc.prefix);
  expect(marks.map((m) => m.owner?.pid)).toEqual([child.pid]);
  expect(marks[0]?.buckets.length).toBeGreaterThan(0);

  // The rerun finds most of B already there (duplicates, never counted), repairs the killed
  // run's buckets from raw flows first, and leaves no marks behind.
  const again = spawnSync('node', [CLI, 'index', b, '--json'], { env, encoding: 'utf8' });
  expect(again.status).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ rejected: 0 });
  expect(JSON.parse(again.stdout).duplicates).toBeGreaterThan(0);
  // A repeated file: all duplicates, rollups unchanged.
  const repeat = spawnSync('node', [CLI, 'index', a, '--json'], { env, encoding: 'utf8' });
  expect(JSON.parse(repeat.stdout)).toMatchObject({ indexed: 0 });
  expect(await readDirty(tc.client, tc.prefix)).toEqual([]);
  const total = await rawCount();
  for (const spec of ['traffic-1m', 'traffic-1h', 'sources-1d', 'destinations-1d', 'services-1d', 'talkers-1d'])
    expect(await rolledUp(spec)).toBe(total);

  const day = { from: iso(DAY), to: iso(DAY + 24 * HOUR) };
  await expectPlannedEqualsRaw({ report: 'traffic', ...day, interval: '1d' });
  await expectPlannedEqualsRaw({ report: 'top-pairs', ...day, top: 20 });
  await expectPlannedEqualsRaw({ report: 'top-services', ...day, top: 20 });
  // NetFlow v5 exports a conversation as a request and a reply flow; the reply's destination
  // port is the client's ephemeral one. Both count for the server's port: 443/tcp holds every
  // flow with 443 on either end (the generator's other end is always an ephemeral port).
  const services = await runReport(
    tc.client,
    tc.config,
    { report: 'top-services', ...day, top: 10000 },
    DAY + 2 * 24 * HOUR,
  );
  const rawServices = await runReport(
    tc.client,
    tc.config,
    { report: 'top-services', ...day, top: 10000, raw: true },
    DAY + 2 * 24 * HOUR,
  );
  expect(services.rows).toEqual(rawServices.rows);
  const count = async (ends: string[]) =>
    (
      await tc.client.count({
        index: `${tc.prefix}flows-*`,
        body: {
          query: {
            bool: {
              filter: [
                { term: { 'network.transport': 'tcp' } },
                { range: { '@timestamp': { gte: DAY, lt: DAY + 24 * HOUR } } },
              ],
              should: ends.map((f) => ({ term: { [f]: 443 } })),
              minimum_should_match: 1,
            },
          },
        },
      })
    ).body.count;
  const https = services.rows.find((r) => r.port === 443 && r.transport === 'tcp');
  const toHttps = await count(['destination.port']);
  expect(https?.flows).toBe(await count(['destination.port', 'source.port']));
  expect(https?.flows).toBeGreaterThan(toHttps);
  await expectPlannedEqualsRaw({ report: 'web-servers', ...day, top: 20 });
  await expectPlannedEqualsRaw({
    report: 'traffic',
    from: iso(DAY + 5 * HOUR),
    to: iso(DAY + 9 * HOUR),
    interval: '15m',
  });
});
