import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type FlowdexConfig } from '../src/config';
import { generateFlows, type GenerateOptions } from '../src/generate/flows';
import { DeadLetter } from '../src/ingest/dead-letter';
import { indexItems } from '../src/ingest/indexer';
import type { ReadItem } from '../src/readers/types';
import { connect, type ClusterInfo } from '../src/store/client';
import { setup } from '../src/store/setup';

/** Generated flows as reader items, numbered like the lines of a file called `bench`. */
export async function* flowItems(opts: GenerateOptions): AsyncGenerator<ReadItem> {
  let line = 0;
  for (const record of generateFlows(opts)) yield { kind: 'flow', record, loc: { file: 'bench', line: ++line } };
}

/** Drops whatever an earlier run left under the prefix and sets the store up afresh. */
export async function freshStore(client: Client, cfg: FlowdexConfig, info: ClusterInfo): Promise<void> {
  await client.indices.delete({ index: `${cfg.prefix}*` }, { ignore: [404] });
  await setup(client, cfg, info);
}

/** A fresh store holding `items`, rejected ones going to a dead-letter file in `dir`. */
export async function freshlyIndexed(
  client: Client,
  cfg: FlowdexConfig,
  info: ClusterInfo,
  dir: string,
  items: AsyncIterable<ReadItem>,
): Promise<void> {
  await freshStore(client, cfg, info);
  const deadLetter = new DeadLetter(path.join(dir, 'dead-letter.ndjson'));
  await indexItems(client, cfg, items, { deadLetter });
  await deadLetter.close();
}

/**
 * Runs `fn` with the bench prefix `bench-<name>-` and a scratch directory; whatever the run left
 * under the prefix, and the directory, are removed afterwards, also when it fails.
 */
export async function withBenchStore<T>(
  url: string | undefined,
  name: string,
  fn: (s: { cfg: FlowdexConfig; client: Client; info: ClusterInfo; dir: string }) => Promise<T>,
): Promise<T> {
  const cfg = loadConfig({ opensearch: url, prefix: `bench-${name}-` });
  const dir = mkdtempSync(path.join(os.tmpdir(), `flowdex-bench-${name}-`));
  const { client, info } = await connect(cfg);
  try {
    return await fn({ cfg, client, info, dir });
  } finally {
    await client.indices.delete({ index: `${cfg.prefix}*` }, { ignore: [404] }).catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
