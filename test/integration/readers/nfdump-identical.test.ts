import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, testCluster } from '../../support/opensearch';
import { haveCommand } from '../../support/commands';

/**
 * nfdump's CSV has one-second times, so identical lines happen; two concatenated exports repeat
 * every line. flowdex must keep each line a flow and answer as nfdump does over the same flows.
 */

const NFCAPD = path.resolve(__dirname, '../../../../shared/data/flows/stratosphere/test1-malicious.nfdump');

const ready = haveCommand('nfdump', '-V') && existsSync(NFCAPD);
if (!ready)
  console.warn(
    'nfdump identical-lines test skipped: needs Debian nfdump (scripts/system-deps.sh test) and ../shared/data',
  );
const maybe = ready ? describe : describe.skip;

maybe('nfdump CSV with identical lines', () => {
  const tc = testCluster(__filename);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-nfdump-identical-'));
  const env = { ...process.env, FLOWDEX_PREFIX: tc.prefix, TZ: 'UTC' };
  const nfdump = (...args: string[]): string =>
    execFileSync('nfdump', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const csv = path.join(dir, 'twice.csv');
  const range = ['--from', '2018-01-12T00:00:00Z', '--to', '2018-01-13T00:00:00Z'];

  beforeAll(() => {
    // The same capture file twice: nfdump counts each flow twice, and so must flowdex.
    const files = path.join(dir, 'nf');
    mkdirSync(files);
    copyFileSync(NFCAPD, path.join(files, 'nfcapd.201801121537'));
    copyFileSync(NFCAPD, path.join(files, 'nfcapd.201801121538'));
    const one = nfdump('-r', NFCAPD, '-o', 'csv');
    writeFileSync(csv, one + one);
  });

  afterAll(async () => {
    await tc.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function nfdumpTotals(): { flows: number; bytes: number; packets: number } {
    const lines = nfdump('-R', path.join(dir, 'nf'), '-o', 'csv', '-q', '-s', 'proto').trim().split('\n');
    const out = nfdump('-R', path.join(dir, 'nf'), '-o', 'csv', '-n', '1', '-s', 'proto').split('\n');
    const summary = out[out.indexOf('flows,bytes,packets,avg_bps,avg_pps,avg_bpp') + 1]?.split(',').map(Number) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    return { flows: summary[0] ?? -1, bytes: summary[1] ?? -1, packets: summary[2] ?? -1 };
  }

  test('every line is a flow; indexing again creates nothing', () => {
    const first = spawnSync('node', [CLI, 'index', csv, '--format', 'nfdump', '--json'], { env, encoding: 'utf8' });
    expect(first.status).toBe(0);
    const totals = nfdumpTotals();
    expect(totals.flows).toBe(9186);
    expect(JSON.parse(first.stdout)).toMatchObject({
      read: totals.flows,
      indexed: totals.flows,
      duplicates: 0,
      rejected: 0,
    });
    const again = spawnSync('node', [CLI, 'index', csv, '--format', 'nfdump', '--json'], { env, encoding: 'utf8' });
    expect(JSON.parse(again.stdout)).toMatchObject({ read: totals.flows, indexed: 0, duplicates: totals.flows });
  });

  test('totals and top sources equal nfdump over the same flows', () => {
    const totals = nfdumpTotals();
    const protocols = JSON.parse(
      execFileSync('node', [CLI, 'report', 'protocols', '--format', 'json', '--raw', ...range], {
        env,
        encoding: 'utf8',
      }),
    ) as { rows: { flows: number; bytes: number; packets: number }[] };
    const sum = protocols.rows.reduce(
      (a, r) => ({ flows: a.flows + r.flows, bytes: a.bytes + r.bytes, packets: a.packets + r.packets }),
      { flows: 0, bytes: 0, packets: 0 },
    );
    expect(sum).toEqual(totals);

    const theirs = nfdump('-R', path.join(dir, 'nf'), '-o', 'csv', '-q', '-s', 'srcip/bytes', '-n', '5')
      .trim()
      .split('\n')
      .filter((l) => /^\d{4}-/.test(l))
      .map((l) => l.split(','))
      .map((c) => ({ address: c[4], flows: Number(c[5]), bytes: Number(c[9]) }));
    const ours = JSON.parse(
      execFileSync('node', [CLI, 'report', 'top-sources', '--top', '5', '--format', 'json', '--raw', ...range], {
        env,
        encoding: 'utf8',
      }),
    ) as { rows: Record<string, unknown>[] };
    expect(
      ours.rows.map((r) => ({
        address: r['source.ip'] ?? r['address'] ?? r['source'],
        flows: r.flows,
        bytes: r.bytes,
      })),
    ).toEqual(theirs);
  });
});
