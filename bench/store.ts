import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type FlowdexConfig } from '../src/config';
import { generateFlows, type GenerateOptions } from '../src/generate/flows';
import { DeadLetter } from '../src/ingest/dead-letter';
import { indexItems } from '../src/ingest/indexer';
import { alignDown, alignUp } from '../src/rollup/buckets';
import type { ReadItem } from '../src/readers/types';
import { connect, type ClusterInfo } from '../src/store/client';
import { allFlowIndices } from '../src/store/indices';
import { setup } from '../src/store/setup';

const DAY = 86_400_000;

/** Generated flows as reader items, numbered like the lines of a file called `bench`. */
export async function* flowItems(opts: GenerateOptions): AsyncGenerator<ReadItem> {
  let line = 0;
  for (const record of generateFlows(opts)) yield { kind: 'flow', record, loc: { file: 'bench', line: ++line } };
}

/**
 * Primary store size of `index` once merged to one segment. The merge's old segments stay on
 * disk while a searcher still holds them: without the refresh, stats counted them too (the
 * pairs' rollup at 10 M flows read 454 MB for its 214 MB).
 */
export async function storeBytes(client: Client, index: string): Promise<number> {
  await client.indices.forcemerge({ index, max_num_segments: 1 });
  await client.indices.refresh({ index });
  await client.indices.flush({ index });
  const res = await client.indices.stats({ index, metric: ['store'] });
  return (res.body as { _all: { primaries: { store: { size_in_bytes: number } } } })._all.primaries.store.size_in_bytes;
}

/**
 * Runs `work` with the shard request cache off for the prefix's indices, so a repeated report
 * is the work and not a cache hit. Clearing the cache (`_cache/clear?request`) drops global
 * ordinals too, which the node otherwise builds at refresh and keeps: every timed report then
 * paid for rebuilding them (about 220 ms for the pairs' rollup at 10 M flows).
 */
export async function withoutRequestCache<T>(client: Client, prefix: string, work: () => Promise<T>): Promise<T> {
  const index = `${prefix}*`;
  await client.indices.putSettings({ index, body: { 'index.requests.cache.enable': false } });
  try {
    return await work();
  } finally {
    await client.indices.putSettings({ index, body: { 'index.requests.cache.enable': null } });
  }
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
 * The flows of a shared data prefix (`npm run bench -- --prefix big-`): 1 M flows per unit of
 * scale over a month, the rollup suite's own data, so one indexing serves every suite that
 * reads flows (whole-range reports, monitors over the last day with weeks of history).
 */
export function sharedFlows(scale: number): { items: AsyncIterable<ReadItem>; range: BenchRange } {
  const flows = Math.max(5000, Math.round(1_000_000 * scale));
  const from = Date.UTC(2024, 0, 1);
  const to = from + 30 * DAY;
  return { items: flowItems({ flows, start: from, spanMs: to - from, seed: 11 }), range: { from, to, flows } };
}

export interface BenchRange {
  /** Whole days covering the flows. */
  from: number;
  to: number;
  flows: number;
}

export interface BenchData extends BenchRange {
  /**
   * Seconds this run took to index the flows, rollups kept from the stream; absent when an
   * earlier run left them under the shared prefix.
   */
  indexedInS?: number;
}

/** Flows under the prefix and their time span; nothing when the prefix holds no flows. */
export async function dataSpan(
  client: Client,
  prefix: string,
): Promise<{ flows: number; from: number; to: number } | undefined> {
  const body = {
    size: 0,
    track_total_hits: true,
    aggs: { lo: { min: { field: '@timestamp' } }, hi: { max: { field: '@timestamp' } } },
  };
  const res = await client.search(
    { index: allFlowIndices(prefix), ignore_unavailable: true, allow_no_indices: true, body } as Parameters<
      Client['search']
    >[0],
    { ignore: [404] },
  );
  const b = res.body as unknown as {
    hits?: { total?: { value: number } };
    aggregations?: { lo: { value: number | null }; hi: { value: number | null } };
  };
  const flows = b.hits?.total?.value ?? 0;
  const lo = b.aggregations?.lo.value;
  const hi = b.aggregations?.hi.value;
  if (flows === 0 || lo == null || hi == null) return undefined;
  return { flows, from: lo, to: hi + 1 };
}

/**
 * The suite's flows: under a shared prefix that already holds flows, those flows (whole days
 * around them); otherwise `items` indexed into a fresh store, spanning `range`.
 */
export async function benchData(
  s: { cfg: FlowdexConfig; client: Client; info: ClusterInfo; dir: string; shared: boolean },
  items: AsyncIterable<ReadItem>,
  range: BenchRange,
): Promise<BenchData> {
  const found = s.shared ? await dataSpan(s.client, s.cfg.prefix) : undefined;
  if (found) return { from: alignDown(found.from, DAY), to: alignUp(found.to, DAY), flows: found.flows };
  const t0 = performance.now();
  await freshlyIndexed(s.client, s.cfg, s.info, s.dir, items);
  return { ...range, indexedInS: (performance.now() - t0) / 1000 };
}

/**
 * Runs `fn` with the bench prefix `bench-<name>-` and a scratch directory; whatever the run left
 * under the prefix, and the directory, are removed afterwards, also when it fails. A shared
 * prefix (`--prefix`) is used instead when given, and kept.
 */
export async function withBenchStore<T>(
  url: string | undefined,
  name: string,
  shared: string | undefined,
  fn: (s: { cfg: FlowdexConfig; client: Client; info: ClusterInfo; dir: string; shared: boolean }) => Promise<T>,
): Promise<T> {
  const cfg = loadConfig({ opensearch: url, prefix: shared ?? `bench-${name}-` });
  const dir = mkdtempSync(path.join(os.tmpdir(), `flowdex-bench-${name}-`));
  const { client, info } = await connect(cfg);
  try {
    return await fn({ cfg, client, info, dir, shared: shared !== undefined });
  } finally {
    if (shared === undefined)
      await client.indices.delete({ index: `${cfg.prefix}*` }, { ignore: [404] }).catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
