import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateFlows } from '../../../src/generate/flows';
import { runReport, type ReportRequest } from '../../../src/report/run-report';
import { updateRollups } from '../../../src/rollup/builder';
import { specByName } from '../../../src/rollup/specs';
import { readWatermarks, ROLLUP_FORMAT, writeWatermark } from '../../../src/rollup/state';
import { allTemplates } from '../../../src/store/templates';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-rollup-upgrade-'));
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 4, 10);
const sources = specByName('sources-1d')!;
const req: ReportRequest = {
  report: 'top-sources',
  from: new Date(T0).toISOString(),
  to: new Date(T0 + DAY).toISOString(),
  top: 15,
};

/** Which request shapes reached the rollup index while `run` ran. */
async function rollupRequests(run: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(tc.client, 'search');
  try {
    await run();
    return spy.mock.calls
      .map(
        (call) => call[0] as { index?: string; body?: { sort?: unknown; aggs?: { groups?: Record<string, unknown> } } },
      )
      .filter((p) => p.index?.includes('rollup-sources-1d'))
      .map((p) =>
        p.body?.sort !== undefined ? 'sort' : (Object.keys(p.body?.aggs?.groups ?? {}).find((k) => k !== 'aggs') ?? ''),
      );
  } finally {
    spy.mockRestore();
  }
}

useStore(tc, dir);
beforeAll(async () => {
  // As an older flowdex indexed: rollups left to the builder.
  await indexRecords(tc, generateFlows({ flows: 3000, start: T0, spanMs: DAY, seed: 3 }), 'g', dir, {
    rollup: { marksOnly: true },
  });
});

test('rollups of an older layout (no group keys) answer by composite paging, then are rebuilt with keys', async () => {
  // An older flowdex: its template maps no group keys and its watermark names no layout.
  const rollup = allTemplates({ prefix: tc.prefix }).find((t) => t.name === `${tc.prefix}rollup`)!;
  const older = JSON.parse(JSON.stringify(rollup.body)) as {
    template: { mappings: { properties: Record<string, unknown> } };
  };
  delete older.template.mappings.properties.key;
  await tc.client.indices.putIndexTemplate({ name: rollup.name, body: older } as Parameters<
    typeof tc.client.indices.putIndexTemplate
  >[0]);
  await updateRollups(tc.client, tc.config, { specs: [sources], now: T0 + 2 * DAY });
  const { format: _, ...wm } = (await readWatermarks(tc.client, tc.prefix)).get(sources.name)!;
  await writeWatermark(tc.client, tc.prefix, sources.name, wm);

  const raw = await runReport(tc.client, tc.config, { ...req, raw: true }, T0 + 2 * DAY);
  let planned = await runReport(tc.client, tc.config, req, T0 + 2 * DAY);
  expect(planned.served_by).toEqual([`${tc.prefix}rollup-sources-1d-2024.05`]);
  expect(planned.rows).toEqual(raw.rows);
  expect(await rollupRequests(() => runReport(tc.client, tc.config, req, T0 + 2 * DAY))).toEqual([
    'terms',
    'composite',
  ]);

  // The next update rebuilds the spec whole, after adding the new fields to the existing index.
  const r = await updateRollups(tc.client, tc.config, { specs: [sources], now: T0 + 2 * DAY });
  expect(r.specs[0]?.windows).toBe(1);
  expect(r.specs[0]?.watermark?.format).toBe(ROLLUP_FORMAT);
  const mapping = await tc.client.indices.getMapping({ index: `${tc.prefix}rollup-sources-1d-2024.05` });
  expect(JSON.stringify(mapping.body)).toContain('"key":{"properties":{');
  planned = await runReport(tc.client, tc.config, req, T0 + 2 * DAY);
  expect(planned.rows).toEqual(raw.rows);
  // Documents ranked (the layout marks partials), the groups they name summed, then the answer's metrics.
  expect(await rollupRequests(() => runReport(tc.client, tc.config, req, T0 + 2 * DAY))).toEqual([
    'sort',
    'terms',
    'terms',
  ]);
});
