import type { ExportFormat } from '../readers/export-decoder';

/**
 * Loss accounting from export sequence numbers. Each exporter stream (address + engine / source
 * id / observation domain / sFlow sub-agent) numbers what it sends: NetFlow v5 counts flows, v9
 * export packets, IPFIX data records, sFlow datagrams. Losses are counted cumulatively —
 * (highest sequence reached − first sequence) − units received — so reordered datagrams that
 * arrive late reduce the loss instead of being counted twice, and a large backwards jump starts a
 * new epoch (the exporter restarted) instead of counting 4 billion lost flows.
 */

/** Where a datagram sits in its exporter's numbering, read from the export header alone. */
export interface SequencePoint {
  /** The numbered stream within the exporter: `v5/0.0`, `v9/12`, `ipfix/1`, `sflow/10.0.0.1/0`. */
  stream: string;
  sequence: number;
  /** Units this datagram carries when the header says (v5 flow count, one packet or datagram); IPFIX records are counted after decoding. */
  units?: number;
  /** Exporter uptime, where the header has it: a drop tells a reboot from reordering. */
  uptimeMs?: number;
}

/** Reads the sequence fields of an export header; undefined when the datagram is too short to hold them. */
export function sequencePoint(b: Buffer, format: ExportFormat): SequencePoint | undefined {
  switch (format) {
    case 'netflow-v5':
      if (b.length < 24) return undefined;
      return {
        stream: `v5/${b[20]}.${b[21]}`,
        sequence: b.readUInt32BE(16),
        units: b.readUInt16BE(2),
        uptimeMs: b.readUInt32BE(4),
      };
    case 'netflow-v9':
      if (b.length < 20) return undefined;
      return {
        stream: `v9/${b.readUInt32BE(16)}`,
        sequence: b.readUInt32BE(12),
        units: 1,
        uptimeMs: b.readUInt32BE(4),
      };
    case 'ipfix':
      if (b.length < 16) return undefined;
      return { stream: `ipfix/${b.readUInt32BE(12)}`, sequence: b.readUInt32BE(8) };
    case 'sflow': {
      const v6 = b.length >= 8 && b.readUInt32BE(4) === 2;
      const at = v6 ? 24 : 12;
      if (b.length < at + 12) return undefined;
      const agent = v6 ? ipv6Hex(b.subarray(8, 24)) : `${b[8]}.${b[9]}.${b[10]}.${b[11]}`;
      return {
        stream: `sflow/${agent}/${b.readUInt32BE(at)}`,
        sequence: b.readUInt32BE(at + 4),
        units: 1,
        uptimeMs: b.readUInt32BE(at + 8),
      };
    }
  }
}

function ipv6Hex(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

const U32 = 2 ** 32;
/** A step back further than this is an exporter restart, not reordering. */
export const REORDER_WINDOW = 65536;
/** An uptime that went back further than this means the exporter rebooted. */
export const UPTIME_SLACK_MS = 1000;

export interface SequenceCounts {
  /** Units the numbering says were sent but never arrived. */
  lost: number;
  /** Datagrams that arrived behind one numbered after them. */
  reordered: number;
  /** Sequence restarts (exporter rebooted or reset its counters). */
  resets: number;
}

/** Signed distance b − a on a 32-bit wrapping counter. */
function distance(a: number, b: number): number {
  const d = (((b - a) % U32) + U32) % U32;
  return d >= U32 / 2 ? d - U32 : d;
}

/**
 * One stream's numbering. Pure state machine fed datagrams in arrival order. The loss is
 * (start of the furthest datagram − first sequence) − units of every datagram before it, so a late
 * datagram cancels the gap it left and IPFIX records decoded late (held for their template) still
 * count. IPFIX template-only messages share the next message's number: a step of zero is normal.
 */
export class SequenceTracker {
  private first: number | undefined;
  /** Furthest datagram's sequence, as an offset from `first`. */
  private reach = 0;
  private received = 0;
  /** Units of the furthest datagram (not yet "before" anything). */
  private tail = 0;
  private behind = false;
  private uptime: number | undefined;
  private closedLost = 0;
  reordered = 0;
  resets = 0;

  /** A datagram numbered `sequence` carrying `units` (0 when only decoding tells, then `addUnits`). */
  see(sequence: number, units: number, uptimeMs?: number): void {
    if (this.first === undefined) return this.restart(sequence, units, uptimeMs);
    const d = distance((this.first + this.reach) % U32, sequence);
    const rebooted =
      d < 0 && uptimeMs !== undefined && this.uptime !== undefined && uptimeMs < this.uptime - UPTIME_SLACK_MS;
    if (d < -REORDER_WINDOW || d > U32 / 4 || rebooted) {
      this.closedLost += this.openLost();
      this.resets++;
      return this.restart(sequence, units, uptimeMs);
    }
    if (uptimeMs !== undefined) this.uptime = Math.max(this.uptime ?? 0, uptimeMs);
    this.behind = d < 0;
    this.received += units;
    if (d < 0) this.reordered++;
    else if (d === 0) this.tail += units;
    else {
      this.reach += d;
      this.tail = units;
    }
  }

  /** Units counted after decoding (IPFIX data records) for the datagram just seen. */
  addUnits(units: number): void {
    if (this.first === undefined) return;
    this.received += units;
    if (!this.behind) this.tail += units;
  }

  counts(): SequenceCounts {
    return { lost: this.closedLost + this.openLost(), reordered: this.reordered, resets: this.resets };
  }

  private openLost(): number {
    return Math.max(0, this.reach - (this.received - this.tail));
  }

  private restart(sequence: number, units: number, uptimeMs: number | undefined): void {
    this.first = sequence;
    this.reach = 0;
    this.received = units;
    this.tail = units;
    this.behind = false;
    this.uptime = uptimeMs;
  }
}
