import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, testCluster } from '../../support/opensearch';
import { flowRecords, nprobeLines } from './fixtures';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-index-cli-'));
const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix };

afterAll(async () => {
  await tc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function count(): Promise<number> {
  await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });
  const res = await tc.client.count({ index: `${tc.prefix}flows-*` });
  return (res.body as { count: number }).count;
}

test('malformed records in the middle go to the dead-letter file; exit 3; the summary adds up', () => {
  const lines = nprobeLines(flowRecords(500, 2, 3))
    .trim()
    .split('\n');
  lines.splice(
    250,
    0,
    '{"FIRST_SWITCHED": oops',
    JSON.stringify({ FIRST_SWITCHED: 1710028800, IPV4_SRC_ADDR: '10.0.0.300', IPV4_DST_ADDR: '10.0.0.1' }),
  );
  const file = path.join(dir, 'mixed.json');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = spawnSync('node', [CLI, 'index', file, '--format', 'nprobe', '--json'], { env, encoding: 'utf8' });
  expect(r.stderr).toMatch(/INGEST|rejected/);
  expect(r.status).toBe(3);
  const summary = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(summary).toMatchObject({
    read: 502,
    indexed: 500,
    duplicates: 0,
    rejected: 2,
    dead_letter: `${file}.dead-letter.ndjson`,
  });
  const dead = readFileSync(`${file}.dead-letter.ndjson`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { reason: string; file: string; line: number });
  expect(dead.map((d) => [d.file, d.line])).toEqual([
    [file, 251],
    [file, 252],
  ]);
  for (const d of dead) expect(d.reason.length).toBeGreaterThan(5);
});

test('a clean file exits 0 and creates no dead-letter file; the second run only finds duplicates', async () => {
  const file = path.join(dir, 'clean.json');
  writeFileSync(file, nprobeLines(flowRecords(300, 1, 4)));
  const before = await count();
  const first = spawnSync('node', [CLI, 'index', file, '--json'], { env, encoding: 'utf8' });
  expect(first.status).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ read: 300, indexed: 300, rejected: 0, dead_letter: null });
  expect(existsSync(`${file}.dead-letter.ndjson`)).toBe(false);
  const second = spawnSync('node', [CLI, 'index', path.join(dir, 'cle?n.*'), '--json'], { env, encoding: 'utf8' });
  expect(JSON.parse(second.stdout)).toMatchObject({ read: 300, indexed: 0, duplicates: 300 });
  expect(await count()).toBe(before + 300);
});

test('--follow indexes files dropped into a directory once, and resumes after a restart without duplicates', async () => {
  const watched = mkdtempSync(path.join(dir, 'watch-'));
  const start = () => {
    const child = spawn('node', [CLI, 'index', '--follow', watched, '--json'], { env });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const waitFor = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (re.test(err)) {
            clearInterval(t);
            resolve();
          }
          if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(`follower exited: ${err}`));
          }
        }, 100);
      });
    const stop = () =>
      new Promise<number | null>((resolve) => (child.once('exit', (code) => resolve(code)), child.kill('SIGTERM')));
    return { waitFor, stop, err: () => err };
  };
  const drop = (name: string, seed: number, n: number) => {
    // Written elsewhere, then renamed in, as a collector would.
    const tmp = path.join(dir, `${name}.tmp`);
    writeFileSync(tmp, nprobeLines(flowRecords(n, 1, seed)));
    renameSync(tmp, path.join(watched, name));
  };
  const before = await count();
  const a = start();
  await a.waitFor(/following/);
  drop('a.json', 20, 200);
  await a.waitFor(/a\.json: 200 read, 200 indexed/);
  drop('b.json', 21, 100);
  await a.waitFor(/b\.json: 100 read, 100 indexed/);
  expect(await a.stop()).toBe(0);
  expect(await count()).toBe(before + 300);

  drop('c.json', 22, 50);
  const b = start();
  await b.waitFor(/c\.json: 50 read, 50 indexed/);
  expect(b.err()).toMatch(/a\.json: already indexed/);
  expect(b.err()).toMatch(/b\.json: already indexed/);
  expect(await b.stop()).toBe(0);
  expect(await count()).toBe(before + 350);
});

const ASA = path.resolve(__dirname, '../../../../shared/data/datagrams/logstash-codec-netflow');
const asaTest = existsSync(ASA) ? test : test.skip;
if (!existsSync(ASA)) process.stderr.write(`skipping the template-file test: ${ASA} is absent\n`);

// A Cisco ASA exports its NetFlow v9 template and its data in separate datagrams; indexed as two
// files of one run, the data must find the template (groups.json: 14 data records).
asaTest('NetFlow v9 templates carry from one input file to the next', () => {
  const files = ['netflow9_test_cisco_asa_1_tpl.dat', 'netflow9_test_cisco_asa_1_data.dat'].map((f) =>
    path.join(ASA, f),
  );
  const r = spawnSync(
    'node',
    [CLI, 'index', ...files, '--json', '--no-rollup', '--dead-letter', path.join(dir, 'asa.dead.ndjson')],
    { env, encoding: 'utf8' },
  );
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ read: 14, indexed: 14, rejected: 0 });
});
