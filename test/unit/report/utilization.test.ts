import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReportResult } from '../../../src/query/reports';
import { configuredSpeeds, withUtilization } from '../../../src/report/utilization';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-utilization-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

const result = (report: ReportResult['report'], rows: ReportResult['rows']): ReportResult => ({
  report,
  served_by: ['p-flows-2024.03.01'],
  took_ms: 1,
  range: { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 1) + HOUR },
  columns: ['exporter', 'interface', 'interface_name', 'flows', 'bytes', 'packets'],
  rows,
});

describe('interface utilization on the top-interfaces report', () => {
  const file = path.join(dir, 'networks.yaml');
  writeFileSync(
    file,
    [
      'exporters:',
      '  192.0.2.10:',
      '    name: edge1',
      '    interfaces:',
      '      2: { name: ge-0/0/2, speed: 1000000 }',
      '      3: ge-0/0/3',
      '  2001:db8::0:1:',
      '    interfaces: { 7: { speed: 10000000000 } }',
      '',
    ].join('\n'),
  );
  const speeds = configuredSpeeds({ FLOWDEX_NETWORKS: file });

  it('reads speeds from the networks file, the exporter in any text form of its address', () => {
    expect(speeds('192.0.2.10', 2)).toBe(1_000_000);
    expect(speeds('192.0.2.10', 3)).toBeUndefined();
    expect(speeds('2001:db8:0:0:0:0:0:1', 7)).toBe(10_000_000_000);
    expect(speeds('192.0.2.11', 2)).toBeUndefined();
    expect(configuredSpeeds({})('192.0.2.10', 2)).toBeUndefined();
  });

  it('gives each interface with a speed its mean input utilization over the range', () => {
    const r = withUtilization(
      result('top-interfaces', [
        // 45 MB in an hour on 1 Mbit/s: 45e6 × 8 / 3600 / 1e6 = 10 %
        { exporter: '192.0.2.10', interface: 2, interface_name: 'ge-0/0/2', flows: 9, bytes: 45_000_000, packets: 9 },
        { exporter: '192.0.2.10', interface: 3, interface_name: 'ge-0/0/3', flows: 1, bytes: 100, packets: 1 },
        { exporter: null, interface: null, interface_name: null, flows: 1, bytes: 5, packets: 1 },
      ]),
      speeds,
    );
    expect(r.columns.slice(-2)).toEqual(['speed_bps', 'utilization_pct']);
    expect(r.rows.map((row) => [row.speed_bps, row.utilization_pct])).toEqual([
      [1_000_000, 10],
      [null, null],
      [null, null],
    ]);
  });

  it('leaves other reports as they are, without reading the file', () => {
    const unread = configuredSpeeds({ FLOWDEX_NETWORKS: path.join(dir, 'missing.yaml') });
    const r = result('top-sources', [{ source: '10.0.0.1', flows: 1, bytes: 1, packets: 1 }]);
    expect(withUtilization(r, unread)).toBe(r);
    // A report that does need it names the file.
    expect(() => unread('192.0.2.10', 2)).toThrow(/missing\.yaml/);
  });
});
