import { randomBytes } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowdexError } from '../errors';
import { indicesExist, refreshIndices } from '../store/admin';
import { backoffDelay } from '../store/backoff';
import { bulkLines, itemResults } from '../store/bulk';
import { isBlock } from '../store/failures';
import { allFlowIndices, flowIndexHead } from '../store/indices';
import { alignDown, dirtyWindows, mergeRanges, splitByDay } from './buckets';
import { bulk, docOf, RollupIndices, updateRollups } from './builder';
import { compactWindow } from './compact';
import { MARK_MS, ownerAlive, RunMarks } from './marks';
import { FactReader, factFields, RollupAggregator, type FlowFacts, type GroupAgg, type OpenBucket } from './partials';
import { PARTIAL_FIELD, ROLLUP_SPECS, rollupAlias, rollupIndexFor, type RollupSpec } from './specs';
import { readDirty, readWatermarks, ROLLUP_FORMAT, writeWatermarks, type Watermark } from './state';

export interface RollupStreamOptions {
  /** @default ROLLUP_SPECS */
  specs?: readonly RollupSpec[];
  /**
   * Write the buckets the stream has left behind this often (one bulk write, one refresh, one
   * watermark update per spec at most per tick). @default 10 s
   */
  flushEveryMs?: number;
  /** A bucket is written once the newest flow is this far past its end. @default 5 minutes */
  graceMs?: number;
  /** Groups held in memory (about 300 bytes each) before everything is written. @default 500 000 */
  maxGroups?: number;
  /** Only record marks (`index --no-rollup`): the flows are left to `flowdex rollup`. */
  marksOnly?: boolean;
  /** Runs each request to OpenSearch, retrying while the node is away (the indexer's policy). */
  retry?: <T>(request: () => Promise<T>) => Promise<T>;
  log?: (line: string) => void;
}

const DEFAULTS = { flushEveryMs: 10_000, graceMs: 5 * 60_000, maxGroups: 500_000 };

/** Documents per rollup bulk request. */
const WRITE_BATCH = 5000;
/** Rollup bulk requests in flight: the node indexes two at once on two cores. */
const WRITE_WORKERS = 2;

interface Create {
  spec: RollupSpec;
  bucket: number;
  index: string;
  id: string;
  doc: Record<string, unknown>;
}

/** What the indexer needs to know of a document to keep rollups: its facts and its mark. */
export interface StreamDoc {
  ts: number;
  facts?: FlowFacts;
}

/**
 * Rollups kept by the indexing stream (DESIGN §5). The indexer calls `beforeSend` with each
 * bulk request's documents (their 15-minute marks are recorded before anything is sent),
 * `created` for each document the response says is new, `settled` once a request's outcomes
 * are accounted, and `finish` at the end. Created flows are summed in memory and written as
 * partial rollup documents — a group's first write takes the group's own id, later ones an id
 * of their own — which every report sums at read time. Files, `--follow` and the collector
 * use the same stream.
 */
export class RollupStream {
  private readonly aggregator: RollupAggregator;
  private readonly reader: FactReader;
  private readonly marks: RunMarks;
  private readonly indices: RollupIndices;
  private readonly inflight = new Map<number, number>();
  private readonly written = new Map<string, { from: number; to: number }>();
  private writes: Promise<void> = Promise.resolve();
  /** Why rollups stopped being written: the run goes on, keeping only marks for the repair. */
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private lastHeld = -1;
  private queued: ReadonlySet<number>[] = [];
  /** Documents and flows written per spec since its watermark was last written. */
  private readonly unreported = new Map<string, { docs: number; flows: number }>();
  private readonly o: Required<Omit<RollupStreamOptions, 'log' | 'specs'>> & Pick<RollupStreamOptions, 'log'>;
  private readonly retry: <T>(request: () => Promise<T>) => Promise<T>;
  readonly specs: readonly RollupSpec[];
  /** Rollup documents written under ids of their own (a group already had one): compaction merges them. */
  partials = 0;
  docs = 0;
  /** Wall time spent writing rollup documents, watermarks and marks. */
  writeMs = 0;
  /** Rollup documents merged away by compaction. */
  compacted = 0;
  /** Buckets (per spec, by start) this run wrote a partial into: compacted once closed. */
  private readonly toCompact = new Map<RollupSpec, Set<number>>();

  private constructor(
    private readonly client: Client,
    private readonly cfg: FlowdexConfig,
    o: RollupStreamOptions,
  ) {
    this.specs = o.specs ?? ROLLUP_SPECS;
    this.retry = o.retry ?? ((request) => request());
    this.o = {
      flushEveryMs: o.flushEveryMs ?? DEFAULTS.flushEveryMs,
      graceMs: o.graceMs ?? DEFAULTS.graceMs,
      maxGroups: o.maxGroups ?? DEFAULTS.maxGroups,
      marksOnly: o.marksOnly ?? false,
      retry: this.retry,
      log: o.log,
    };
    const fields = factFields(this.specs);
    this.reader = new FactReader(fields);
    this.aggregator = new RollupAggregator(this.specs, fields);
    this.marks = new RunMarks(
      client,
      cfg.prefix,
      `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      this.retry,
    );
    this.indices = new RollupIndices(client, cfg.prefix);
  }

  /**
   * Opens a stream. Buckets left dirty by runs that are gone (killed, failed, `--no-rollup`) and
   * raw flows no rollup was ever built for are first rebuilt from raw flows: the stream only adds
   * what it is given, so it must start from rollups that are right.
   */
  static async open(client: Client, cfg: FlowdexConfig, o: RollupStreamOptions = {}): Promise<RollupStream> {
    const stream = new RollupStream(client, cfg, o);
    if (!stream.o.marksOnly) {
      const retry = stream.retry;
      const [watermarks, dirty] = await retry(() =>
        Promise.all([readWatermarks(client, cfg.prefix), readDirty(client, cfg.prefix)]),
      );
      const stale = stream.specs.some((s) => watermarks.get(s.name)?.format !== ROLLUP_FORMAT);
      const rawExists = await retry(() => indicesExist(client, allFlowIndices(cfg.prefix)));
      if (dirty.length > 0 || (stale && rawExists)) {
        await retry(() => bulksSettled(client, cfg.prefix, o.log));
        try {
          const r = await retry(() =>
            updateRollups(client, cfg, { specs: stream.specs === ROLLUP_SPECS ? undefined : stream.specs, log: o.log }),
          );
          o.log?.(
            `rollups repaired from raw flows before indexing (${r.specs.reduce((n, s) => n + s.windows, 0)} windows, ${r.took_ms} ms)`,
          );
        } catch (e) {
          // The stream only adds to rollups that are right; without the repair it keeps marks only.
          stream.fail(e, 'repairing rollups before indexing');
          return stream;
        }
      }
      stream.timer = setInterval(() => stream.flush('closed'), stream.o.flushEveryMs);
      stream.timer.unref();
    }
    return stream;
  }

  /** The facts of a flow document, read once when it is built (undefined with marks only). */
  facts(doc: Record<string, unknown>, ts: number): FlowFacts | undefined {
    return this.o.marksOnly ? undefined : this.reader.read(doc, ts);
  }

  /** Records the marks of a request's documents; resolves once they are stored. */
  async beforeSend(docs: readonly StreamDoc[]): Promise<void> {
    const marks = new Set<number>();
    for (const d of docs) {
      const m = alignDown(d.ts, MARK_MS);
      marks.add(m);
      this.inflight.set(m, (this.inflight.get(m) ?? 0) + 1);
    }
    await this.marks.mark(marks);
  }

  /**
   * Hands this run's marks over to the repair (`flowdex rollup` or the next run): with
   * `--no-rollup`, or when the run failed. Without this, a process that goes on living (a test,
   * a server) would keep them as a live run's.
   */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.marks.release();
  }

  created(d: StreamDoc): void {
    if (d.facts && this.failure === undefined) this.aggregator.add(d.facts);
  }

  /** Buckets of flows found stored on a retry whose first attempt went unanswered. */
  private unsureMarks = new Set<number>();

  /**
   * A flow found already stored when its request was sent again after an attempt that got no
   * answer: that attempt may have stored it (this run's flow) or not (an older run's). Its
   * bucket is rebuilt from raw flows when the run finishes, so it is counted exactly once.
   */
  unsure(d: StreamDoc): void {
    if (!this.o.marksOnly) this.unsureMarks.add(alignDown(d.ts, MARK_MS));
  }

  /** Hands the unsure buckets to the repair and runs it now; the reason when it cannot. */
  private async rebuildUnsure(): Promise<string | undefined> {
    if (this.unsureMarks.size === 0) return undefined;
    const marks = new RunMarks(this.client, this.cfg.prefix, `${this.marks.runId}-unsure`, this.retry);
    await marks.mark(this.unsureMarks);
    await marks.release();
    try {
      const r = await this.retry(() =>
        updateRollups(this.client, this.cfg, {
          specs: this.specs === ROLLUP_SPECS ? undefined : this.specs,
          log: this.o.log,
        }),
      );
      this.o.log?.(
        `rollups: ${this.unsureMarks.size} buckets held flows a lost request may have stored; rebuilt from raw flows (${r.specs.reduce((n, s) => n + s.windows, 0)} windows, ${r.took_ms} ms)`,
      );
      return undefined;
    } catch (e) {
      return `rebuilding buckets after a lost request: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** A request's outcomes are accounted: its created flows are held, the rest needs nothing. */
  settled(docs: readonly StreamDoc[]): void {
    for (const d of docs) {
      const m = alignDown(d.ts, MARK_MS);
      const n = (this.inflight.get(m) ?? 1) - 1;
      if (n > 0) this.inflight.set(m, n);
      else this.inflight.delete(m);
    }
    if (!this.o.marksOnly && this.aggregator.groups >= this.o.maxGroups) this.flush('all');
  }

  /**
   * Writes everything held, brings watermarks forward and drops this run's marks. When rollups
   * could not be written, the marks are handed to the repair instead and the reason returned:
   * every flow is indexed all the same, and `flowdex rollup` (or the next run) builds the buckets.
   */
  async finish(): Promise<{ incomplete?: string; tookMs?: number }> {
    if (this.timer) clearInterval(this.timer);
    if (this.o.marksOnly) {
      await this.release();
      return {};
    }
    const t0 = performance.now();
    this.finishing = true;
    this.flush('all');
    await this.writes;
    if (this.failure !== undefined) {
      await this.release();
      return { incomplete: this.failure };
    }
    const unsure = await this.rebuildUnsure();
    if (unsure !== undefined) return { incomplete: unsure };
    // What rollups add to the run's wall time once the last flow is acknowledged (the day
    // buckets are written here); the writes before it ran beside the indexing.
    const tookMs = Math.round(performance.now() - t0);
    this.o.log?.(
      `rollups: ${this.docs} documents written (${this.partials} partial, ${this.compacted} merged away), ${Math.round(this.writeMs)} ms writing in all, ${tookMs} ms after the last flow`,
    );
    return { tookMs };
  }

  private finishing = false;

  /**
   * Merges the partials of buckets this run wrote more than once, once the stream holds none of
   * their flows and it has moved past them (or is finishing). Buckets another live run may still
   * write wait for a later compaction (that run's, or the next one's).
   */
  private async compactClosed(all: boolean): Promise<void> {
    if (this.toCompact.size === 0) return;
    const dirty = await this.retry(() => readDirty(this.client, this.cfg.prefix));
    const now = Date.now();
    const others = dirty.filter((d) => d.key !== this.marks.key && ownerAlive(d.owner, now)).flatMap((d) => d.buckets);
    const held = this.aggregator.heldMarks();
    for (const [spec, starts] of this.toCompact) {
      const busy = dirtyWindows([...others, ...held], MARK_MS, spec.intervalMs);
      const ready = [...starts].filter((start) => {
        const end = start + spec.intervalMs;
        const closed = all || end + this.o.graceMs <= this.aggregator.newest;
        return closed && !busy.some((b) => b.from < end && start < b.to);
      });
      // Neighbouring buckets are merged in one pass per day (a day lies in one monthly index).
      const windows = splitByDay(mergeRanges(ready.map((start) => ({ from: start, to: start + spec.intervalMs }))));
      // Marked while merging: a merge cut short (a crash, a refusal) is rebuilt by the repair.
      const marks: number[] = [];
      for (const w of windows) for (let m = alignDown(w.from, MARK_MS); m < w.to; m += MARK_MS) marks.push(m);
      if (marks.length > 0) await this.marks.mark(marks);
      for (const window of windows) {
        const r = await this.retry(() => compactWindow(this.client, this.cfg.prefix, spec, window));
        this.compacted += r.before - r.after;
      }
      for (const start of ready) starts.delete(start);
      if (starts.size === 0) this.toCompact.delete(spec);
    }
    if (this.compacted > 0)
      await this.retry(() =>
        refreshIndices(
          this.client,
          this.specs.map((s) => rollupAlias(this.cfg.prefix, s)),
        ),
      );
  }

  /**
   * Stops writing rollups for the rest of the run (OpenSearch refused them beyond the retries):
   * what is held is dropped, and the marks recorded from now on are never settled, so the
   * repair rebuilds every bucket this run touched.
   */
  private fail(e: unknown, stage: string): void {
    if (this.failure !== undefined) return;
    const reason = `${stage}: ${e instanceof Error ? e.message : String(e)}`;
    this.failure = reason;
    if (this.timer) clearInterval(this.timer);
    this.aggregator.takeAll();
    this.o.log?.(`rollups not kept for the rest of this run (${reason}); \`flowdex rollup\` builds them later`);
  }

  /** Queues a write of the closed (or all) buckets; writes run one at a time, in order. */
  private flush(which: 'closed' | 'all'): void {
    if (this.failure !== undefined) return;
    const buckets = which === 'all' ? this.aggregator.takeAll() : this.aggregator.closed(this.o.graceMs);
    // Nothing to write and nothing new held since the last look: the watermarks are right.
    const held = this.aggregator.groups;
    if (buckets.length === 0 && which === 'closed' && held === this.lastHeld) return;
    this.lastHeld = held;
    // Taken from memory but not written yet: their marks must stay until the write lands.
    const queued = new Set(buckets.flatMap((b) => [...b.marks]));
    this.queued.push(queued);
    this.writes = this.writes
      .then(() => (this.failure !== undefined ? undefined : this.write(buckets, queued, which)))
      .catch((error: unknown) => this.fail(error, 'writing rollups'));
  }

  private async write(
    buckets: readonly OpenBucket[],
    queued: ReadonlySet<number>,
    which: 'closed' | 'all',
  ): Promise<void> {
    const t0 = performance.now();
    try {
      await this.writeBuckets(buckets);
      await this.compactClosed(which === 'all' && this.finishing);
      this.queued = this.queued.filter((q) => q !== queued);
      await this.marks.settle(
        new Set([...this.aggregator.heldMarks(), ...this.inflight.keys(), ...this.queued.flatMap((q) => [...q])]),
      );
    } finally {
      this.writeMs += performance.now() - t0;
    }
  }

  private async writeBuckets(buckets: readonly OpenBucket[]): Promise<void> {
    const indexOf = (b: OpenBucket) => rollupIndexFor(this.cfg.prefix, b.spec, b.start);
    // New monthly indices are created together: the node batches their cluster-state updates.
    const needed = new Map(buckets.map((b) => [indexOf(b), b.spec]));
    await Promise.all([...needed].map(([index, spec]) => this.retry(() => this.indices.ensure(spec, index))));
    const groups: { b: OpenBucket; index: string; g: GroupAgg }[] = [];
    for (const b of buckets) {
      const index = indexOf(b);
      const added = this.unreported.get(b.spec.name) ?? { docs: 0, flows: 0 };
      for (const g of b.groups) {
        groups.push({ b, index, g });
        added.flows += g.flows;
      }
      added.docs += b.groups.length;
      this.unreported.set(b.spec.name, added);
      const span = this.written.get(b.spec.name);
      this.written.set(b.spec.name, {
        from: Math.min(span?.from ?? b.start, b.start),
        to: Math.max(span?.to ?? 0, b.start + b.spec.intervalMs),
      });
    }
    // Documents are built a request at a time, so memory holds a request's documents per worker
    // rather than every document of the flush.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let at = next; at < groups.length; at = next) {
        next += WRITE_BATCH;
        await this.writeChunk(
          groups
            .slice(at, at + WRITE_BATCH)
            .map(({ b, index, g }) => ({ spec: b.spec, bucket: b.start, index, ...docOf(b.spec, b.start, g.dims, g) })),
        );
      }
    };
    await Promise.all(Array.from({ length: WRITE_WORKERS }, worker));
    await this.advanceWatermarks(new Set(buckets.map((b) => b.spec.name)));
  }

  private async writeChunk(chunk: readonly Create[]): Promise<void> {
    const taken = await this.retry(() => createAll(this.client, chunk));
    // The group already has a document (an earlier write or run): this one gets an id of its own.
    const again = chunk.filter((_, j) => taken[j]);
    if (again.length > 0) {
      const run = `${this.marks.runId}.${++this.seq}`;
      await this.retry(() =>
        bulk(
          this.client,
          again.flatMap((c) => [
            { index: { _index: c.index, _id: `${c.id}~${run}` } },
            { ...c.doc, [PARTIAL_FIELD]: true },
          ]),
        ),
      );
      this.partials += again.length;
      for (const c of again) {
        let set = this.toCompact.get(c.spec);
        if (!set) this.toCompact.set(c.spec, (set = new Set()));
        set.add(c.bucket);
      }
    }
    this.docs += chunk.length;
  }

  /**
   * Makes the written documents searchable and moves each spec's watermark: forward over what
   * was written, back to the start of a bucket the stream still holds flows of. Reports read
   * the time past a watermark from raw flows, so a held flow is counted there meanwhile.
   */
  private async advanceWatermarks(written: ReadonlySet<string>): Promise<void> {
    if (written.size > 0) {
      const aliases = this.specs.filter((s) => written.has(s.name)).map((s) => rollupAlias(this.cfg.prefix, s));
      await this.retry(() => refreshIndices(this.client, aliases));
    }
    const watermarks = await this.retry(() => readWatermarks(this.client, this.cfg.prefix));
    const updated = new Date().toISOString();
    const out = new Map<string, Watermark>();
    for (const spec of this.specs) {
      const prev = watermarks.get(spec.name);
      const next = coveredRange(prev, this.written.get(spec.name), this.aggregator.oldestHeld(spec));
      const added = this.unreported.get(spec.name) ?? { docs: 0, flows: 0 };
      if (
        next === undefined ||
        (added.docs === 0 && prev && next.from === prev.built_from && next.to === prev.built_to)
      )
        continue;
      // Sizes steer the planner's choice: this run's documents added to what the watermark said.
      out.set(spec.name, {
        built_from: next.from,
        built_to: next.to,
        updated,
        docs: (prev?.docs ?? 0) + added.docs,
        flows: (prev?.flows ?? 0) + added.flows,
        format: ROLLUP_FORMAT,
      });
    }
    await this.retry(() => writeWatermarks(this.client, this.cfg.prefix, out));
    for (const name of out.keys()) this.unreported.delete(name);
  }

  /** Marks still recorded for this run. */
  get pendingMarks(): number {
    return this.marks.pending;
  }
}

/** Longest wait for the bulk requests of a run that is gone. */
const ORPHAN_WAIT_MS = 60_000;

/**
 * Waits until no bulk request into this prefix's flow indices is running. A killed indexer's
 * last requests keep running on the node; a rebuild from raw flows started before they land
 * would miss their flows, which a rerun then only sees as duplicates.
 */
async function bulksSettled(client: Client, prefix: string, log?: (line: string) => void): Promise<void> {
  const t0 = Date.now();
  for (let logged = false; Date.now() - t0 < ORPHAN_WAIT_MS; logged = true) {
    const res = await client.tasks.list({ actions: 'indices:data/write/bulk*', detailed: true });
    const nodes =
      (res.body as { nodes?: Record<string, { tasks?: Record<string, { description?: string }> }> }).nodes ?? {};
    const ours = Object.values(nodes)
      .flatMap((n) => Object.values(n.tasks ?? {}))
      .filter((t) => t.description?.includes(flowIndexHead(prefix)));
    if (ours.length === 0) return;
    if (!logged) log?.(`waiting for ${ours.length} bulk request(s) of an earlier run to land before repairing rollups`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The range a spec's watermark should claim: the previous one widened over what this run wrote,
 * cut at the earliest bucket still held. Undefined when nothing is known. Pure.
 */
export function coveredRange(
  prev: Watermark | undefined,
  written: { from: number; to: number } | undefined,
  oldestHeld: number | undefined,
): { from: number; to: number } | undefined {
  if (prev === undefined && written === undefined) return undefined;
  const from = Math.min(prev?.built_from ?? Infinity, written?.from ?? Infinity);
  const to = Math.max(prev?.built_to ?? -Infinity, written?.to ?? -Infinity);
  return { from, to: oldestHeld === undefined ? to : Math.max(from, Math.min(to, oldestHeld)) };
}

/** Rounds of resending documents a rollup `create` had pushed back (429, a block) before giving up. */
const CREATE_ROUNDS = 10;

/**
 * `create` under each group's own id; true where the id was taken (409). Documents pushed back
 * are sent again on their own (resending the whole request would find its own creates taken);
 * other refusals throw.
 */
async function createAll(
  client: Client,
  docs: readonly { index: string; id: string; doc: Record<string, unknown> }[],
): Promise<boolean[]> {
  const taken = docs.map(() => false);
  let pending = docs.map((_, i) => i);
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await sleep(backoffDelay(round - 1, { baseMs: 200 }));
    const body = await bulkLines(
      client,
      pending.flatMap((i) => {
        const d = docs[i] as (typeof docs)[number];
        return [{ create: { _index: d.index, _id: d.id } }, d.doc];
      }),
    );
    if (!body.errors) return taken;
    const results = itemResults(body);
    const again: number[] = [];
    let reason = '';
    pending.forEach((docIndex, j) => {
      const r = results[j];
      if (r?.status === 409) taken[docIndex] = true;
      else if (r?.status === 429 || isBlock(r?.error?.type)) {
        again.push(docIndex);
        reason ||= `${r?.error?.type ?? ''}: ${r?.error?.reason ?? ''}`;
      } else if (r?.error) throw new Error(`rollup write refused: ${r.error.type ?? ''}: ${r.error.reason ?? ''}`);
    });
    if (again.length > 0 && round + 1 >= CREATE_ROUNDS)
      throw new FlowdexError('OPENSEARCH_ERROR', `rollup writes kept being pushed back (${reason})`);
    pending = again;
  }
  return taken;
}
