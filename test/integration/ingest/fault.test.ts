import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { DeadLetter } from '../../../src/ingest/dead-letter';
import { indexItems } from '../../../src/ingest/indexer';
import type { ReadItem } from '../../../src/readers/types';
import { connect } from '../../../src/store/client';
import { startNode, stopNode } from '../../../src/store/local-node';
import { setup } from '../../../src/store/setup';
import { deletePrefix } from '../../support/opensearch';
import { asItems, flowRecords } from './fixtures';

/**
 * Stops an OpenSearch node in the middle of a run and starts it again. A private node on its
 * own port, so the shared test node is never touched.
 */
const node = { ...loadConfig().node, port: 9250 + (process.pid % 40), heap: '512m' };
const cfg = loadConfig({ opensearch: `http://127.0.0.1:${node.port}`, prefix: 't-fault-' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-fault-'));

beforeAll(async () => {
  await startNode(node);
});
afterAll(async () => {
  await stopNode(node);
  rmSync(dir, { recursive: true, force: true });
});

test('a node that goes away mid-run and comes back: the run completes with the exact count', async () => {
  const { client, info } = await connect(cfg);
  // The private node keeps its data directory between runs.
  await deletePrefix(client, cfg.prefix);
  await setup(client, cfg, info);
  const N = 20_000;
  const records = flowRecords(N, 2, 5);
  let restarted: Promise<unknown> | undefined;
  async function* withOutage(): AsyncGenerator<ReadItem> {
    let i = 0;
    for await (const item of asItems(records)) {
      if (++i === 8000) {
        await stopNode(node);
        restarted = startNode(node);
      }
      yield item;
    }
  }
  const deadLetter = new DeadLetter(path.join(dir, 'fault.dead-letter.ndjson'));
  const r = await indexItems(client, cfg, withOutage(), { deadLetter, flushBytes: 256 * 1024 });
  await restarted;
  const t = r.counts.total;
  expect(t.read).toBe(N);
  expect(t.rejected).toBe(0);
  // A request cut off by the outage may have been applied before it was retried; its
  // documents then come back as duplicates, never as extra copies.
  expect(t.indexed + t.duplicates).toBe(N);
  expect(t.indexed).toBeGreaterThan(0);
  const res = await client.count({ index: `${cfg.prefix}flows-*` });
  expect((res.body as { count: number }).count).toBe(N);
  await client.close();
});
