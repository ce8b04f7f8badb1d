import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FlowdexError } from '../errors';

/**
 * The on-disk spool: every received datagram is appended here before anything else happens to it,
 * so a slow or absent OpenSearch, a SIGTERM or a `kill -9` loses nothing that reached the process.
 * Append-only segment files `<16-digit number>.seg`, written with synchronous writes once per
 * event-loop turn and sealed by size or age; the indexing side reads sealed segments in order and
 * deletes each once every flow in it is accounted for (possibly while later ones are being read).
 *
 * Record layout (big-endian): u32 length of the rest, f64 receive time (epoch ms), u16 exporter
 * port, u8 listener index, u8 address length, address (ASCII), payload.
 */

export interface SpooledDatagram {
  receivedMs: number;
  /** Exporter address as text (IPv4-mapped IPv6 already unwrapped). */
  address: string;
  port: number;
  /** Which `--listen` socket received it. */
  listener: number;
  payload: Buffer;
}

const FIXED = 4 + 8 + 2 + 1 + 1;
const SUFFIX = '.seg';

export function encodeRecord(d: SpooledDatagram): Buffer {
  const addrLen = Buffer.byteLength(d.address, 'latin1');
  const b = Buffer.allocUnsafe(FIXED + addrLen + d.payload.length);
  b.writeUInt32BE(b.length - 4, 0);
  b.writeDoubleBE(d.receivedMs, 4);
  b.writeUInt16BE(d.port, 12);
  b[14] = d.listener;
  b[15] = addrLen;
  b.write(d.address, 16, 'latin1');
  d.payload.copy(b, 16 + addrLen);
  return b;
}

export interface DecodedSegment {
  datagrams: SpooledDatagram[];
  /** Bytes at the end that do not form a whole record (a write cut short by `kill -9`). */
  partialBytes: number;
}

/** Splits a segment into its records; a torn last record is reported, not thrown. */
export function decodeSegment(b: Buffer): DecodedSegment {
  const datagrams: SpooledDatagram[] = [];
  let o = 0;
  while (o + 4 <= b.length) {
    const len = b.readUInt32BE(o);
    if (len < FIXED - 4 || o + 4 + len > b.length) break;
    const addrLen = b[o + 15] ?? 0;
    if (FIXED + addrLen > len + 4) break;
    datagrams.push({
      receivedMs: b.readDoubleBE(o + 4),
      port: b.readUInt16BE(o + 12),
      listener: b[o + 14] ?? 0,
      address: b.toString('latin1', o + 16, o + 16 + addrLen),
      payload: b.subarray(o + 16 + addrLen, o + 4 + len),
    });
    o += 4 + len;
  }
  return { datagrams, partialBytes: b.length - o };
}

export interface SpoolOptions {
  dir: string;
  /** Total bytes on disk before new datagrams are refused (counted and warned). @default 1 GiB */
  maxBytes?: number;
  /** Seal a segment once it holds this much. @default 4 MiB */
  segmentBytes?: number;
  /** Seal a non-empty segment at least this often, which bounds how late data reaches the index. @default 1000 */
  segmentMs?: number;
  /** Told the first refusal after a period of acceptance. */
  onFull?: (bytes: number) => void;
}

export interface SpoolStats {
  bytes: number;
  segments: number;
  /** Datagrams refused because the spool was at its cap. */
  refused: number;
  maxBytes: number;
}

function segmentName(n: number): string {
  return `${String(n).padStart(16, '0')}${SUFFIX}`;
}

export class Spool {
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly segmentMs: number;
  private readonly sealedSegs: { n: number; bytes: number }[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private active: { n: number; fd: number; bytes: number; openedAt: number } | undefined;
  private next = 0;
  private sealedBytes = 0;
  private refused = 0;
  private full = false;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly o: SpoolOptions) {
    this.maxBytes = o.maxBytes ?? 1024 ** 3;
    this.segmentBytes = o.segmentBytes ?? 4 * 1024 ** 2;
    this.segmentMs = o.segmentMs ?? 1000;
  }

  /** Creates the directory and takes over segments left by an earlier run (they are replayed first). */
  open(): void {
    try {
      mkdirSync(this.o.dir, { recursive: true });
      for (const name of readdirSync(this.o.dir)
        .filter((f) => /^\d{16}\.seg$/.test(f))
        .sort()) {
        const n = Number(name.slice(0, 16));
        const bytes = statSync(path.join(this.o.dir, name)).size;
        this.sealedSegs.push({ n, bytes });
        this.sealedBytes += bytes;
        this.next = n + 1;
      }
    } catch (e) {
      throw new FlowdexError(
        'CONFIG_INVALID',
        `cannot use spool directory ${this.o.dir}: ${e instanceof Error ? e.message : String(e)}`,
        { file: this.o.dir },
      );
    }
    this.timer = setInterval(() => this.sealIfOlder(this.segmentMs), Math.max(20, this.segmentMs / 4));
    this.timer.unref();
  }

  /** Queues a datagram for the next write; false when the spool is full and it was refused. */
  append(d: SpooledDatagram): boolean {
    return this.appendRecords(encodeRecord(d), 1) === 0;
  }

  /**
   * Queues `count` encoded records (a batch from the receive thread) for the next write. Near the
   * cap, whole records are taken while they fit; returns how many were refused.
   */
  appendRecords(records: Buffer, count: number): number {
    let take = records.length;
    let taken = count;
    if (this.bytes + take > this.maxBytes) {
      take = 0;
      taken = 0;
      while (take + 4 <= records.length) {
        const len = 4 + records.readUInt32BE(take);
        if (this.bytes + take + len > this.maxBytes) break;
        take += len;
        taken++;
      }
    }
    if (take) {
      this.pending.push(take === records.length ? records : records.subarray(0, take));
      this.pendingBytes += take;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    }
    if (taken === count) {
      this.full = false;
      return 0;
    }
    this.refused += count - taken;
    if (!this.full) {
      this.full = true;
      this.o.onFull?.(this.bytes);
    }
    return count - taken;
  }

  /** Datagrams turned away before reaching the spool (the receive thread's queue was full), counted with the refused. */
  countRefused(n: number): void {
    this.refused += n;
  }

  /** Writes what was received this turn: one system call for many datagrams. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.pending.length) return;
    const buf =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.active) {
      const n = this.next++;
      this.active = { n, fd: openSync(path.join(this.o.dir, segmentName(n)), 'a'), bytes: 0, openedAt: Date.now() };
    }
    writeSync(this.active.fd, buf);
    this.active.bytes += buf.length;
    if (this.active.bytes >= this.segmentBytes) this.seal();
  }

  /** Closes the active segment (made durable) so the reader may take it. */
  seal(): void {
    const a = this.active;
    if (!a) return;
    fsyncSync(a.fd);
    closeSync(a.fd);
    this.active = undefined;
    this.sealedSegs.push({ n: a.n, bytes: a.bytes });
    this.sealedBytes += a.bytes;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Sealed segment numbers, oldest first. */
  sealed(): number[] {
    return this.sealedSegs.map((s) => s.n);
  }

  /** The oldest sealed segment numbered above `after`. */
  sealedAfter(after: number): number | undefined {
    return this.sealedSegs.find((s) => s.n > after)?.n;
  }

  /** Resolves when a segment numbered above `after` is sealed (at once when one is), or on `wake`. */
  whenSealed(after = -1): Promise<void> {
    if (this.sealedAfter(after) !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes a reader waiting in `whenSealed` (on shutdown). */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async read(n: number): Promise<DecodedSegment> {
    return decodeSegment(await readFile(path.join(this.o.dir, segmentName(n))));
  }

  segmentPath(n: number): string {
    return path.join(this.o.dir, segmentName(n));
  }

  /** Deletes a segment whose every datagram is accounted for. */
  remove(n: number): void {
    const i = this.sealedSegs.findIndex((s) => s.n === n);
    if (i < 0) return;
    const [s] = this.sealedSegs.splice(i, 1);
    this.sealedBytes -= s?.bytes ?? 0;
    unlinkSync(this.segmentPath(n));
  }

  get bytes(): number {
    return this.sealedBytes + (this.active?.bytes ?? 0) + this.pendingBytes;
  }

  stats(): SpoolStats {
    return {
      bytes: this.bytes,
      // Datagrams received this turn and not yet written belong to the active segment-to-be.
      segments: this.sealedSegs.length + (this.active || this.pendingBytes ? 1 : 0),
      refused: this.refused,
      maxBytes: this.maxBytes,
    };
  }

  /** Writes and seals everything received; the spool can be reopened by the next run. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
    this.seal();
    this.wake();
  }

  private sealIfOlder(ms: number): void {
    this.flush();
    if (this.active && Date.now() - this.active.openedAt >= ms) this.seal();
  }
}
