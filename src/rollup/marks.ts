import type { Client } from '@opensearch-project/opensearch';
import { currentOwner, ownerAlive, type RunOwner } from '../store/run-owner';
import { DIRTY_MARKS } from '../store/state';

/** Marks are 15-minute buckets of flow start: every spec interval is a multiple or a divisor. */
export const MARK_MS = 15 * 60_000;

/**
 * Crash repair for stream-maintained rollups. Before a bulk request is sent, the run records
 * the 15-minute buckets of its flows in `<prefix>state` (kind `dirty`, id `dirty:run:<run id>`,
 * `data: {buckets, pid, host, heartbeat}`); once every created flow of a bucket is in a rollup
 * document, the bucket leaves the list, and the document goes when the list is empty. Whatever
 * a run leaves behind (killed, failed, or `--no-rollup`) is rebuilt from raw flows by the next
 * `flowdex index` or `flowdex rollup`; buckets of a run still alive are left to it.
 */
export type MarkOwner = RunOwner;
export { ownerAlive };

/** This run's marks document: written before flows are sent, shrunk as rollups catch up. */
export class RunMarks {
  private written = new Set<number>();
  private chain: Promise<void> = Promise.resolve();
  /** The marks document's key, `run:<run id>`. */
  readonly key: string;

  private owned = true;

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    readonly runId: string,
    private readonly retry: <T>(request: () => Promise<T>) => Promise<T> = (request) => request(),
  ) {
    this.key = `run:${runId}`;
  }

  /** Resolves once every bucket of `marks` is recorded (only new ones cost a write). */
  async mark(marks: Iterable<number>): Promise<void> {
    const next = new Set(this.written);
    for (const m of marks) next.add(m);
    if (next.size === this.written.size) return this.chain;
    this.written = next;
    return this.enqueue(next);
  }

  /** Records that only `pending` still lacks rollup documents. */
  async settle(pending: ReadonlySet<number>): Promise<void> {
    if (pending.size === this.written.size && [...pending].every((m) => this.written.has(m))) return this.chain;
    this.written = new Set(pending);
    return this.enqueue(this.written);
  }

  /** Writes the marks without an owner: whoever repairs next takes them, this process included. */
  async release(): Promise<void> {
    this.owned = false;
    if (this.written.size > 0) await this.enqueue(this.written);
    else await this.chain;
  }

  get pending(): number {
    return this.written.size;
  }

  private enqueue(marks: ReadonlySet<number>): Promise<void> {
    const snapshot = [...marks].sort((a, b) => a - b);
    this.chain = this.chain.then(() => this.write(snapshot));
    return this.chain;
  }

  private async write(buckets: number[]): Promise<void> {
    if (buckets.length === 0) {
      await this.retry(() => DIRTY_MARKS.remove(this.client, this.prefix, this.key));
      return;
    }
    const owner: Partial<MarkOwner> = this.owned ? currentOwner() : {};
    await this.retry(() => DIRTY_MARKS.put(this.client, this.prefix, this.key, { buckets, ...owner }));
  }
}
