import { spawnSync } from 'node:child_process';
import { formatBytes } from '../../../src/web/format';
import { CLI, testCluster } from '../../support/opensearch';
import { buildDataset, DATA_SPAN, DATA_START, indexDataset } from './dataset';

const tc = testCluster(__filename);
const data = buildDataset(600, 60);
const FROM = new Date(DATA_START).toISOString();
const TO = new Date(DATA_START + DATA_SPAN).toISOString();

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--prefix', tc.prefix, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENSEARCH_URL: tc.config.opensearchUrl },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await indexDataset(tc.client, tc.config, data);
});
afterAll(() => tc.cleanup());

describe('flowdex query', () => {
  const https = data.filter((s) => s.doc.destination.port === 443);

  test('hostile input is a usage error (exit 2) naming the problem, never a crash', () => {
    const deep = run('query', `${'('.repeat(2000)}dport:1${')'.repeat(2000)}`);
    expect([deep.code, deep.err]).toEqual([2, expect.stringMatching(/nesting deeper than 32 levels/)]);
    const long = run('query', `${'('.repeat(10000)}dport:1${')'.repeat(10000)}`);
    expect([long.code, long.err]).toEqual([2, expect.stringMatching(/longer than 4096 characters/)]);
    const bomb = run('query', `host:${'*a'.repeat(300)}*`);
    expect([bomb.code, bomb.err]).toEqual([2, expect.stringMatching(/wildcards; at most 6/)]);
    for (const [flag, value] of [
      ['--from', 'now-99999999999w'],
      ['--to', '99999999999w'],
      ['--from', 'now-14000000w'],
    ]) {
      const t = run('query', 'dport:53', flag as string, value as string);
      expect([t.code, t.err]).toEqual([
        2,
        expect.stringContaining(`${(flag as string).slice(2)} "${value}" is outside the times flowdex handles`),
      ]);
    }
    const interval = run('report', 'traffic', '--interval', '1s', '--from', 'now-3650d');
    expect([interval.code, interval.err]).toEqual([2, expect.stringMatching(/more than 10000 buckets/)]);
  });

  test('ndjson: one stored document per line, limited to a page', () => {
    const r = run('query', 'dport:443', '--from', FROM, '--to', TO, '--format', 'ndjson', '--limit', '7');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(Math.min(7, https.length));
    for (const l of lines) expect((JSON.parse(l) as { destination: { port: number } }).destination.port).toBe(443);
  });

  test('csv --all streams every match', () => {
    const r = run('query', 'dport:443', '--from', FROM, '--to', TO, '--format', 'csv', '--all');
    expect(r.code).toBe(0);
    expect(r.out.split('\r\n').filter((l) => l !== '')).toHaveLength(https.length + 1);
  });

  test('table: aligned columns under a header', () => {
    const r = run('query', 'dport:443', '--from', FROM, '--to', TO, '--limit', '5', '--sort', 'bytes:asc');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^@timestamp\s+event\.duration\s+source\.ip/);
    expect(lines).toHaveLength(6);
    const bytesAt = (lines[0] ?? '').indexOf('network.bytes');
    const smallest = [...https].sort((a, b) => (a.doc.network.bytes ?? 0) - (b.doc.network.bytes ?? 0))[0];
    // Bytes and durations read as on the web (17.7 kB, 3.0 s), not raw counters.
    expect(lines[1]).toContain(formatBytes(smallest?.doc.network.bytes ?? 0));
    expect(bytesAt).toBeGreaterThan(0);
  });

  test('a bad query prints the message, the query and a caret, and exits 2', () => {
    const r = run('query', 'dport:443 and (src:10.0.0.0/8', '--from', FROM, '--to', TO);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^flowdex: .*\(/);
    expect(lines[1]).toBe('dport:443 and (src:10.0.0.0/8');
    expect(lines[2]).toBe(`${' '.repeat(29)}^`);
  });

  test('--explain needs no node', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, '--opensearch', 'http://127.0.0.1:1', 'query', 'dport:443', '--from', FROM, '--to', TO, '--explain'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const ex = JSON.parse(r.stdout) as { indices: string[]; dsl: unknown; ast: { kind: string } };
    expect(ex.indices).toEqual(['flowdex-flows-2024.05.01', 'flowdex-flows-2024.05.02', 'flowdex-flows-2024.05.03']);
    expect(ex.ast.kind).toBe('pred');
  });

  test('an unreachable node is a one-line error and exit 1', () => {
    const r = spawnSync(process.execPath, [CLI, '--opensearch', 'http://127.0.0.1:1', 'query', 'dport:443'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('flowdex report', () => {
  test('json shape of DESIGN §9', () => {
    const r = run('report', 'protocols', '--from', FROM, '--to', TO, '--format', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      report: string;
      served_by: string[];
      took_ms: number;
      rows: { transport: string; flows: number }[];
    };
    expect(Object.keys(j)).toEqual(['report', 'served_by', 'took_ms', 'rows']);
    expect(j.report).toBe('protocols');
    expect(j.served_by).toHaveLength(3);
    expect(j.rows.reduce((s, row) => s + row.flows, 0)).toBe(data.length);
  });

  test('csv and table', () => {
    const csv = run('report', 'traffic', '--from', FROM, '--to', TO, '--interval', '1d', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^time,flows,bytes,packets,flows_per_s/),
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    const table = run('report', 'top-sources', '--from', FROM, '--to', TO, '--top', '3');
    expect(table.code).toBe(0);
    expect(table.out.trimEnd().split('\n')).toHaveLength(4);
  });

  test('--explain with a node prints the plan and the documents each step reads', () => {
    const r = run('report', 'top-destinations', '--query', 'dport:443', '--from', FROM, '--to', TO, '--explain');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out) as { plan: { documents: number; steps: { source: string; indices: string[] }[] } };
    expect(e.plan.documents).toBe(data.filter((s) => s.doc.destination.port === 443).length);
    expect(e.plan.steps.flatMap((s) => s.indices).length).toBeGreaterThan(0);
  });

  test('unknown report and bad filter exit 2; --explain needs no node', () => {
    expect(run('report', 'nope').code).toBe(2);
    const bad = run('report', 'top-apps', '--query', 'app:');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[1]).toBe('app:');
    const ex = spawnSync(
      process.execPath,
      [CLI, '--opensearch', 'http://127.0.0.1:1', 'report', 'top-pairs', '--explain'],
      { encoding: 'utf8' },
    );
    expect(ex.status).toBe(0);
    expect(JSON.parse(ex.stdout)).toHaveProperty('request.aggs.groups.composite');
  });
});
