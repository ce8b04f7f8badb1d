import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../../src/model/flow';
import { COMPOSITE_PAGE_SIZE } from '../../../src/query/reports';
import { runReport } from '../../../src/report/run-report';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

/**
 * More groups than one composite page holds, over a range that starts mid-day: raw flows are
 * then paged day by day, and the first day (which starts where the range does) must be read too.
 */

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-many-groups-'));
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 10);
const FROM = T0 + 6 * HOUR + 347;
const TO = T0 + 48 * HOUR;
const PAIRS = COMPOSITE_PAGE_SIZE + 1500;

function flow(t: number, src: string, dst: string, bytes: number): FlowRecord {
  return { format: 'lanl-csv', start: t, end: t + 1000, srcIp: src, dstIp: dst, protocol: 6, bytes, packets: 2 };
}

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function records(): FlowRecord[] {
  const out: FlowRecord[] = [];
  // One flow of each of many pairs on the first day, after the range starts.
  for (let i = 0; i < PAIRS; i++) out.push(flow(T0 + 7 * HOUR + i * 1000, ip(i), '192.0.2.1', 100));
  // The busiest pair: 40 flows on the first day (some before the range starts), 10 on the second.
  for (let i = 0; i < 40; i++) out.push(flow(T0 + 5 * HOUR + i * 300_000, '10.200.0.1', '192.0.2.9', 1000));
  for (let i = 0; i < 10; i++) out.push(flow(T0 + 30 * HOUR + i * 60_000, '10.200.0.1', '192.0.2.9', 1000));
  return out;
}

useStore(tc, dir);
beforeAll(async () => {
  // Raw flows are what this test reads: no rollups kept.
  const r = await indexRecords(tc, records(), 'many', dir, { rollup: { marksOnly: true } });
  expect(r.counts.total.indexed).toBe(PAIRS + 50);
});

test('raw top-pairs over many groups counts the first, partial day of the range', async () => {
  const r = await runReport(tc.client, tc.config, {
    report: 'top-pairs',
    from: new Date(FROM).toISOString(),
    to: new Date(TO).toISOString(),
    top: 3,
    by: 'flows',
    raw: true,
  });
  // 40 flows five minutes apart from 05:00: the 27 from 06:05 on are in the range, plus 10.
  expect(r.rows[0]).toMatchObject({ source: '10.200.0.1', destination: '192.0.2.9', flows: 37, bytes: 37_000 });
  expect(r.rows.slice(1).map((row) => row.flows)).toEqual([1, 1]);
});
