import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError, isFlowdexError } from '../errors';
import type { SourceLocation } from '../model/flow';
import type { Enrichment } from '../enrich/pipeline';
import { normalize } from '../model/normalize';
import type { ReadItem } from '../readers/types';
import { indexFor } from '../store/indices';
import { RollupStream, type RollupStreamOptions } from '../rollup/stream';
import { Batch, type BulkEntry } from './bulk';
import { DailyIndices } from './daily-indices';
import type { DeadLetter } from './dead-letter';
import { describeFailure, isTransient } from '../store/failures';
import { WaitReporter, withRetry } from './retry';
import { BulkSender, type SendListener } from './sender';
import { addCounts, zeroCounts, type Counts } from './summary';

export interface IndexOptions {
  deadLetter: DeadLetter;
  /** Bulk requests in flight. @default 2 */
  concurrency?: number;
  /** Flows per second; unlimited when absent. */
  maxRate?: number;
  /** Send a batch once it holds this many bytes. @default 5 MiB */
  flushBytes?: number;
  /** Send a non-empty batch at least this often, so slow inputs (stdin, follow) show up. @default 1000 */
  flushIntervalMs?: number;
  /** Stop retrying an unreachable or overloaded node after this long. @default 10 minutes */
  giveUpAfterMs?: number;
  /** Turn refresh off on touched indices during the load. @default true */
  relaxRefresh?: boolean;
  /** Aborting stops reading; documents already read are still sent and accounted. */
  signal?: AbortSignal;
  /**
   * Rollups: kept from the stream (the default), or only their marks recorded (`marksOnly`,
   * `index --no-rollup`), leaving the buckets to `flowdex rollup`.
   */
  rollup?: RollupStreamOptions;
  /** The enrichment stage each normalized document passes; none when absent. */
  enrich?: Enrichment;
  /** Live counters (the progress display reads them); a fresh one when absent. */
  counts?: RunCounts;
  /**
   * Told each item's final outcome (a rejection once its dead letter is written): the collector
   * deletes a spool segment when every flow read from it is settled.
   */
  onSettled?: (loc: SourceLocation, outcome: Outcome) => void;
  log?: (line: string) => void;
}

/** What became of an item in the end. */
export type Outcome = Exclude<keyof Counts, 'read'>;

/** Totals and per-input-file counts, updated as documents are read and acknowledged. */
export class RunCounts {
  readonly total: Counts = zeroCounts();
  readonly perFile = new Map<string, Counts>();

  bump(file: string, field: keyof Counts): void {
    this.total[field]++;
    let c = this.perFile.get(file);
    if (!c) this.perFile.set(file, (c = zeroCounts()));
    c[field]++;
  }

  merge(other: RunCounts): void {
    addCounts(this.total, other.total);
    for (const [file, c] of other.perFile) this.perFile.set(file, addCounts(this.perFile.get(file) ?? zeroCounts(), c));
  }
}

export interface IndexResult {
  counts: RunCounts;
  /** Daily indices this run wrote to. */
  indices: string[];
  /** True when the signal stopped reading before the input ended. */
  interrupted: boolean;
  /**
   * Why rollups are missing for some of this run's flows (OpenSearch refused them beyond the
   * retries); the buckets are marked dirty for `flowdex rollup`. Absent when rollups are whole.
   */
  rollupsIncomplete?: string;
  /** Wall time the rollups added after the last flow was acknowledged; absent with `--no-rollup`. */
  rollupTailMs?: number;
}

const DEFAULTS = { concurrency: 2, flushBytes: 5 * 1024 * 1024, flushIntervalMs: 1000, giveUpAfterMs: 10 * 60_000 };

function rejectReason(e: unknown): string {
  return isFlowdexError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/**
 * Batches entries and hands them to the sender, never more than `concurrency` batches
 * outstanding: `add` waits for a free slot, which is what holds the reader back.
 */
class Batcher {
  private batch = new Batch();
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly sender: BulkSender,
    private readonly listener: SendListener,
    private readonly limits: { flushBytes: number; maxDocs: number; concurrency: number },
  ) {}

  async add(e: BulkEntry): Promise<void> {
    this.batch.add(e);
    if (this.batch.bytes >= this.limits.flushBytes || this.batch.size >= this.limits.maxDocs) {
      await this.freeSlot();
      this.submit();
    }
  }

  /** Sends the current batch if it is older than `ageMs` (the interval flush). */
  flushIfOlder(ageMs: number): void {
    if (this.batch.size > 0 && Date.now() - this.batch.createdAt >= ageMs) this.submit();
  }

  /** Sends what is left and waits for every request to settle; throws the first fatal error. */
  async drain(): Promise<void> {
    this.submit();
    while (this.pending.size > 0) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  private async freeSlot(): Promise<void> {
    while (this.pending.size >= this.limits.concurrency) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  private submit(): void {
    if (this.batch.size === 0) return;
    const entries = this.batch.entries;
    this.batch = new Batch();
    const p: Promise<void> = this.sender
      .send(entries, this.listener)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * The bulk pipeline: reader items → normalize → enrich → route to the day's index → batches → bulk
 * `create` requests. Every item ends up counted as indexed, duplicate or rejected (the
 * rejected ones in the dead-letter file). Refresh is relaxed during the load and restored,
 * then refreshed, before this returns — also when it fails or is interrupted.
 */
export async function indexItems(
  client: Client,
  cfg: FlowdexConfig,
  items: AsyncIterable<ReadItem>,
  o: IndexOptions,
): Promise<IndexResult> {
  const giveUpAfterMs = o.giveUpAfterMs ?? DEFAULTS.giveUpAfterMs;
  const concurrency = o.concurrency ?? DEFAULTS.concurrency;
  const counts = o.counts ?? new RunCounts();
  const waiting = new WaitReporter(o.log, giveUpAfterMs);
  const onRetry = (e: unknown) => waiting.failed(describeFailure(e));
  const rollups = await RollupStream.open(client, cfg, {
    log: o.log,
    retry: (request) => withRetry(request, { giveUpAfterMs, signal: o.signal, onRetry }),
    ...o.rollup,
  });
  const indices = new DailyIndices(client, cfg.prefix, {
    relaxRefresh: o.relaxRefresh ?? true,
    giveUpAfterMs,
    signal: o.signal,
    onRetry,
  });
  const sender = new BulkSender(client, { concurrency, maxRate: o.maxRate, giveUpAfterMs, signal: o.signal });
  const listener: SendListener = {
    indexed: (e) => {
      counts.bump(e.loc.file, 'indexed');
      rollups.created(e);
      o.onSettled?.(e.loc, 'indexed');
    },
    duplicate: (e, ownLost) => {
      counts.bump(e.loc.file, 'duplicates');
      if (ownLost) rollups.unsure(e);
      o.onSettled?.(e.loc, 'duplicates');
    },
    rejected: async (e, reason) => {
      counts.bump(e.loc.file, 'rejected');
      await o.deadLetter.rejectDoc(reason, e.loc, e.source);
      o.onSettled?.(e.loc, 'rejected');
    },
    retrying: (reason) => waiting.failed(reason),
    accepted: () => waiting.succeeded(),
    beforeSend: (entries) => rollups.beforeSend(entries),
    settled: (entries) => rollups.settled(entries),
  };
  const batcher = new Batcher(sender, listener, {
    flushBytes: o.flushBytes ?? DEFAULTS.flushBytes,
    maxDocs: sender.maxBatchDocs,
    concurrency,
  });
  const flushInterval = o.flushIntervalMs ?? DEFAULTS.flushIntervalMs;
  const timer = setInterval(() => batcher.flushIfOlder(flushInterval), Math.max(50, flushInterval / 4));

  const rejectItem = async (loc: SourceLocation, reason: string, raw?: string) => {
    counts.bump(loc.file, 'read');
    counts.bump(loc.file, 'rejected');
    await o.deadLetter.reject(reason, loc, raw);
    o.onSettled?.(loc, 'rejected');
  };

  let interrupted = false;
  let finished = false;
  let rollupsIncomplete: string | undefined;
  let rollupTailMs: number | undefined;
  try {
    for await (const item of items) {
      if (item.kind === 'reject') {
        await rejectItem(item.loc, rejectReason(item.error), item.raw);
      } else {
        let entry: BulkEntry;
        try {
          const { id, doc } = normalize(item.record, o.enrich?.sampling);
          o.enrich?.apply(doc);
          const facts = rollups.facts(doc as unknown as Record<string, unknown>, item.record.start);
          entry = {
            index: indexFor(cfg.prefix, item.record.start),
            id,
            source: JSON.stringify(doc),
            ts: item.record.start,
            loc: item.loc,
            ...(facts ? { facts } : {}),
          };
        } catch (e) {
          if (!isFlowdexError(e)) throw e;
          await rejectItem(item.loc, rejectReason(e));
          continue;
        }
        counts.bump(item.loc.file, 'read');
        await indices.ensure(entry.index);
        await batcher.add(entry);
      }
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    await batcher.drain();
    ({ incomplete: rollupsIncomplete, tookMs: rollupTailMs } = await rollups.finish());
    finished = true;
  } finally {
    clearInterval(timer);
    // A failed run's marks go to the repair; a process living on must not hold them.
    if (!finished) await rollups.release().catch(() => undefined);
    await sender.stop();
    await indices.finish();
  }
  return {
    counts,
    indices: indices.touched,
    interrupted,
    ...(rollupsIncomplete ? { rollupsIncomplete } : {}),
    ...(rollupTailMs !== undefined ? { rollupTailMs } : {}),
  };
}

/** Wraps an unexpected pipeline failure with what was achieved before it. */
export function ingestFailure(e: unknown, counts: Counts): FlowdexError {
  if (isFlowdexError(e)) return e;
  if (isTransient(e)) {
    return new FlowdexError(
      'OPENSEARCH_UNREACHABLE',
      `OpenSearch did not accept writes before --give-up-after ran out (${counts.indexed} flows indexed before)`,
      {},
      { cause: e },
    );
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new FlowdexError(
    'INGEST_FAILED',
    `indexing stopped: ${msg} (${counts.indexed} flows indexed before)`,
    {},
    { cause: e },
  );
}
