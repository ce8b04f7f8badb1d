import { rmSync } from 'node:fs';
import path from 'node:path';
import { DeadLetter } from '../../src/ingest/dead-letter';
import { indexItems, type IndexOptions, type IndexResult } from '../../src/ingest/indexer';
import type { FlowRecord } from '../../src/model/flow';
import type { ReadItem } from '../../src/readers/types';
import { connect } from '../../src/store/client';
import { setup } from '../../src/store/setup';
import type { TestCluster } from './opensearch';

/** The store set up under the file's prefix before its tests; the prefix and `dirs` removed after them. */
export function useStore(tc: TestCluster, ...dirs: string[]): void {
  beforeAll(async () => {
    const { client, info } = await connect(tc.config);
    await setup(client, tc.config, info);
    await client.close();
  });
  afterAll(async () => {
    await tc.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Indexes `records` as if read from a file `name`; rejected ones go to `<dir>/<name>.dead-letter.ndjson`. */
export async function indexRecords(
  tc: TestCluster,
  records: Iterable<FlowRecord>,
  name: string,
  dir: string,
  options: Omit<IndexOptions, 'deadLetter'> = {},
): Promise<IndexResult> {
  async function* items(): AsyncGenerator<ReadItem> {
    let line = 0;
    for (const record of records) yield { kind: 'flow', record, loc: { file: name, line: ++line } };
  }
  const deadLetter = new DeadLetter(path.join(dir, `${name}.dead-letter.ndjson`));
  const result = await indexItems(tc.client, tc.config, items(), { ...options, deadLetter });
  await deadLetter.close();
  return result;
}
