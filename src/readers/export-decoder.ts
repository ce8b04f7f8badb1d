import { FlowdexError, type ErrorCode } from '../errors';
import type { FlowRecord } from '../model/flow';
import { decodeIpfix } from './netflow/ipfix';
import { TemplateCache, type HeldLimits, type Origin, type Sink } from './netflow/templates';
import { decodeV5, V5_HEADER, V5_RECORD } from './netflow/v5';
import { decodeV9 } from './netflow/v9';
import { decodeSflow } from './sflow';
import type { ReaderOptions, ReadItem } from './types';

/**
 * Decodes export datagrams (NetFlow v5/v9, IPFIX, sFlow v5) in arrival order through one template
 * state, turning them into read items. Shared by the pcap and raw-datagram readers.
 */

export type ExportFormat = 'netflow-v5' | 'netflow-v9' | 'ipfix' | 'sflow';

/**
 * Which export protocol a UDP payload carries. `strict` (for arbitrary UDP traffic in captures)
 * also checks that lengths agree, so a DNS packet with id 5 is not taken for NetFlow v5. `length`
 * is the datagram's declared length (UDP header), which a capture's snap length may have cut the
 * payload short of: a cut datagram is still recognised, and its decoder reports what is missing.
 */
export function exportFormat(b: Buffer, strict: boolean, length = b.length): ExportFormat | undefined {
  if (b.length < 16) return undefined;
  const v16 = b.readUInt16BE(0);
  if (v16 === 5) {
    const count = b.readUInt16BE(2);
    if (!strict) return b.length >= V5_HEADER ? 'netflow-v5' : undefined;
    // At least one record: a count that lies, a cut datagram or bytes after the records are the
    // decoder's to report, not a reason to ignore the datagram.
    if (length < V5_HEADER + V5_RECORD) return undefined;
    const whole = (length - V5_HEADER) / V5_RECORD;
    return (count > 0 && count <= 30) || (Number.isInteger(whole) && whole <= 30) ? 'netflow-v5' : undefined;
  }
  if (v16 === 9 && b.length >= 24) {
    const set = b.readUInt16BE(20);
    const len = b.readUInt16BE(22);
    return !strict || ((set <= 1 || set >= 256) && len >= 4 && 20 + len <= length) ? 'netflow-v9' : undefined;
  }
  if (v16 === 10) {
    const len = b.readUInt16BE(2);
    if (!strict) return len >= 16 ? 'ipfix' : undefined;
    if (b.length < 20) return undefined;
    // The first set must fit the datagram; the message length may lie, which the decoder reports.
    const set = b.readUInt16BE(16);
    const setLen = b.readUInt16BE(18);
    return len >= 20 && (set === 2 || set === 3 || set >= 256) && setLen >= 4 && 16 + setLen <= length
      ? 'ipfix'
      : undefined;
  }
  if (b.readUInt32BE(0) === 5) {
    const agent = b.readUInt32BE(4);
    return agent === 1 || agent === 2 ? 'sflow' : undefined;
  }
  return undefined;
}

export interface DecoderCounters {
  datagrams: number;
  flows: number;
  rejected: number;
  optionRecords: number;
  templates: number;
  skipped: Map<string, number>;
}

/**
 * Template state shared by every input of one run (`decode tpl.dat data.dat`, one index run), so
 * templates read from one file decode data in the next. Created by the caller, passed in
 * `ReaderOptions.session`; the caller ends the run with `finish`.
 */
export class DecoderSession {
  readonly templates: TemplateCache;

  constructor(held: Partial<HeldLimits> = {}) {
    this.templates = new TemplateCache(held);
  }

  /** End of the run: data sets that never got their template become rejects. */
  finish(options: ReaderOptions = {}): ReadItem[] {
    return new ExportDecoder({ ...options, session: this }).flushHeld();
  }
}

export class ExportDecoder {
  readonly counters: DecoderCounters = {
    datagrams: 0,
    flows: 0,
    rejected: 0,
    optionRecords: 0,
    templates: 0,
    skipped: new Map(),
  };
  private readonly cache: TemplateCache;
  /** With a shared session, held data waits for templates from later inputs of the run. */
  private readonly shared: boolean;
  private out: ReadItem[] = [];
  private readonly sink: Sink;

  constructor(options: ReaderOptions = {}) {
    this.cache = options.session?.templates ?? new TemplateCache();
    this.shared = options.session !== undefined;
    const offset = options.timeOffsetMs ?? 0;
    const stats = options.stats;
    const counters = this.counters;
    this.sink = {
      flow: (rec: FlowRecord, origin: Origin, at: number) => {
        if (offset) {
          rec.start += offset;
          if (rec.end !== undefined) rec.end += offset;
        }
        counters.flows++;
        this.out.push({ kind: 'flow', record: rec, loc: { file: origin.file, offset: origin.base + at } });
      },
      reject: (reason: string, origin: Origin, at: number, code: ErrorCode = 'INPUT_BAD_RECORD') => {
        counters.rejected++;
        const where = origin.base + at;
        stats?.undecodable.push({ where: `${origin.file}@${where}`, reason });
        const error = new FlowdexError(code, reason, { file: origin.file, offset: where });
        this.out.push({ kind: 'reject', error, loc: { file: origin.file, offset: where } });
      },
      optionRecord: () => void counters.optionRecords++,
      template: () => {
        counters.templates++;
        if (stats) stats.templates++;
      },
      skipped: (kind: string) => {
        counters.skipped.set(kind, (counters.skipped.get(kind) ?? 0) + 1);
        stats?.skipped?.set(kind, (stats.skipped.get(kind) ?? 0) + 1);
      },
    };
  }

  /** Decodes one datagram; returns the items it produced (including held data its templates released). */
  decode(payload: Buffer, origin: Origin, format = exportFormat(payload, false)): ReadItem[] {
    this.counters.datagrams++;
    switch (format) {
      case 'netflow-v5':
        decodeV5(payload, origin, this.sink);
        break;
      case 'netflow-v9':
        decodeV9(payload, origin, this.cache, this.sink);
        break;
      case 'ipfix': {
        // Some files hold several IPFIX messages back to back.
        let o = 0;
        while (o < payload.length) {
          const rest = o === 0 ? payload : payload.subarray(o);
          if (o > 0 && exportFormat(rest, false) !== 'ipfix') {
            this.sink.reject(`${payload.length - o} bytes after the IPFIX message are not another message`, origin, o);
            break;
          }
          o += decodeIpfix(rest, { ...origin, base: origin.base + o }, this.cache, this.sink);
        }
        break;
      }
      case 'sflow':
        decodeSflow(payload, origin, this.sink, this.cache);
        break;
      default:
        this.sink.reject('datagram is not NetFlow v5/v9, IPFIX or sFlow v5 (unknown version field)', origin, 0);
    }
    return this.take();
  }

  /** A datagram or stretch of input lost before decoding (damaged capture, fragments). */
  reject(reason: string, origin: Origin, code: ErrorCode = 'INPUT_BAD_RECORD'): ReadItem[] {
    this.sink.reject(reason, origin, 0, code);
    return this.take();
  }

  /** Counts input that is deliberately not a flow (the pcap reader's non-export packets). */
  skip(kind: string): void {
    this.sink.skipped(kind);
  }

  /** End of input: held data sets that never got a template become rejects (at the session's end when shared). */
  finish(): ReadItem[] {
    return this.shared ? this.take() : this.flushHeld();
  }

  /** Held data sets received before `beforeMs` (origin capture time) become "no template" rejects. */
  expireHeld(beforeMs: number): ReadItem[] {
    this.cache.expireHeld(beforeMs, this.sink);
    return this.take();
  }

  flushHeld(): ReadItem[] {
    this.cache.finish(this.sink);
    return this.take();
  }

  private take(): ReadItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }
}
