import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, testCluster } from '../../support/opensearch';
import { describeWithData, SHARED_DATA } from '../../unit/readers/shared-data';

/**
 * Interface speeds an sFlow agent reports in its counter samples reach the top-interfaces report:
 * a real datagram (Telegraf's sflow_issue_15918: generic interface counters of ifIndex 101 at
 * 1 Gb/s beside six flow samples) indexed by the CLI, then reported by the CLI.
 */

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-if-speed-'));
const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix };
const T0 = Date.UTC(2026, 2, 11, 12);
const RANGE = ['--from', new Date(T0 - 1_800_000).toISOString(), '--to', new Date(T0 + 1_800_000).toISOString()];
const SECONDS = 3600;

afterAll(async () => {
  await tc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Row {
  exporter: string;
  interface: number;
  bytes: number;
  speed_bps: number | null;
  utilization_pct: number | null;
}

function topInterfaces(extraEnv: Record<string, string> = {}): Row[] {
  const r = spawnSync('node', [CLI, 'report', 'top-interfaces', ...RANGE, '--format', 'json'], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  expect(r.stderr).not.toMatch(/flowdex: /);
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { rows: Row[] }).rows;
}

describeWithData('interface speeds from sFlow counters', () => {
  const file = path.join(dir, 'message.bin');

  beforeAll(() => {
    // The datagram reader takes the file's time as sFlow's missing clock.
    copyFileSync(path.join(SHARED_DATA, 'datagrams/telegraf/sflow_issue_15918/message.bin'), file);
    utimesSync(file, T0 / 1000, T0 / 1000);
    const r = spawnSync('node', [CLI, 'index', file, '--format', 'datagram', '--json', '--no-rollup'], {
      env,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 6, indexed: 6, rejected: 0 });
  });

  it('gives the interface the agent reported its speed and utilization; the others none', () => {
    const rows = topInterfaces();
    expect(rows.length).toBe(5);
    const reported = rows.filter((r) => r.speed_bps !== null);
    expect(reported.map((r) => [r.interface, r.speed_bps])).toEqual([[101, 1_000_000_000]]);
    const [row] = reported as [Row];
    expect(row.utilization_pct).toBeCloseTo(((row.bytes * 8) / SECONDS / 1e9) * 100, 3);
  });

  it('lets a speed in the networks file win over the reported one', () => {
    const exporter = topInterfaces().find((r) => r.interface === 101)?.exporter as string;
    const networks = path.join(dir, 'networks.yaml');
    writeFileSync(
      networks,
      `exporters:\n  ${exporter}: { interfaces: { 101: { name: uplink, speed: 10000000000 } } }\n`,
    );
    const row = topInterfaces({ FLOWDEX_NETWORKS: networks }).find((r) => r.interface === 101);
    expect(row?.speed_bps).toBe(10_000_000_000);
  });
});
