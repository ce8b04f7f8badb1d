import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateFlows } from '../../../src/generate/flows';
import { sampleTraffic } from '../../../src/generate/sampling';
import type { FlowRecord } from '../../../src/model/flow';
import type { ReportResult } from '../../../src/query/reports';
import { runReport, type ReportRequest } from '../../../src/report/run-report';
import { updateRollups } from '../../../src/rollup/builder';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

/**
 * Sampled exports of three exporters (unsampled, 1:10, 1:100) indexed through the real pipeline:
 * estimates add up across rates, unsampled answers carry no bounds, and rollup answers (stream
 * partials, then a rebuild from raw flows) equal raw answers error figures included.
 */

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-sampled-'));
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 6, 1);
const NOW = T0 + 4 * 24 * HOUR;
const EXPORTERS = [
  { exporter: '192.0.2.1', rate: 1 },
  { exporter: '192.0.2.2', rate: 10 },
  { exporter: '192.0.2.3', rate: 100 },
];
const iso = (t: number) => new Date(t).toISOString();
const WHOLE = { from: iso(T0), to: iso(T0 + 2 * 24 * HOUR) };
const report = (req: ReportRequest) => runReport(tc.client, tc.config, req, NOW);
const usesRollup = (r: ReportResult) => r.served_by.some((i) => i.includes('rollup-'));

const { truth, exported } = sampleTraffic(
  generateFlows({ flows: 4000, start: T0, spanMs: 2 * 24 * HOUR, seed: 11 }),
  EXPORTERS,
  11,
);
const scaledBytes = (f: FlowRecord) => ((f.srcBytes ?? 0) + (f.dstBytes ?? 0)) * (f.samplingRate ?? 1);

useStore(tc, dir);
beforeAll(async () => {
  const r = await indexRecords(tc, exported, 'sampled', dir);
  expect(r.counts.total.indexed).toBe(exported.length);
  await updateRollups(tc.client, tc.config, { now: NOW });
});

const REQUESTS: ReportRequest[] = [
  { report: 'traffic', ...WHOLE, interval: '1h' },
  { report: 'top-sources', ...WHOLE, top: 15 },
  { report: 'top-pairs', ...WHOLE, top: 10, by: 'packets' },
  { report: 'top-services', ...WHOLE },
  { report: 'protocols', ...WHOLE },
];

async function expectPlannedEqualsRaw(): Promise<void> {
  for (const req of REQUESTS) {
    const planned = await report(req);
    const raw = await report({ ...req, raw: true });
    expect(usesRollup(planned)).toBe(true);
    expect(planned.rows).toEqual(raw.rows);
    expect(planned.total).toEqual(raw.total);
    expect(planned.rows.some((r) => r.error !== undefined)).toBe(true);
  }
}

test('estimates of exporters with different rates add up, with the rates that applied', async () => {
  const r = await report({ report: 'protocols', ...WHOLE, raw: true });
  expect(r.sampled).toBe(true);
  expect(r.sampling_rates).toEqual([10, 100]);
  expect(r.total?.flows).toBe(exported.length);
  expect(r.total?.bytes).toBe(exported.reduce((s, f) => s + scaledBytes(f), 0));
  // The true traffic lies within the stated bound (one seed: a check, the coverage test measures).
  const trueBytes = truth.reduce((s, f) => s + (f.srcBytes ?? 0) + (f.dstBytes ?? 0), 0);
  expect(Math.abs(Number(r.total?.bytes) - trueBytes)).toBeLessThanOrEqual(r.total?.error?.bytes ?? 0);
  const perExporter = await Promise.all(
    EXPORTERS.map(async (e) => (await report({ report: 'protocols', ...WHOLE, query: `exporter:${e.exporter}` })).rows),
  );
  expect(perExporter.flat().reduce((s, row) => s + Number(row.bytes), 0)).toBe(r.total?.bytes);
});

test('answers over unsampled flows only carry no bounds', async () => {
  const r = await report({ report: 'top-sources', ...WHOLE, query: 'exporter:192.0.2.1' });
  expect(r.sampled).toBeUndefined();
  expect(r.sampling_rates).toBeUndefined();
  expect(r.rows.length).toBeGreaterThan(0);
  expect(r.rows.every((row) => row.error === undefined)).toBe(true);
  expect(r.total?.error).toBeUndefined();
});

test('rollups kept by the indexing stream answer as raw flows do, error figures included', async () => {
  await expectPlannedEqualsRaw();
});

test('rollups rebuilt from raw flows answer as raw flows do, error figures included', async () => {
  await updateRollups(tc.client, tc.config, { rebuild: true, now: NOW });
  await expectPlannedEqualsRaw();
});
