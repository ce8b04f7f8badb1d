import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { errorMessage } from '../errors';
import type { Enrichment } from '../enrich/pipeline';
import { DeadLetter } from '../ingest/dead-letter';
import { indexItems, type Outcome } from '../ingest/indexer';
import type { SourceLocation } from '../model/flow';
import { stateIndex } from '../store/indices';
import { DecoderSession, ExportDecoder, exportFormat } from '../readers/export-decoder';
import type { ReadItem } from '../readers/types';
import { ExporterBook } from './exporters';
import { kernelDrops, sysctlHint, type ListenSpec } from './listener';
import { Receiver } from './receiver';
import { sequencePoint } from './sequence';
import { Spool, type SpooledDatagram } from './spool';
import { loadTemplates, saveStats, saveTemplates } from './state';
import { statusLine, type CollectorStats } from './stats';

/**
 * `flowdex collect`: UDP listeners → spool (every datagram, on disk, in arrival order) → decode
 * with per-exporter template state → the indexer. The receive side only appends to the spool; one
 * long indexing run reads sealed segments in order as they come and deletes each once every flow
 * decoded from it is settled, so a slow or absent OpenSearch only makes the spool grow, a restart
 * replays what was not yet accounted for, and deterministic document ids turn replayed flows into
 * counted duplicates rather than doubles. The run's fixed costs (rollup state, refreshes, rollup
 * writes of whole buckets) are paid once, not per segment.
 */

export interface CollectorOptions {
  listen: ListenSpec[];
  /** Spool directory; segments left there by an earlier run are replayed first. */
  spoolDir: string;
  /** @default 1 GiB */
  spoolMaxBytes?: number;
  /** Seal spool segments at least this often. @default 1000 */
  segmentMs?: number;
  /** Socket receive buffer asked of the kernel. @default 32 MiB */
  recvBufferBytes?: number;
  /** One-line status on stderr this often; 0 for none. @default 10000 */
  statusEveryMs?: number;
  /** Data sets wait this long (receive time) for their template before counting as "no template". @default 60000 */
  holdTemplateMs?: number;
  /** @default `<spoolDir>/collect.dead-letter.ndjson` (appended to) */
  deadLetterPath?: string;
  /** Index decoded flows; false decodes and counts only (the receive-side benchmark). @default true */
  index?: boolean;
  /** On stop, keep indexing the spool this long before leaving the rest for the next start. @default 30000 */
  drainTimeoutMs?: number;
  /**
   * Resolves once OpenSearch is reachable and set up (templates installed); retried every 5 s.
   * Indexing waits for it, receiving does not.
   */
  ready?: () => Promise<void>;
  /** The enrichment stage every decoded flow passes before indexing; none when absent. */
  enrich?: Enrichment;
  log: (line: string) => void;
}

/** Bad datagrams kept whole in the dead-letter file, per exporter and reason. */
const SAMPLES = 5;
/** Datagrams decoded between turns of the event loop, so sockets keep being read. */
const DECODE_SLICE = 64;

/** Received bytes the receive thread may queue for this one before refusing (and counting) datagrams. */
const RECEIVE_QUEUE_BYTES = 256 * 1024 ** 2;
/** A segment not indexed after this long is reported (the node is slow or unreachable). */
const WAIT_REPORT_S = 5;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type OutcomeCounts = Record<Outcome, number>;

/** A spool segment being indexed: deleted once every flow decoded from it is settled. */
interface SegmentTally {
  n: number;
  /** When it was read: a segment waiting long means OpenSearch is slow or unreachable. */
  since: number;
  /** Flows handed to the indexer; final once `decoded`. */
  flows: number;
  decoded: boolean;
  settled: number;
  /**
   * Outcomes per exporter (`udp:<address>`), added to the totals when the segment is deleted; a
   * failed run drops them with the segment, which its retry reads again.
   */
  outcomes: Map<string, OutcomeCounts>;
}

export class Collector {
  private readonly spool: Spool;
  private readonly listeners: Receiver;
  private readonly session = new DecoderSession();
  private readonly decoder: ExportDecoder;
  private readonly book = new ExporterBook();
  private readonly deadLetter: DeadLetter;
  private readonly abort = new AbortController();
  private readonly name: string;
  private readonly started = new Date().toISOString();
  private consumer: Promise<void> | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private savedVersion = 0;
  private opensearch = 'ok';
  /** Segments of the current indexing run not yet deleted, oldest first. */
  private tallies: SegmentTally[] = [];
  /** The segment each flow handed to the indexer came from (its location object is passed through). */
  private readonly tallyOf = new WeakMap<SourceLocation, SegmentTally>();
  private acking: Promise<void> = Promise.resolve();
  /** Segments whose datagrams are already in the exporter counters (a retried segment is not counted twice). */
  private readonly counted = new Set<number>();
  private readonly totals = { datagrams: 0, bytes: 0, flows: 0, indexed: 0, duplicates: 0, rejected: 0, bad: 0 };
  private rate = { at: Date.now(), datagrams: 0, flows: 0, datagramsPerS: 0, flowsPerS: 0 };

  constructor(
    private readonly client: Client,
    private readonly cfg: FlowdexConfig,
    private readonly o: CollectorOptions,
  ) {
    this.spool = new Spool({
      dir: o.spoolDir,
      maxBytes: o.spoolMaxBytes,
      segmentMs: o.segmentMs,
      onFull: (bytes) =>
        o.log(
          `collect: warning: spool full at ${(bytes / 1024 ** 2).toFixed(0)} MiB (--spool-max); datagrams are being refused and counted until OpenSearch catches up`,
        ),
    });
    this.decoder = new ExportDecoder({ session: this.session });
    let warned = false;
    let behind = false;
    this.listeners = new Receiver({
      maxInFlightBytes: RECEIVE_QUEUE_BYTES,
      recvBufferBytes: o.recvBufferBytes ?? 32 * 1024 ** 2,
      onBatch: (records, count, payloadBytes, refused) => {
        this.totals.datagrams += count + refused;
        this.totals.bytes += payloadBytes;
        this.spool.appendRecords(records, count);
        if (refused) {
          this.spool.countRefused(refused);
          if (!behind)
            o.log(
              `collect: warning: spooling fell ${RECEIVE_QUEUE_BYTES / 1024 ** 2} MiB behind the sockets; ${refused} datagrams refused and counted`,
            );
        }
        behind = refused > 0;
      },
      onCapped: (info, want) => {
        if (warned) return;
        warned = true;
        o.log(
          `collect: warning: the kernel capped the receive buffer of ${info.listen} at ${info.recvBufferBytes} bytes (asked ${want}); bursts may be dropped. Raise the limit: ${sysctlHint(want)}`,
        );
      },
      onError: (listen, message) => o.log(`collect: socket ${listen}: ${message}`),
    });
    this.deadLetter = new DeadLetter(o.deadLetterPath ?? path.join(o.spoolDir, 'collect.dead-letter.ndjson'), {
      append: true,
    });
    this.name = `${os.hostname()} ${o.listen.map((l) => l.text).join(' ')}`;
  }

  get stateIndex(): string {
    return stateIndex(this.cfg.prefix);
  }

  /** Restores exporter templates, binds the sockets, and starts replaying and indexing the spool. */
  async start(): Promise<void> {
    this.spool.open();
    const left = this.spool.stats();
    if (left.segments)
      this.o.log(
        `collect: replaying ${left.segments} spool segments (${(left.bytes / 1024 ** 2).toFixed(1)} MiB) left by an earlier run`,
      );
    await this.listeners.bind(this.o.listen);
    for (const l of this.listeners.info)
      this.o.log(`collect: listening on ${l.family === 'udp6' ? `[${l.address}]` : l.address}:${l.port} (${l.listen})`);
    this.consumer = this.consume();
    const every = this.o.statusEveryMs ?? 10_000;
    this.statusTimer = setInterval(() => this.tick(), every > 0 ? every : 10_000);
    this.statusTimer.unref();
  }

  /** Bound ports, in `--listen` order (the real port when 0 was asked). */
  get ports(): number[] {
    return this.listeners.info.map((l) => l.port);
  }

  /**
   * Stops receiving, writes and seals the spool, indexes what it can within the drain timeout,
   * and saves state. What is left stays in the spool for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.listeners.close();
    this.spool.close();
    const timeout = setTimeout(() => this.abort.abort(), this.o.drainTimeoutMs ?? 30_000);
    try {
      await this.consumer;
    } finally {
      clearTimeout(timeout);
      if (this.statusTimer) clearInterval(this.statusTimer);
      await this.persist().catch(() => undefined);
      await this.deadLetter.close();
    }
    const left = this.spool.stats();
    if (left.segments)
      this.o.log(
        `collect: ${left.segments} spool segments (${(left.bytes / 1024 ** 2).toFixed(1)} MiB) left in ${this.o.spoolDir} for the next start`,
      );
  }

  /**
   * Waits for OpenSearch to be set up (`ready`), then restores exporter templates; decoding starts
   * only after both, so data replayed from the spool meets the templates of the last run.
   * Receiving never waits: the spool holds everything meanwhile.
   */
  private async prepare(): Promise<boolean> {
    if (this.o.index === false) return true;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.ready?.();
        const snap = await loadTemplates(this.client, this.cfg.prefix);
        this.session.templates.restore(snap);
        this.savedVersion = this.session.templates.version;
        if (snap.templates.length)
          this.o.log(`collect: ${snap.templates.length} exporter templates restored from ${this.stateIndex}`);
        return true;
      } catch (e) {
        this.opensearch = errorMessage(e);
        if (attempt === 0 || attempt % 12 === 0)
          this.o.log(`collect: OpenSearch not ready (${this.opensearch}); spooling meanwhile`);
        if (this.stopping) return false;
        await new Promise((resolve) => setTimeout(resolve, 5000));
        if (this.stopping) return false;
      }
    }
  }

  private async consume(): Promise<void> {
    if (!(await this.prepare())) return;
    for (;;) {
      try {
        await this.indexRun();
        return;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.opensearch = errorMessage(e);
        await this.acking;
        this.o.log(
          `collect: indexing stopped at spool segment ${this.tallies[0]?.n ?? '-'} (${this.opensearch}); reading it again`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /**
   * One indexing run over the spool, from its oldest segment to the last one sealed before
   * `stop`: bulk requests are filled across segment boundaries, and rollups are kept by one
   * stream for the whole run.
   */
  private async indexRun(): Promise<void> {
    this.tallies = [];
    const items = this.decodeSpool();
    if (this.o.index === false) {
      for await (const item of items) {
        this.settle(item.loc, 'indexed');
        if (this.abort.signal.aborted) break;
      }
      await this.acking;
      return;
    }
    await indexItems(this.client, this.cfg, items, {
      deadLetter: this.deadLetter,
      relaxRefresh: false,
      // Never give up on OpenSearch: the spool holds what it cannot take yet.
      giveUpAfterMs: Number.POSITIVE_INFINITY,
      signal: this.abort.signal,
      enrich: this.o.enrich,
      onSettled: (loc, outcome) => this.settle(loc, outcome),
      log: (line) => {
        this.opensearch = line;
        this.o.log(`collect: ${line}`);
      },
    });
    await this.acking;
  }

  /** Sealed segments in order, as they come, until the spool is closed; each one's flows tallied. */
  private async *decodeSpool(): AsyncGenerator<ReadItem> {
    for (let last = -1; ;) {
      const n = this.spool.sealedAfter(last);
      if (n === undefined) {
        if (this.stopping) return;
        await this.spool.whenSealed(last);
        continue;
      }
      last = n;
      const tally: SegmentTally = { n, since: Date.now(), flows: 0, decoded: false, settled: 0, outcomes: new Map() };
      this.tallies.push(tally);
      const seg = await this.spool.read(n);
      const first = !this.counted.has(n);
      this.counted.add(n);
      if (seg.partialBytes && first)
        this.o.log(
          `collect: spool segment ${n} ends in ${seg.partialBytes} bytes of a torn record (the process was killed mid-write); ignored`,
        );
      for await (const item of this.decodeAll(seg.datagrams, first)) {
        this.tallyOf.set(item.loc, tally);
        tally.flows++;
        yield item;
      }
      tally.decoded = true;
      this.ack();
    }
  }

  private settle(loc: SourceLocation, outcome: Outcome): void {
    const tally = this.tallyOf.get(loc);
    if (!tally) return;
    let c = tally.outcomes.get(loc.file);
    if (!c) tally.outcomes.set(loc.file, (c = { indexed: 0, duplicates: 0, rejected: 0 }));
    c[outcome]++;
    tally.settled++;
    if (tally.decoded && tally.settled >= tally.flows) this.ack();
  }

  /** Deletes the leading segments whose every flow is settled, and counts their outcomes. */
  private ack(): void {
    this.acking = this.acking
      .then(() => this.deleteSettled())
      .catch((e: unknown) => this.o.log(`collect: spool segment not deleted: ${errorMessage(e)}`));
  }

  private async deleteSettled(): Promise<void> {
    const tallies = this.tallies;
    for (let t = tallies[0]; t && t.decoded && t.settled >= t.flows; t = tallies[0]) {
      // Templates learnt from a segment are saved before the segment goes.
      await this.persistTemplates().catch((e: unknown) => {
        this.o.log(`collect: exporter templates not saved yet (${errorMessage(e)}); trying again later`);
      });
      tallies.shift();
      for (const [file, c] of t.outcomes) {
        this.totals.indexed += c.indexed;
        this.totals.duplicates += c.duplicates;
        this.totals.rejected += c.rejected;
        if (this.o.index !== false) this.book.indexedCounts(file.replace(/^udp:/, ''), c);
      }
      this.counted.delete(t.n);
      this.opensearch = 'ok';
      this.spool.remove(t.n);
    }
  }

  /** Decodes a segment's datagrams through the shared template state; bad input is counted and sampled here. */
  private async *decodeAll(datagrams: SpooledDatagram[], count: boolean): AsyncGenerator<ReadItem> {
    const hold = this.o.holdTemplateMs ?? 60_000;
    const firstAt = datagrams[0]?.receivedMs;
    if (firstAt !== undefined) yield* this.flowsOf(this.decoder.expireHeld(firstAt - hold), undefined, count);
    for (const [i, d] of datagrams.entries()) {
      if (i % DECODE_SLICE === DECODE_SLICE - 1) await yieldToLoop();
      const format = exportFormat(d.payload, false);
      if (count) this.book.datagram(d.address, format, d.receivedMs);
      const seq = format && count ? sequencePoint(d.payload, format) : undefined;
      const tracker = seq ? this.book.stream(d.address, seq.stream) : undefined;
      if (seq && tracker) tracker.see(seq.sequence, seq.units ?? 0, seq.uptimeMs);
      const before = this.decoder.counters.flows + this.decoder.counters.optionRecords;
      const items = this.decoder.decode(
        d.payload,
        { file: `udp:${d.address}`, base: 0, exporter: d.address, captureMs: d.receivedMs },
        format,
      );
      if (format === 'ipfix' && tracker)
        tracker.addUnits(this.decoder.counters.flows + this.decoder.counters.optionRecords - before);
      yield* this.flowsOf(items, d, count);
    }
  }

  private async *flowsOf(items: ReadItem[], d: SpooledDatagram | undefined, count: boolean): AsyncGenerator<ReadItem> {
    for (const item of items) {
      if (item.kind === 'flow') {
        if (count) {
          this.totals.flows++;
          this.book.flows(item.loc.file.replace(/^udp:/, ''), 1);
        }
        yield item;
        continue;
      }
      if (!count) continue;
      this.totals.bad++;
      const exporter = item.loc.file.replace(/^udp:/, '');
      const seen = this.book.bad(exporter, item.error.message);
      if (seen <= SAMPLES) {
        const raw = d && d.address === exporter ? d.payload.subarray(0, 2048).toString('hex') : undefined;
        await this.deadLetter.reject(
          `${item.error.code}: ${item.error.message}`,
          { file: item.loc.file, offset: item.loc.offset },
          raw,
        );
      }
    }
  }

  private async persistTemplates(): Promise<void> {
    const cache = this.session.templates;
    if (this.o.index === false || cache.version === this.savedVersion) return;
    const version = cache.version;
    await saveTemplates(this.client, this.cfg.prefix, cache.snapshot());
    this.savedVersion = version;
  }

  private async persist(): Promise<void> {
    if (this.o.index === false) return;
    await this.persistTemplates();
    await saveStats(this.client, this.cfg.prefix, this.name, this.stats());
  }

  private tick(): void {
    const now = Date.now();
    const secs = (now - this.rate.at) / 1000;
    if (secs > 0) {
      this.rate.datagramsPerS = (this.totals.datagrams - this.rate.datagrams) / secs;
      this.rate.flowsPerS = (this.totals.flows - this.rate.flows) / secs;
    }
    this.rate = { ...this.rate, at: now, datagrams: this.totals.datagrams, flows: this.totals.flows };
    this.book.mark(now);
    const s = this.stats();
    if ((this.o.statusEveryMs ?? 10_000) > 0) this.o.log(statusLine(s));
    if (this.o.index !== false) saveStats(this.client, this.cfg.prefix, this.name, s).catch(() => undefined);
  }

  private writeState(): string {
    const p = this.tallies[0];
    const secs = p ? Math.floor((Date.now() - p.since) / 1000) : 0;
    if (!p || secs < WAIT_REPORT_S) return this.opensearch;
    return `waiting ${secs} s to index spool segment ${p.n}${this.opensearch === 'ok' ? '' : ` (${this.opensearch})`}`;
  }

  stats(): CollectorStats {
    const drops = kernelDrops(this.listeners.info);
    const snap = this.session.templates.snapshot();
    const held = this.session.templates.heldByExporter();
    const exporters = this.book.snapshot(
      (address) => snap.templates.filter((t) => t.scope.startsWith(`${address}|`)).length,
      (address) => held.get(address)?.sets ?? 0,
    );
    const t = this.totals;
    return {
      name: this.name,
      started: this.started,
      updated: new Date().toISOString(),
      listeners: this.listeners.info.map((l, i) => ({
        listen: l.listen,
        address: l.address,
        port: l.port,
        family: l.family,
        recv_buffer_bytes: l.recvBufferBytes,
        kernel_drops: drops[i] ?? null,
      })),
      totals: {
        datagrams: t.datagrams,
        bytes: t.bytes,
        datagrams_per_s: Math.round(this.rate.datagramsPerS),
        flows: t.flows,
        flows_per_s: Math.round(this.rate.flowsPerS),
        indexed: t.indexed,
        duplicates: t.duplicates,
        rejected: t.rejected,
        bad_datagrams: t.bad,
        sequence_lost: exporters.reduce((a, e) => a + e.sequence.lost, 0),
        kernel_drops: drops.reduce<number>((a, x) => a + (x ?? 0), 0),
      },
      spool: this.spool.stats(),
      opensearch: this.writeState(),
      exporters,
    };
  }
}
