import path from 'node:path';
import request from 'supertest';
import { V5Encoder } from '../../../src/generate/encode-netflow';
import { createApp } from '../../../src/web/app';
import { testCluster } from '../../support/opensearch';
import { useStore } from '../../support/store';
import { flowRecords } from '../ingest/fixtures';
import { sendDatagrams, settled, startCollector, tempDir, waitFor } from './support';

/**
 * The collector as the explorer shows it: live from a collector in the same process
 * (`serve --collect`), and from the stats a collector in another process left in the state index.
 */
const tc = testCluster(__filename);
const tmp = tempDir('collect-web');

useStore(tc, tmp);

test('GET /api/collector and the Status page: live, then from the state index after the collector stopped', async () => {
  const datagrams: Buffer[] = [];
  const enc = new V5Encoder({ bootMs: Date.UTC(2024, 2, 9) }, (d) => datagrams.push(Buffer.from(d)));
  for (const r of flowRecords(300, 1, 9)) enc.add(r);
  enc.flush();
  // One datagram of an unknown version: counted as bad, the rest unharmed.
  const bad = Buffer.alloc(40, 0);
  bad.writeUInt16BE(7, 0);
  const collector = await startCollector(tc.client, tc.config, path.join(tmp, 'spool'));
  const live = createApp({ client: tc.client, config: tc.config, collector: () => collector.stats() });
  try {
    await sendDatagrams(collector.ports[0] ?? 0, [...datagrams, bad]);
    await waitFor('the collector to index', () => settled(collector.stats(), datagrams.length + 1));
    const res = await request(live).get('/api/collector').expect(200);
    expect(res.body.source).toBe('live');
    const c = res.body.collectors[0];
    expect(c.totals.datagrams).toBe(datagrams.length + 1);
    expect(c.totals.bad_datagrams).toBe(1);
    expect(c.exporters).toHaveLength(1);
    expect(c.exporters[0]).toMatchObject({
      address: '127.0.0.1',
      formats: ['netflow-v5'],
      sequence: { lost: 0, resets: 0 },
    });
    expect(c.exporters[0].indexed + c.exporters[0].duplicates).toBe(c.totals.flows);
    expect(Object.keys(c.exporters[0].bad)).toEqual([expect.stringMatching(/unknown version/)]);
    const page = await request(live).get('/status').expect(200);
    expect(page.text).toContain('id="collector"');
    expect(page.text).toContain('running in this process');
    expect(page.text).toContain('<code>127.0.0.1</code>');
  } finally {
    await collector.stop();
  }
  const later = createApp({ client: tc.client, config: tc.config });
  await tc.client.indices.refresh({ index: `${tc.prefix}state` });
  const res = await request(later).get('/api/collector').expect(200);
  expect(res.body.source).toBe('state');
  expect(res.body.collectors[0].totals.datagrams).toBe(datagrams.length + 1);
  const page = await request(later).get('/status').expect(200);
  expect(page.text).toContain('last report');
});
