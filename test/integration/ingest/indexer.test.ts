import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlowdexError } from '../../../src/errors';
import { DeadLetter } from '../../../src/ingest/dead-letter';
import { indexItems } from '../../../src/ingest/indexer';
import type { ReadItem } from '../../../src/readers/types';
import { readDirty } from '../../../src/rollup/state';
import { testCluster } from '../../support/opensearch';
import { useStore } from '../../support/store';
import { asItems, flowRecords } from './fixtures';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-indexer-'));

useStore(tc, dir);

async function count(index: string): Promise<number> {
  const res = await tc.client.count({ index });
  return (res.body as { count: number }).count;
}

function run(items: AsyncIterable<ReadItem>, name: string) {
  const deadLetter = new DeadLetter(path.join(dir, `${name}.dead-letter.ndjson`));
  // Small batches so that several requests are in flight even with a few thousand flows.
  return indexItems(tc.client, tc.config, items, { deadLetter, flushBytes: 64 * 1024 }).then(async (r) => {
    await deadLetter.close();
    return { ...r, deadLetter };
  });
}

test('indexes every flow once; a second run reports all as duplicates and adds nothing', async () => {
  const records = flowRecords(6000, 3);
  const first = await run(asItems(records), 'first');
  expect(first.counts.total).toEqual({ read: 6000, indexed: 6000, duplicates: 0, rejected: 0 });
  expect(first.deadLetter.usedPath).toBeNull();
  expect(first.indices).toEqual(['2024.03.10', '2024.03.11', '2024.03.12'].map((d) => `${tc.prefix}flows-${d}`));
  // Searchable without an explicit refresh: the run refreshed before returning.
  expect(await count(`${tc.prefix}flows`)).toBe(6000);
  expect(await count(`${tc.prefix}flows-2024.03.11`)).toBe(2000);

  const settings = await tc.client.indices.getSettings({
    index: `${tc.prefix}flows-2024.03.10`,
    name: 'index.refresh_interval',
    flat_settings: true,
  });
  expect(JSON.stringify(settings.body)).toContain('"index.refresh_interval":"5s"');

  const again = await run(asItems(records), 'again');
  expect(again.counts.total).toEqual({ read: 6000, indexed: 0, duplicates: 6000, rejected: 0 });
  expect(await count(`${tc.prefix}flows`)).toBe(6000);

  // Rollups were kept by the indexing stream: every flow counted once, no bucket left marked.
  expect(await readDirty(tc.client, tc.prefix)).toEqual([]);
  const rolled = await tc.client.search({
    index: `${tc.prefix}rollup-traffic-1h`,
    body: { size: 0, aggs: { flows: { sum: { field: 'flows' } } } },
  } as Parameters<typeof tc.client.search>[0]);
  expect((rolled.body as unknown as { aggregations: { flows: { value: number } } }).aggregations.flows.value).toBe(
    6000,
  );
});

test('bad records go to the dead-letter file with their reason; the rest is indexed and counts add up', async () => {
  const records = flowRecords(300, 1, 7);
  async function* mixed(): AsyncGenerator<ReadItem> {
    let line = 0;
    for (const record of records) {
      line++;
      if (line === 100)
        yield {
          kind: 'reject',
          error: new FlowdexError('INPUT_BAD_RECORD', 'not JSON'),
          loc: { file: 'mixed.json', line },
          raw: '{oops',
        };
      else if (line === 200)
        yield { kind: 'flow', record: { ...record, srcIp: '10.0.0.999' }, loc: { file: 'mixed.json', line } };
      else yield { kind: 'flow', record, loc: { file: 'mixed.json', line } };
    }
  }
  const r = await run(mixed(), 'mixed');
  expect(r.counts.total).toEqual({ read: 300, indexed: 298, duplicates: 0, rejected: 2 });
  const lines = readFileSync(r.deadLetter.path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual([
    { reason: 'INPUT_BAD_RECORD: not JSON', file: 'mixed.json', line: 100, raw: '{oops' },
    { reason: expect.stringContaining('source.ip') as unknown, file: 'mixed.json', line: 200 },
  ]);
});

test('a document the mapping refuses is dead-lettered with the OpenSearch reason', async () => {
  const [good, bad] = flowRecords(2, 1, 11) as [
    ReturnType<typeof flowRecords>[number],
    ReturnType<typeof flowRecords>[number],
  ];
  // An HTTP status beyond the short mapping passes normalize but not the mapper.
  const r = await run(asItems([good, { ...bad, httpStatus: 2 ** 40 }], 'refused.json'), 'refused');
  expect(r.counts.total).toEqual({ read: 2, indexed: 1, duplicates: 0, rejected: 1 });
  const line = JSON.parse(readFileSync(r.deadLetter.path, 'utf8').trim()) as {
    reason: string;
    file: string;
    line: number;
    doc: { http: { response: { status_code: number } } };
  };
  expect(line.reason).toMatch(/mapper_parsing_exception/);
  expect(line).toMatchObject({ file: 'refused.json', line: 2, doc: { http: { response: { status_code: 2 ** 40 } } } });
});
