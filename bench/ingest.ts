import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type FlowdexConfig } from '../src/config';
import { writeGenerated } from '../src/generate/output';
import { bulkBody, type BulkEntry } from '../src/ingest/bulk';
import { postBulk } from '../src/store/bulk';
import { DailyIndices } from '../src/ingest/daily-indices';
import { indexFiles } from '../src/ingest/files';
import type { FlowDoc } from '../src/model/flow';
import { hydrate, normalize } from '../src/model/normalize';
import { allFlowIndices, indexFor } from '../src/store/indices';
import { readFlows } from '../src/readers/index';
import { connect } from '../src/store/client';
import { setup } from '../src/store/setup';
import type { BenchResult } from './types';
import type { BenchSuite } from './types';

const CONCURRENCY = 2;
const BODY_BYTES = 5 * 1024 * 1024;

const secondsSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

async function generateFile(dir: string, flows: number): Promise<string> {
  const file = path.join(dir, 'flows.pcap');
  const out = createWriteStream(file);
  await writeGenerated(
    'netflow-v5-pcap',
    { flows, start: Date.UTC(2024, 2, 1), spanMs: 86_400_000, seed: 1 },
    (c) => void out.write(c),
  );
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return file;
}

async function entriesOf(file: string, prefix: string): Promise<BulkEntry[]> {
  const out: BulkEntry[] = [];
  for await (const item of readFlows(file)) {
    if (item.kind !== 'flow') continue;
    const { id, doc } = normalize(item.record);
    out.push({
      index: indexFor(prefix, item.record.start),
      id,
      source: JSON.stringify(doc),
      ts: item.record.start,
      loc: item.loc,
    });
  }
  return out;
}

/** Prebuilt ~5 MB NDJSON bodies, so (b) measures OpenSearch and nothing of ours. */
function bodiesOf(entries: BulkEntry[]): string[] {
  const bodies: string[] = [];
  let batch: BulkEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    batch.push(e);
    bytes += e.source.length + 80;
    if (bytes >= BODY_BYTES) {
      bodies.push(bulkBody(batch));
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) bodies.push(bulkBody(batch));
  return bodies;
}

async function postAll(client: Client, bodies: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) await postBulk(client, bodies[next++] as string);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Bytes per document after merging to one segment, the state a day's index ends in. */
async function bytesPerDoc(client: Client, index: string): Promise<number> {
  await client.indices.forcemerge({ index, max_num_segments: 1 });
  // The merged-away segments stay on disk (and in the store size) until a flush releases them.
  await client.indices.flush({ index });
  await client.indices.refresh({ index });
  for (let i = 0; i < 50 && (await extraSegments(client, index)) > 0; i++) await new Promise((r) => setTimeout(r, 200));
  const res = await client.indices.stats({ index, metric: ['store', 'docs'] });
  const all = (res.body as { _all: { primaries: { store: { size_in_bytes: number }; docs: { count: number } } } })._all
    .primaries;
  return all.store.size_in_bytes / all.docs.count;
}

/** Segments beyond one per shard copy, across every index the pattern names. */
async function extraSegments(client: Client, index: string): Promise<number> {
  const res = await client.indices.segments({ index });
  const indices = (
    res.body as { indices: Record<string, { shards: Record<string, { segments: Record<string, unknown> }[]> }> }
  ).indices;
  const copies = Object.values(indices).flatMap((i) => Object.values(i.shards).flat());
  return copies.reduce((n, copy) => n + Math.max(0, Object.keys(copy.segments).length - 1), 0);
}

/** Deletes a prefix's indices and index templates (bench prefixes only). */
export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  await client.indices.delete({ index: `${prefix}*` }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: `${prefix}*` }, { ignore: [404] });
}

/**
 * Ingest throughput and storage: (a) flowdex file→searchable, (b) the same documents as
 * prebuilt bodies at the same concurrency (OpenSearch's limit here), (c) a naive
 * `helpers.bulk` into a dynamic mapping, (d) bytes per flow after force-merge.
 */
export const ingestSuite: BenchSuite = {
  name: 'ingest',
  needsOpenSearch: true,
  async run({ scale, url }) {
    const flows = Math.max(5000, Math.round(200_000 * scale));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-bench-ingest-'));
    const cfgOf = (prefix: string): FlowdexConfig => loadConfig({ opensearch: url, prefix });
    const a = cfgOf('bench-ingest-a-');
    const b = cfgOf('bench-ingest-b-');
    const naiveIndex = 'bench-ingest-c-flows';
    const { client, info } = await connect(a);
    try {
      for (const p of [a.prefix, b.prefix, naiveIndex]) await dropPrefix(client, p);
      const file = await generateFile(dir, flows);
      await setup(client, a, info);
      await setup(client, b, info);

      let t = process.hrtime.bigint();
      const ra = await indexFiles(client, a, [file], { concurrency: CONCURRENCY });
      const rateA = ra.summary.indexed / secondsSince(t);

      const entries = await entriesOf(file, b.prefix);
      const bodies = bodiesOf(entries);
      const tuning = new DailyIndices(client, b.prefix, { relaxRefresh: true, giveUpAfterMs: 60_000 });
      for (const index of new Set(entries.map((e) => e.index))) await tuning.ensure(index);
      t = process.hrtime.bigint();
      await postAll(client, bodies);
      await tuning.finish();
      const rateB = entries.length / secondsSince(t);

      // The naive user indexes what the decoder shows (Community ID string included) as it comes.
      const docs = entries.map((e) => hydrate(JSON.parse(e.source) as FlowDoc));
      t = process.hrtime.bigint();
      const stats = await client.helpers.bulk({
        datasource: docs,
        onDocument: () => ({ create: { _index: naiveIndex } }),
      });
      await client.indices.refresh({ index: naiveIndex });
      const rateC = stats.successful / secondsSince(t);

      const bytesA = await bytesPerDoc(client, allFlowIndices(a.prefix));
      const bytesC = await bytesPerDoc(client, naiveIndex);
      const row = (
        name: string,
        value: number,
        unit: string,
        goal?: string,
        met?: boolean,
        note?: string,
      ): BenchResult => ({ suite: 'ingest', name, value: Math.round(value * 100) / 100, unit, goal, met, note });
      return [
        row(
          'flowdex index, file → searchable',
          rateA,
          'flows/s',
          '≥ 15000',
          rateA >= 15_000,
          `${flows} NetFlow v5 flows, concurrency ${CONCURRENCY}`,
        ),
        row('prebuilt bulk bodies (limit)', rateB, 'flows/s'),
        row('naive helpers.bulk, dynamic mapping', rateC, 'flows/s'),
        row('flowdex / limit', rateA / rateB, 'ratio', '≥ 0.9', rateA / rateB >= 0.9),
        row('flowdex / naive', rateA / rateC, 'ratio', '≥ 2', rateA / rateC >= 2),
        row(
          'bytes per flow, flowdex template',
          bytesA,
          'B/flow',
          '≤ 112',
          bytesA <= 112,
          'after force-merge to one segment',
        ),
        row('bytes per flow, dynamic mapping', bytesC, 'B/flow'),
        row('size flowdex / dynamic', bytesA / bytesC, 'ratio', '≤ 0.333', bytesA / bytesC <= 1 / 3),
      ];
    } finally {
      for (const p of [a.prefix, b.prefix, naiveIndex]) await dropPrefix(client, p).catch(() => {});
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
