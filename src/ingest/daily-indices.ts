import type { Client } from '@opensearch-project/opensearch';
import { createIndex, indexSetting, putIndexSettings, refreshIndices } from '../store/admin';
import { RelaxedRecord, REFRESH_OFF } from '../store/refresh';
import { withRetry, type RetryOptions } from './retry';

export interface DailyIndicesOptions {
  /** Turn refresh off on touched indices during the load. @default true */
  relaxRefresh: boolean;
  giveUpAfterMs: number;
  signal?: AbortSignal;
  /** Told each failure that will be retried (the indexer's "not accepting writes" line). */
  onRetry?: RetryOptions['onRetry'];
  /**
   * With refresh off, refresh the touched indices this often anyway, so that flows become
   * searchable (and counted by reports) while a long load runs. @default 30 s
   */
  searchableWithinMs?: number;
}

/**
 * The daily indices one run writes to: created on demand (the template supplies mappings and
 * settings), refresh turned off while loading, and put back afterwards. Each index is recorded
 * before its refresh goes off (store/refresh), so a run that never gets to put it back (killed,
 * the node gone for longer than the retries) leaves a record the next flowdex command acts on.
 */
export class DailyIndices {
  private readonly prepared = new Map<string, Promise<void>>();
  /** Refresh interval to restore; null resets to the default. */
  private readonly original = new Map<string, string | null>();

  private readonly timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<unknown> = Promise.resolve();
  private readonly record: RelaxedRecord;

  constructor(
    private readonly client: Client,
    prefix: string,
    private readonly o: DailyIndicesOptions,
  ) {
    this.record = new RelaxedRecord(client, prefix);
    if (o.relaxRefresh) {
      // One refresh at a time; a slow one is not stacked on.
      this.timer = setInterval(() => {
        this.refreshing = this.refreshing.then(() =>
          Promise.all([this.refreshTouched(), this.record.heartbeat()]).catch(() => undefined),
        );
      }, o.searchableWithinMs ?? 30_000);
      this.timer.unref();
    }
  }

  private async refreshTouched(): Promise<void> {
    await refreshIndices(this.client, this.touched);
  }

  get touched(): string[] {
    return [...this.prepared.keys()].sort();
  }

  /** Ready to receive documents; the work is done once per index and run. */
  ensure(index: string): Promise<void> {
    let p = this.prepared.get(index);
    if (!p) {
      p = this.retrying(() => this.prepare(index));
      this.prepared.set(index, p);
    }
    return p;
  }

  private async prepare(index: string): Promise<void> {
    // Another run or an earlier one may have created it.
    await createIndex(this.client, index);
    if (!this.o.relaxRefresh) return;
    const current = (await indexSetting(this.client, index, 'index.refresh_interval')).get(index);
    // "-1" means a concurrent load relaxed it; the default is the best value to return to then.
    const restoreTo = current === undefined || current === REFRESH_OFF ? null : current;
    this.original.set(index, restoreTo);
    await this.record.add(index, restoreTo);
    await putIndexSettings(this.client, [index], { refresh_interval: REFRESH_OFF });
  }

  /** Restores refresh intervals and refreshes, so everything indexed is searchable when this returns. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    const names = this.touched;
    if (names.length === 0) return;
    // Settled, not awaited one by one: an index whose creation failed must not block the others.
    await Promise.allSettled(this.prepared.values());
    for (const [index, value] of this.original)
      await this.retrying(() => putIndexSettings(this.client, [index], { refresh_interval: value }));
    this.original.clear();
    await this.retrying(() => this.record.clear());
    await this.retrying(() => refreshIndices(this.client, names));
  }

  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, { giveUpAfterMs: this.o.giveUpAfterMs, signal: this.o.signal, onRetry: this.o.onRetry });
  }
}
