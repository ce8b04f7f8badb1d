import type { ExportFormat } from '../readers/export-decoder';
import { SequenceTracker, type SequenceCounts } from './sequence';

/**
 * What the collector knows about each exporter (by address, never port): formats, volumes,
 * sequence losses per numbered stream, bad datagrams by reason, flows indexed. Pure bookkeeping.
 */

export interface ExporterSnapshot {
  address: string;
  formats: ExportFormat[];
  first_seen: string;
  last_seen: string;
  datagrams: number;
  flows: number;
  /** Flows per second over the last status interval. */
  flows_per_s: number;
  indexed: number;
  duplicates: number;
  rejected: number;
  templates: number;
  /** Data sets waiting for their template (bounded per exporter; beyond it, or too late, they count as "no template"). */
  held_sets: number;
  /** Sequence accounting summed over the exporter's streams (engines, domains, sub-agents). */
  sequence: SequenceCounts & { streams: number };
  /** Undecodable datagrams or sets, by reason; "no template" among them. */
  bad: Record<string, number>;
}

class Exporter {
  readonly formats = new Set<ExportFormat>();
  readonly streams = new Map<string, SequenceTracker>();
  readonly bad = new Map<string, number>();
  firstSeen: number;
  lastSeen: number;
  datagrams = 0;
  flows = 0;
  indexed = 0;
  duplicates = 0;
  rejected = 0;
  flowsAtMark = 0;
  flowsPerS = 0;

  constructor(
    readonly address: string,
    now: number,
  ) {
    this.firstSeen = now;
    this.lastSeen = now;
  }
}

/** Reason text with numbers taken out, so one kind of damage is one counter. */
export function reasonKey(message: string): string {
  if (/^no template/i.test(message)) return 'no template';
  return message.replace(/\d+/g, 'N').replace(/\s+/g, ' ').slice(0, 80);
}

export class ExporterBook {
  private readonly byAddress = new Map<string, Exporter>();
  private markAt = 0;

  private get(address: string, now: number): Exporter {
    let e = this.byAddress.get(address);
    if (!e) this.byAddress.set(address, (e = new Exporter(address, now)));
    return e;
  }

  datagram(address: string, format: ExportFormat | undefined, receivedMs: number): void {
    const e = this.get(address, receivedMs);
    e.datagrams++;
    if (receivedMs > e.lastSeen) e.lastSeen = receivedMs;
    if (format) e.formats.add(format);
  }

  stream(address: string, stream: string): SequenceTracker {
    const e = this.get(address, Date.now());
    let t = e.streams.get(stream);
    if (!t) e.streams.set(stream, (t = new SequenceTracker()));
    return t;
  }

  flows(address: string, n: number): void {
    this.get(address, Date.now()).flows += n;
  }

  /** Returns how many times this exporter has had this reason (callers sample the first few). */
  bad(address: string, reason: string): number {
    const e = this.get(address, Date.now());
    const key = reasonKey(reason);
    const n = (e.bad.get(key) ?? 0) + 1;
    e.bad.set(key, n);
    return n;
  }

  indexedCounts(address: string, c: { indexed: number; duplicates: number; rejected: number }): void {
    const e = this.get(address, Date.now());
    e.indexed += c.indexed;
    e.duplicates += c.duplicates;
    e.rejected += c.rejected;
  }

  /** Starts a new rate interval (the status line's). */
  mark(now: number): void {
    const secs = (now - this.markAt) / 1000;
    for (const e of this.byAddress.values()) {
      e.flowsPerS = this.markAt && secs > 0 ? (e.flows - e.flowsAtMark) / secs : 0;
      e.flowsAtMark = e.flows;
    }
    this.markAt = now;
  }

  get size(): number {
    return this.byAddress.size;
  }

  snapshot(templatesOf: (address: string) => number, heldOf: (address: string) => number): ExporterSnapshot[] {
    return [...this.byAddress.values()]
      .sort((a, b) => a.address.localeCompare(b.address))
      .map((e) => {
        const seq = { lost: 0, reordered: 0, resets: 0, streams: e.streams.size };
        for (const t of e.streams.values()) {
          const c = t.counts();
          seq.lost += c.lost;
          seq.reordered += c.reordered;
          seq.resets += c.resets;
        }
        return {
          address: e.address,
          formats: [...e.formats].sort(),
          first_seen: new Date(e.firstSeen).toISOString(),
          last_seen: new Date(e.lastSeen).toISOString(),
          datagrams: e.datagrams,
          flows: e.flows,
          flows_per_s: Math.round(e.flowsPerS),
          indexed: e.indexed,
          duplicates: e.duplicates,
          rejected: e.rejected,
          templates: templatesOf(e.address),
          held_sets: heldOf(e.address),
          sequence: seq,
          bad: Object.fromEntries([...e.bad].sort(([a], [b]) => a.localeCompare(b))),
        };
      });
  }
}
