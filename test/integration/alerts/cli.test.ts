import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { injectedEvents, SCAN_TARGET, SCANNER_V } from '../../../src/generate/events';
import { CLI, testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-alerts-cli-'));
const DAY = Date.UTC(2025, 6, 1);
const SCAN_AT = DAY + 5 * 3_600_000 + 7 * 60_000;
const MODULES = path.resolve(__dirname, '../../../examples/modules');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--prefix', tc.prefix, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENSEARCH_URL: tc.config.opensearchUrl, FLOWDEX_MODULES: MODULES },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

useStore(tc, dir);
beforeAll(async () => {
  await indexRecords(
    tc,
    injectedEvents({ 'vertical-scan': SCAN_AT }, DAY, 5).flatMap((e) => e.flows),
    'scan',
    dir,
  );
});

test('alerts detectors lists built-ins and the modules of FLOWDEX_MODULES', () => {
  const r = run('alerts', 'detectors', '--json');
  expect(r.code).toBe(0);
  const names = r.out
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { name: string }).name);
  expect(names).toEqual([
    'threshold',
    'baseline',
    'volumetric',
    'vertical-scan',
    'horizontal-scan',
    'new-talker',
    'exporter-silent',
    'collector-health',
    'ssh-brute-force',
  ]);
});

test('add, test, run, active, rm', () => {
  expect(
    run('alerts', 'add', 'scans', '--detector', 'vertical-scan', '--schedule', '1h', '--param', 'ports=200').code,
  ).toBe(0);
  const bad = run('alerts', 'add', 'other', '--detector', 'vertical-scan', '--param', 'hosts=3');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/vertical-scan has no parameter "hosts"; it has ports/);

  // Dry run over the scan's hour and the next: one finding, in the first window only.
  const t = run(
    'alerts',
    'test',
    'scans',
    '--from',
    new Date(DAY + 5 * 3_600_000).toISOString(),
    '--to',
    new Date(DAY + 7 * 3_600_000).toISOString(),
    '--json',
  );
  expect(t.code).toBe(0);
  const windows = t.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { from: string; findings: { key: object; value: number }[] });
  expect(windows.map((w) => [w.from, w.findings.map((f) => [f.key, f.value])])).toEqual([
    [new Date(DAY + 5 * 3_600_000).toISOString(), [[{ source: SCANNER_V, destination: SCAN_TARGET }, 300]]],
    [new Date(DAY + 6 * 3_600_000).toISOString(), []],
  ]);
  expect(run('alerts', 'active', '--json').out).toBe(''); // testing stored nothing

  // A short catch-up: the monitor's cursor starts at the scan's hour; only 4 windows are due before `now`.
  // The delay is rounded down so the CLI, started after this line, still sees 09:00 as past.
  const r = run(
    'alerts',
    'run',
    '--once',
    '--since',
    new Date(DAY + 5 * 3_600_000).toISOString(),
    '--stdout',
    '--delay',
    `${Math.floor((Date.now() - (DAY + 9 * 3_600_000)) / 1000)}s`,
  );
  expect(r.code).toBe(0);
  const events = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; id: string; key: object; state: string });
  expect(events.map((e) => [e.event, e.key, e.state])).toEqual([
    ['raised', { source: SCANNER_V, destination: SCAN_TARGET }, 'active'],
    ['resolved', { source: SCANNER_V, destination: SCAN_TARGET }, 'resolved'],
  ]);
  expect(r.err.trim().split('\n')).toHaveLength(4);

  const all = run('alerts', 'active', '--all', '--json')
    .out.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; state: string });
  expect(all.map((a) => [a.id, a.state])).toEqual([[events[0]?.id, 'resolved']]);
  expect(run('alerts', 'rm', 'scans').code).toBe(0);
});
