import path from 'node:path';
import { existsSync } from 'node:fs';
import { demoCaptures, loadDemoData } from '../../../src/demo';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { runReport } from '../../../src/report/run-report';
import { testCluster } from '../../support/opensearch';

const tc = testCluster(__filename);
const SHARED = path.resolve(__dirname, '../../../../shared/data');
afterAll(() => tc.cleanup());

// The main job's data step: generated flows over the last 24 h, the real captures, rollups.
test('loads the demo data so the default view has flows, and a second run adds nothing', async () => {
  const { client, info } = await connect(tc.config);
  await setup(client, tc.config, info);
  const now = Date.UTC(2026, 10, 23, 12, 30);
  const lines: string[] = [];
  const o = { flows: 3000, seed: 5, now, sharedData: SHARED, log: (l: string) => void lines.push(l) };
  const first = await loadDemoData(client, tc.config, o);
  expect(first.generated).toMatchObject({ read: 3000, indexed: 3000, duplicates: 0, rejected: 0 });
  if (existsSync(SHARED)) {
    expect(demoCaptures(SHARED).length).toBeGreaterThanOrEqual(5);
    expect(first.captures?.indexed).toBeGreaterThan(0);
    expect(first.captures?.rejected).toBe(0);
  } else {
    expect(first.captures).toBeNull();
  }
  expect(first.rollups.specs.every((s) => s.watermark !== undefined)).toBe(true);

  // The generated flows fill the 24 hours before the current hour, so the default view has data.
  const hour = Date.UTC(2026, 10, 23, 12);
  const traffic = await runReport(
    client,
    tc.config,
    { report: 'traffic', from: String(hour - 86_400_000), to: String(hour), interval: '1h' },
    now,
  );
  expect(traffic.rows.reduce((n, r) => n + Number(r['flows']), 0)).toBe(3000);
  expect(traffic.rows.filter((r) => Number(r['flows']) === 0)).toEqual([]);

  const second = await loadDemoData(client, tc.config, { ...o, now: now + 60_000 });
  expect(second.generated).toMatchObject({ read: 3000, indexed: 0, duplicates: 3000 });
  if (second.captures) expect(second.captures.indexed).toBe(0);
  await client.close();
});
