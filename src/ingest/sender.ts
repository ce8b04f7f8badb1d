import type { Client } from '@opensearch-project/opensearch';
import Bottleneck from 'bottleneck';
import { FlowdexError } from '../errors';
import { postBulk } from '../store/bulk';
import { bulkBody, classifyResponse, type BulkEntry } from './bulk';
import { describeFailure } from '../store/failures';
import { backoffDelay, sleep, withRetry } from './retry';

/** What happened to each document of a batch; the sender reports, the pipeline accounts. */
export interface SendListener {
  indexed(e: BulkEntry): void;
  /**
   * Already stored. `ownLost` when an earlier attempt of the same request failed without an
   * answer: that attempt may have stored it, so it may be this run's flow, not an older one.
   */
  duplicate(e: BulkEntry, ownLost: boolean): void;
  rejected(e: BulkEntry, reason: string): Promise<void>;
  /** A request (or some of its documents) will be sent again: OpenSearch did not take it, for `reason`. */
  retrying?(reason: string): void;
  /** A request went through whole. */
  accepted?(): void;
  /** Before a batch is first sent (rollup marks are recorded here). */
  beforeSend?(entries: readonly BulkEntry[]): Promise<void>;
  /** Once every document of a batch is accounted for. */
  settled?(entries: readonly BulkEntry[]): void;
}

export interface SenderOptions {
  /** Bulk requests in flight. @default 2 */
  concurrency: number;
  /** Flows per second across all requests; unlimited when absent. */
  maxRate?: number;
  giveUpAfterMs: number;
  signal?: AbortSignal;
}

/**
 * Sends batches through two gates: a reservoir of flows per second (only with `maxRate`) and a
 * cap on concurrent requests. Bottleneck counts job weight against both limits, so they are
 * separate limiters: the rate gate weighs flows, the concurrency gate weighs requests.
 */
export class BulkSender {
  private readonly requests: Bottleneck;
  private readonly rate: Bottleneck | undefined;

  constructor(
    private readonly client: Client,
    private readonly o: SenderOptions,
  ) {
    this.requests = new Bottleneck({ maxConcurrent: o.concurrency });
    this.rate = o.maxRate
      ? new Bottleneck({ reservoir: o.maxRate, reservoirRefreshAmount: o.maxRate, reservoirRefreshInterval: 1000 })
      : undefined;
  }

  /** Most documents one batch may hold so that its weight fits the rate reservoir. */
  get maxBatchDocs(): number {
    return this.o.maxRate ?? Number.POSITIVE_INFINITY;
  }

  async send(entries: BulkEntry[], listener: SendListener): Promise<void> {
    if (this.rate) await this.rate.schedule({ weight: entries.length }, async () => {});
    await this.requests.schedule(async () => {
      await listener.beforeSend?.(entries);
      await this.sendUntilSettled(entries, listener);
      listener.settled?.(entries);
    });
  }

  /** Sends, then resends documents the node pushed back (per-document 429) until none is left. */
  private async sendUntilSettled(entries: BulkEntry[], listener: SendListener): Promise<void> {
    let pending = entries;
    let againReason = '';
    const t0 = Date.now();
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0 && Date.now() - t0 > this.o.giveUpAfterMs) {
        throw new FlowdexError(
          'INGEST_FAILED',
          `OpenSearch kept refusing ${pending.length} documents (${againReason}) for ${Math.round(this.o.giveUpAfterMs / 1000)} s; giving up`,
          { file: pending[0]?.loc.file },
        );
      }
      const body = bulkBody(pending);
      let lost = false;
      const res = await withRetry(() => postBulk(this.client, body), {
        giveUpAfterMs: this.o.giveUpAfterMs,
        signal: this.o.signal,
        onRetry: (e) => {
          lost = true;
          listener.retrying?.(describeFailure(e));
        },
      });
      const outcomes = classifyResponse(res, pending.length);
      const again: BulkEntry[] = [];
      againReason = '';
      for (let i = 0; i < pending.length; i++) {
        const e = pending[i] as BulkEntry;
        const out = outcomes[i];
        if (out?.kind === 'indexed') listener.indexed(e);
        else if (out?.kind === 'duplicate') listener.duplicate(e, lost);
        else if (out?.kind === 'retry') {
          again.push(e);
          againReason ||= out.reason;
        } else await listener.rejected(e, out?.reason ?? 'unknown');
      }
      if (again.length > 0) {
        listener.retrying?.(`${again.length} documents pushed back: ${againReason}`);
        await sleep(backoffDelay(round, { baseMs: 200 }));
      } else listener.accepted?.();
      pending = again;
    }
  }

  async stop(): Promise<void> {
    await this.requests.stop({ dropWaitingJobs: false });
    await this.rate?.stop({ dropWaitingJobs: false });
  }
}
