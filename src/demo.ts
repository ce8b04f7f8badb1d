import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from './config';
import type { Enrichment } from './enrich/pipeline';
import { generateFlows } from './generate/flows';
import { DeadLetter } from './ingest/dead-letter';
import { indexFiles } from './ingest/files';
import { indexItems } from './ingest/indexer';
import { summarize, type IngestSummary } from './ingest/summary';
import type { ReadItem } from './readers/types';
import { updateRollups, type UpdateResult } from './rollup/builder';

/**
 * The demo dataset of `npm start`: generated flows over the last 24 hours (so the explorer's
 * default view has data) plus the real captures of `../shared/data` when that folder is beside
 * the checkout, rollups kept while indexing. Re-running within the same hour adds nothing: ids are deterministic.
 */

export interface DemoOptions {
  flows: number;
  seed: number;
  now: number;
  /** Folder of third-party captures; skipped when absent. */
  sharedData?: string;
  /** Enrichment for every demo flow (geo, AS, services…); none when absent. */
  enrich?: Enrichment;
  log: (line: string) => void;
}

export interface DemoResult {
  generated: IngestSummary;
  captures: IngestSummary | null;
  rollups: UpdateResult;
}

const HOUR = 3_600_000;

async function* generatedItems(o: DemoOptions): AsyncGenerator<ReadItem> {
  // Anchored to the hour so a second run in the same hour regenerates the very same flows.
  const start = Math.floor(o.now / HOUR) * HOUR - 24 * HOUR;
  let line = 0;
  for (const record of generateFlows({ flows: o.flows, start, spanMs: 24 * HOUR, seed: o.seed })) {
    line += 1;
    yield { kind: 'flow', record, loc: { file: 'generated', line } };
  }
}

/** Real export captures and flow logs worth browsing, by the formats they exercise. */
export function demoCaptures(dir: string): string[] {
  const files: string[] = [];
  const pmacct = path.join(dir, 'pcap', 'pmacct');
  if (existsSync(pmacct))
    for (const t of readdirSync(pmacct).sort()) files.push(path.join(pmacct, t, 'traffic-00.pcap'));
  for (const f of [
    'flows/zeek-wrccdc/conn.log',
    'flows/stratosphere/test3-mixed.binetflow',
    'flows/stratosphere/test9-mixed-zeek-dir/conn.log',
  ])
    files.push(path.join(dir, f));
  return files.filter((f) => existsSync(f));
}

export async function loadDemoData(client: Client, cfg: FlowdexConfig, o: DemoOptions): Promise<DemoResult> {
  const deadLetterPath = path.join(os.tmpdir(), `${cfg.prefix}demo.dead-letter.ndjson`);
  const t0 = Date.now();
  const run = await indexItems(client, cfg, generatedItems(o), {
    deadLetter: new DeadLetter(deadLetterPath),
    log: o.log,
    enrich: o.enrich,
  });
  const generated = summarize(run.counts.total, null, Date.now() - t0);
  o.log(
    `demo: ${generated.indexed} generated flows indexed, ${generated.duplicates} already there (${generated.flows_per_s} flows/s)`,
  );
  let captures: IngestSummary | null = null;
  const files = o.sharedData && existsSync(o.sharedData) ? demoCaptures(o.sharedData) : [];
  if (files.length) {
    captures = (await indexFiles(client, cfg, files, { deadLetterPath, log: o.log, enrich: o.enrich })).summary;
    o.log(
      `demo: ${files.length} real captures: ${captures.indexed} flows indexed, ${captures.duplicates} already there, ${captures.rejected} rejected`,
    );
  } else {
    o.log('demo: no ../shared/data beside the checkout; only generated flows');
  }
  // The indexing stream kept the rollups; this only catches what it could not (nothing, normally).
  const rollups = await updateRollups(client, cfg, { log: o.log });
  o.log(
    `demo: rollups kept while indexing; catch-up took ${rollups.took_ms} ms (${rollups.specs.reduce((n, s) => n + s.windows, 0)} windows)`,
  );
  // The quick start's budget for rollups: what they add once the sample flows are acknowledged.
  o.log(
    `demo: rollups of the ${generated.indexed} generated flows took ${((run.rollupTailMs ?? 0) + rollups.took_ms) / 1000} s beyond indexing (${run.rollupTailMs ?? 0} ms writing the held buckets, ${rollups.took_ms} ms catch-up)`,
  );
  return { generated, captures, rollups };
}
