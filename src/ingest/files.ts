import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { DecoderSession } from '../readers/export-decoder';
import { readFlows, type ReadFileOptions } from '../readers/index';
import type { ReadItem } from '../readers/types';
import { DeadLetter } from './dead-letter';
import { indexItems, ingestFailure, RunCounts, type IndexOptions } from './indexer';
import { DEAD_LETTER_SUFFIX, expandInputs, totalBytes } from './inputs';
import { ProgressDisplay } from './progress';
import { summarize, zeroCounts, type Counts, type IngestSummary } from './summary';

export interface IndexFilesOptions extends Omit<IndexOptions, 'deadLetter' | 'counts'> {
  /** `--format`; detected per file when absent. */
  format?: string;
  timeOffsetMs?: number;
  mappingFile?: string;
  /** @default `<first input>.dead-letter.ndjson`, or `stdin.dead-letter.ndjson` in the working directory */
  deadLetterPath?: string;
  /** Show progress on stderr. @default false */
  progress?: boolean;
  onFormat?: (input: string, format: string) => void;
}

export interface IndexFilesResult {
  summary: IngestSummary;
  /** Counts per file read, in input order. */
  perFile: [string, Counts][];
  interrupted: boolean;
  /** Why rollups are missing for some flows (see IndexResult). */
  rollupsIncomplete?: string;
}

export function defaultDeadLetterPath(firstInput: string | undefined): string {
  if (firstInput === undefined || firstInput === '-') return path.resolve(`stdin${DEAD_LETTER_SUFFIX}`);
  return `${firstInput.replace(/\/+$/, '')}${DEAD_LETTER_SUFFIX}`;
}

/** One decoder session for the run, so NetFlow v9/IPFIX templates carry from one file to the next. */
async function* concat(files: string[], o: ReadFileOptions): AsyncGenerator<ReadItem> {
  const session = new DecoderSession();
  const options = { ...o, session };
  for (const f of files) yield* readFlows(f, options);
  yield* session.finish(options);
}

/** Counts under the names readers gave (archive members are `archive!member`); inputs that yielded nothing get zeros, so every input is accounted for. */
function perFileCounts(files: string[], counts: RunCounts): [string, Counts][] {
  const out = [...counts.perFile];
  for (const f of files) {
    const name = f === '-' ? 'stdin' : f;
    if (!out.some(([k]) => k === name || k.startsWith(`${name}!`))) out.push([name, zeroCounts()]);
  }
  return out;
}

/**
 * Indexes files, directories, globs or stdin (`-`) through one pipeline, so requests stay in
 * flight across file boundaries. Expects `setup` to have run (the CLI runs it first).
 */
export async function indexFiles(
  client: Client,
  cfg: FlowdexConfig,
  inputs: readonly string[],
  o: IndexFilesOptions = {},
): Promise<IndexFilesResult> {
  const t0 = Date.now();
  const files = await expandInputs(inputs);
  const deadLetter = new DeadLetter(o.deadLetterPath ?? defaultDeadLetterPath(inputs[0]));
  const counts = new RunCounts();
  const total = await totalBytes(files);
  let bytesRead = 0;
  const display = o.progress
    ? new ProgressDisplay(() => ({ counts: counts.total, bytesRead, totalBytes: total }))
    : undefined;
  display?.start();
  const readOptions: ReadFileOptions = {
    format: o.format,
    timeOffsetMs: o.timeOffsetMs,
    mappingFile: o.mappingFile,
    onFormat: o.onFormat,
    onBytes: (n) => (bytesRead += n),
  };
  try {
    const r = await indexItems(client, cfg, concat(files, readOptions), { ...o, deadLetter, counts }).catch(
      (e: unknown) => {
        throw ingestFailure(e, counts.total);
      },
    );
    return {
      summary: summarize(
        counts.total,
        deadLetter.usedPath,
        Date.now() - t0,
        r.rollupsIncomplete ? 'dirty' : o.rollup?.marksOnly ? 'deferred' : 'kept',
      ),
      perFile: perFileCounts(files, counts),
      interrupted: r.interrupted,
      ...(r.rollupsIncomplete ? { rollupsIncomplete: r.rollupsIncomplete } : {}),
    };
  } finally {
    display?.stop();
    await deadLetter.close();
  }
}
