import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { V5Encoder } from '../../../src/generate/encode-netflow';
import { normalize } from '../../../src/model/normalize';
import { ExportDecoder } from '../../../src/readers/export-decoder';
import { createClient } from '../../../src/store/client';
import { testCluster } from '../../support/opensearch';
import { HangingProxy } from '../../support/proxy';
import { useStore } from '../../support/store';
import { flowRecords } from '../ingest/fixtures';
import { indexedIds, sendDatagrams, settled, startCollector, tempDir, waitFor } from './support';

/**
 * OpenSearch that accepts connections but stops answering (a proxy in front of the shared node
 * swallows the traffic; the node itself is never touched): the collector keeps receiving into the
 * spool, says it is waiting, and indexes everything exactly once when the node answers again.
 */
const tc = testCluster(__filename);
const tmp = tempDir('collect-hung');
const NODE = new URL(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200');
useStore(tc, tmp);

function v5Export(n: number, seed: number): { datagrams: Buffer[]; ids: string[] } {
  const datagrams: Buffer[] = [];
  const enc = new V5Encoder({ bootMs: Date.UTC(2024, 2, 9) }, (d) => datagrams.push(Buffer.from(d)));
  for (const r of flowRecords(n, 1, seed)) enc.add(r);
  enc.flush();
  const dec = new ExportDecoder();
  const ids: string[] = [];
  for (const d of datagrams)
    for (const item of dec.decode(d, { file: 'x', base: 0, exporter: '127.0.0.1' }))
      if (item.kind === 'flow') ids.push(normalize(item.record).id);
  return { datagrams, ids };
}

test('OpenSearch hung mid-stream: datagrams keep going to the spool, the wait is reported, and every flow is indexed once it answers', async () => {
  const first = v5Export(1500, 11);
  const second = v5Export(3000, 12);
  const proxy = new HangingProxy({ host: NODE.hostname, port: Number(NODE.port || 9200) });
  await proxy.start();
  // A short request timeout so the collector's client notices the silence and retries while it lasts.
  const cfg = loadConfig({ opensearch: proxy.url, prefix: tc.prefix, timeout: '5s' });
  const client = createClient(cfg);
  const collector = await startCollector(client, cfg, path.join(tmp, 'spool'));
  const all = first.datagrams.length + second.datagrams.length;
  try {
    await sendDatagrams(collector.ports[0] ?? 0, first.datagrams);
    await waitFor(
      'the first flows to be indexed',
      () => settled(collector.stats(), first.datagrams.length),
      60_000,
      () => collector.stats(),
    );
    const s0 = collector.stats().totals;
    expect(s0.indexed + s0.duplicates).toBe(first.ids.length);

    proxy.hang();
    await sendDatagrams(collector.ports[0] ?? 0, second.datagrams);
    await waitFor(
      'the collector to report that it waits for OpenSearch',
      () => {
        const s = collector.stats();
        return s.totals.datagrams === all && /^waiting \d+ s to index spool segment \d+/.test(s.opensearch);
      },
      60_000,
      () => collector.stats(),
    );
    const during = collector.stats();
    // Nothing answered, so nothing more can have been acknowledged; what came in is on disk.
    expect(during.totals.indexed + during.totals.duplicates).toBe(first.ids.length);
    expect(during.spool.segments).toBeGreaterThan(0);
    expect(during.spool.bytes).toBeGreaterThan(0);
    expect(during.spool.refused).toBe(0);

    proxy.resume();
    await waitFor(
      'the spool to drain once OpenSearch answers',
      () => settled(collector.stats(), all),
      90_000,
      () => collector.stats(),
    );
    const s = collector.stats();
    expect(s.totals.flows).toBe(first.ids.length + second.ids.length);
    expect(s.totals.indexed + s.totals.duplicates).toBe(s.totals.flows);
    expect(s.totals.rejected).toBe(0);
    expect(s.totals.bad_datagrams).toBe(0);
    expect(s.exporters[0]?.sequence.lost).toBe(0);
  } finally {
    await collector.stop();
    await client.close();
    await proxy.stop();
  }
  expect((await indexedIds(tc.client, tc.prefix)).sort()).toEqual([...first.ids, ...second.ids].sort());
});
