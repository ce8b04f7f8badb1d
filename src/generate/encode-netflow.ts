import { ipBytes } from '../model/community-id';
import type { FlowRecord } from '../model/flow';
import { REVERSE_PEN } from '../readers/netflow/fields';
import { VARIABLE_LENGTH } from '../readers/netflow/templates';
import { V5_HEADER, V5_RECORD } from '../readers/netflow/v5';

/**
 * Encoders producing NetFlow v5, v9 and IPFIX export datagrams from flow records, the inverse of
 * the readers (round-trip tested). Each takes a batch already sized for one datagram.
 */

export const V5_PER_DATAGRAM = 30;
export const V9_PER_DATAGRAM = 16;
/** Templates are repeated this often, as exporters do, so a capture cut anywhere decodes soon. */
export const TEMPLATE_EVERY = 20;

/** Dotted quad → 32-bit value by character codes: no split, no Number(), no garbage per address. */
function ip4(ip: string | undefined): number {
  if (!ip) return 0;
  let v = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      v = v * 256 + part;
      part = 0;
    } else part = part * 10 + c - 48;
  }
  return v * 256 + part;
}

export function isV6(r: FlowRecord): boolean {
  return (r.srcIp ?? '').includes(':');
}

function u64(b: Buffer, o: number, v: number): number {
  b.writeUInt32BE(Math.floor(v / 4294967296), o);
  b.writeUInt32BE(v >>> 0, o + 4);
  return o + 8;
}

/** Exporter clock: boot time and export time in whole seconds, so uptimes round-trip exactly. */
export interface ExportClock {
  bootMs: number;
}

function exportMs(batch: FlowRecord[]): number {
  let max = 0;
  for (const r of batch) max = Math.max(max, r.end ?? r.start);
  return Math.ceil(max / 1000) * 1000;
}

/**
 * NetFlow v5 carries one direction per record: a flow with an answer becomes two records. IPv4
 * only. The record-level statement of what `V5Encoder` writes.
 */
export function v5Records(r: FlowRecord): FlowRecord[] {
  if (isV6(r)) return [];
  const fwd: FlowRecord = { ...r, dstBytes: undefined, dstPackets: undefined };
  if (!r.dstPackets) return [fwd];
  return [
    fwd,
    {
      ...r,
      srcIp: r.dstIp,
      dstIp: r.srcIp,
      srcPort: r.dstPort,
      dstPort: r.srcPort,
      icmpType: replyType(r.icmpType),
      srcBytes: r.dstBytes,
      srcPackets: r.dstPackets,
      dstBytes: undefined,
      dstPackets: undefined,
      inputInterface: r.outputInterface,
      outputInterface: r.inputInterface,
    },
  ];
}

/** The answer to an ICMP echo request is an echo reply (v4 8 → 0, v6 128 → 129). */
function replyType(t: number | undefined): number | undefined {
  return t === 8 ? 0 : t === 128 ? 129 : t;
}

/** NetFlow's ICMP convention: type × 256 + code, where the destination port would be (and IE 32/139). */
export function icmpTypeCode(r: FlowRecord): number {
  return ((r.icmpType ?? 0) << 8) | (r.icmpCode ?? 0);
}

function isIcmp(r: FlowRecord): boolean {
  return r.protocol === 1 || r.protocol === 58;
}

/**
 * NetFlow v5 datagrams of V5_PER_DATAGRAM records written straight from flows into one reused
 * buffer (the generator's hot path: no per-record objects). `emit` gets each full datagram with
 * its export time and must copy it before the next `add`.
 */
export class V5Encoder {
  private readonly buf = Buffer.alloc(V5_HEADER + V5_PER_DATAGRAM * V5_RECORD);
  private count = 0;
  private lastMs = 0;
  private sequence = 0;

  constructor(
    private readonly clock: ExportClock,
    private readonly emit: (datagram: Buffer, exportMs: number) => void,
  ) {}

  /** Adds the flow's records (see `v5Records`); returns how many. */
  add(r: FlowRecord): number {
    if (isV6(r)) return 0;
    this.record(r, false);
    if (!r.dstPackets) return 1;
    this.record(r, true);
    return 2;
  }

  /** Emits the datagram in progress, if any. */
  flush(): void {
    if (this.count === 0) return;
    const b = this.buf;
    const exp = Math.ceil(this.lastMs / 1000) * 1000;
    b.writeUInt16BE(5, 0);
    b.writeUInt16BE(this.count, 2);
    b.writeUInt32BE(exp - this.clock.bootMs, 4);
    b.writeUInt32BE(exp / 1000, 8);
    b.writeUInt32BE(this.sequence >>> 0, 16);
    this.emit(b.subarray(0, V5_HEADER + this.count * V5_RECORD), exp);
    this.sequence += this.count;
    this.count = 0;
    this.lastMs = 0;
  }

  private record(r: FlowRecord, reverse: boolean): void {
    const b = this.buf;
    const o = V5_HEADER + this.count * V5_RECORD;
    const start = r.start - this.clock.bootMs;
    const endMs = r.end ?? r.start;
    // The buffer is reused: fields left unwritten (next hop, ASes, masks) must read as zero.
    b.fill(0, o, o + V5_RECORD);
    b.writeUInt32BE(ip4(reverse ? r.dstIp : r.srcIp), o);
    b.writeUInt32BE(ip4(reverse ? r.srcIp : r.dstIp), o + 4);
    b.writeUInt16BE((reverse ? r.outputInterface : r.inputInterface) ?? 0, o + 12);
    b.writeUInt16BE((reverse ? r.inputInterface : r.outputInterface) ?? 0, o + 14);
    b.writeUInt32BE((reverse ? r.dstPackets : r.srcPackets) ?? 0, o + 16);
    b.writeUInt32BE((reverse ? r.dstBytes : r.srcBytes) ?? 0, o + 20);
    b.writeUInt32BE(start, o + 24);
    b.writeUInt32BE(endMs - this.clock.bootMs, o + 28);
    b.writeUInt16BE((reverse ? r.dstPort : r.srcPort) ?? 0, o + 32);
    if (isIcmp(r))
      b.writeUInt16BE(reverse ? icmpTypeCode({ ...r, icmpType: replyType(r.icmpType) }) : icmpTypeCode(r), o + 34);
    else b.writeUInt16BE((reverse ? r.srcPort : r.dstPort) ?? 0, o + 34);
    b[o + 37] = r.tcpFlags ?? 0;
    b[o + 38] = r.protocol ?? 0;
    b[o + 39] = r.tos ?? 0;
    if (endMs > this.lastMs) this.lastMs = endMs;
    if (++this.count === V5_PER_DATAGRAM) this.flush();
  }
}

interface FieldDef {
  id: number;
  enterprise?: number;
  length: number;
  write(b: Buffer, o: number, r: FlowRecord, clock: ExportClock): number;
}

const APP_LEN = 16;
const fields = (v6: boolean, ipfix: boolean): FieldDef[] => [
  v6
    ? { id: 27, length: 16, write: (b, o, r) => o + (ipBytes(r.srcIp ?? '::')?.copy(b, o) ?? 16) }
    : { id: 8, length: 4, write: (b, o, r) => b.writeUInt32BE(ip4(r.srcIp), o) },
  v6
    ? { id: 28, length: 16, write: (b, o, r) => o + (ipBytes(r.dstIp ?? '::')?.copy(b, o) ?? 16) }
    : { id: 12, length: 4, write: (b, o, r) => b.writeUInt32BE(ip4(r.dstIp), o) },
  { id: 7, length: 2, write: (b, o, r) => b.writeUInt16BE(r.srcPort ?? 0, o) },
  { id: 11, length: 2, write: (b, o, r) => b.writeUInt16BE(r.dstPort ?? 0, o) },
  // icmpTypeCodeIPv4 (v9 ICMP_TYPE) / icmpTypeCodeIPv6; 0 for other transports.
  { id: v6 && ipfix ? 139 : 32, length: 2, write: (b, o, r) => b.writeUInt16BE(isIcmp(r) ? icmpTypeCode(r) : 0, o) },
  { id: 4, length: 1, write: (b, o, r) => b.writeUInt8(r.protocol ?? 0, o) },
  { id: 6, length: 1, write: (b, o, r) => b.writeUInt8(r.tcpFlags ?? 0, o) },
  { id: 5, length: 1, write: (b, o, r) => b.writeUInt8(r.tos ?? 0, o) },
  { id: 10, length: 4, write: (b, o, r) => b.writeUInt32BE(r.inputInterface ?? 0, o) },
  { id: 14, length: 4, write: (b, o, r) => b.writeUInt32BE(r.outputInterface ?? 0, o) },
  { id: 1, length: 8, write: (b, o, r) => u64(b, o, r.srcBytes ?? 0) },
  { id: 2, length: 8, write: (b, o, r) => u64(b, o, r.srcPackets ?? 0) },
  // v9: OUT_BYTES/OUT_PKTS as nProbe exports them; IPFIX: RFC 5103 reverse elements.
  ipfix
    ? { id: 1, enterprise: REVERSE_PEN, length: 8, write: (b, o, r) => u64(b, o, r.dstBytes ?? 0) }
    : { id: 23, length: 8, write: (b, o, r) => u64(b, o, r.dstBytes ?? 0) },
  ipfix
    ? { id: 2, enterprise: REVERSE_PEN, length: 8, write: (b, o, r) => u64(b, o, r.dstPackets ?? 0) }
    : { id: 24, length: 8, write: (b, o, r) => u64(b, o, r.dstPackets ?? 0) },
  ipfix
    ? { id: 152, length: 8, write: (b, o, r) => u64(b, o, r.start) }
    : { id: 22, length: 4, write: (b, o, r, c) => b.writeUInt32BE(r.start - c.bootMs, o) },
  ipfix
    ? { id: 153, length: 8, write: (b, o, r) => u64(b, o, r.end ?? r.start) }
    : { id: 21, length: 4, write: (b, o, r, c) => b.writeUInt32BE((r.end ?? r.start) - c.bootMs, o) },
  // applicationName: fixed and NUL-padded in v9, variable-length in IPFIX.
  ipfix
    ? {
        id: 96,
        length: VARIABLE_LENGTH,
        write: (b, o, r) => {
          const n = b.write(r.app ?? '', o + 1, 'utf8');
          b[o] = n;
          return o + 1 + n;
        },
      }
    : {
        id: 96,
        length: APP_LEN,
        write: (b, o, r) => (b.fill(0, o, o + APP_LEN), b.write(r.app ?? '', o, APP_LEN, 'utf8'), o + APP_LEN),
      },
];

const TEMPLATE_V4 = 256;
const TEMPLATE_V6 = 257;
const TEMPLATE_IF_NAMES = 258;
/** Interface names are written as fixed 32-byte strings, zero-padded, as many routers do. */
const IF_NAME_LEN = 32;

export class TemplateEncoder {
  private readonly v4: FieldDef[];
  private readonly v6: FieldDef[];
  private sequence = 0;
  private datagrams = 0;

  constructor(
    private readonly ipfix: boolean,
    private readonly clock: ExportClock,
    private readonly domain = 1,
  ) {
    this.v4 = fields(false, ipfix);
    this.v6 = fields(true, ipfix);
  }

  /** Every byte up to the returned length is written anew, so one buffer serves all datagrams. */
  private buf = Buffer.alloc(0);

  /**
   * One datagram (v9) or message (IPFIX) holding the batch, templates first every TEMPLATE_EVERY
   * datagrams. The bytes are valid until the next call.
   */
  encode(batch: FlowRecord[]): Buffer {
    const size = 64 + 512 + batch.length * 160;
    if (this.buf.length < size) this.buf = Buffer.alloc(size);
    const b = this.buf;
    const exp = exportMs(batch);
    const header = this.ipfix ? 16 : 20;
    let o = header;
    let records = 0;
    if (this.datagrams++ % TEMPLATE_EVERY === 0) {
      const start = o;
      b.writeUInt16BE(this.ipfix ? 2 : 0, o);
      o += 4;
      for (const [id, defs] of [
        [TEMPLATE_V4, this.v4],
        [TEMPLATE_V6, this.v6],
      ] as const) {
        b.writeUInt16BE(id, o);
        b.writeUInt16BE(defs.length, o + 2);
        o += 4;
        for (const f of defs) {
          b.writeUInt16BE(f.enterprise ? f.id | 0x8000 : f.id, o);
          b.writeUInt16BE(f.length, o + 2);
          o += 4;
          if (f.enterprise) o = b.writeUInt32BE(f.enterprise, o);
        }
        records++;
      }
      b.writeUInt16BE(o - start, start + 2);
    }
    for (const v6 of [false, true]) {
      const defs = v6 ? this.v6 : this.v4;
      const start = o;
      o += 4;
      for (const r of batch) {
        if (isV6(r) !== v6) continue;
        for (const f of defs) o = f.write(b, o, r, this.clock);
        records++;
      }
      if (o === start + 4) {
        o = start;
        continue;
      }
      b.writeUInt16BE(v6 ? TEMPLATE_V6 : TEMPLATE_V4, start);
      b.writeUInt16BE(o - start, start + 2);
    }
    this.header(b, o, records, batch.length, exp);
    return b.subarray(0, o);
  }

  /**
   * One datagram announcing interface names as exporters do: an options template (scope: the
   * interface — v9 scope type 2, IPFIX ingressInterface IE 10 — and interfaceName IE 82) and one
   * options record per interface. A fresh buffer.
   */
  encodeInterfaceNames(names: ReadonlyMap<number, string>, exportMsAt: number): Buffer {
    const exp = Math.ceil(exportMsAt / 1000) * 1000;
    const b = Buffer.alloc((this.ipfix ? 16 : 20) + 32 + names.size * (4 + IF_NAME_LEN) + 8);
    let o = this.ipfix ? 16 : 20;
    const set = o;
    b.writeUInt16BE(this.ipfix ? 3 : 1, o);
    o += 4;
    if (this.ipfix) {
      b.writeUInt16BE(TEMPLATE_IF_NAMES, o);
      b.writeUInt16BE(2, o + 2); // field count
      b.writeUInt16BE(1, o + 4); // scope field count
      o += 6;
      for (const [id, len] of [
        [10, 4],
        [82, IF_NAME_LEN],
      ] as const)
        o = b.writeUInt16BE(len, b.writeUInt16BE(id, o));
    } else {
      b.writeUInt16BE(TEMPLATE_IF_NAMES, o);
      b.writeUInt16BE(4, o + 2); // scope bytes
      b.writeUInt16BE(4, o + 4); // option bytes
      o += 6;
      for (const [id, len] of [
        [2, 4],
        [82, IF_NAME_LEN],
      ] as const)
        o = b.writeUInt16BE(len, b.writeUInt16BE(id, o));
    }
    o += (4 - ((o - set) % 4)) % 4;
    b.writeUInt16BE(o - set, set + 2);
    const data = o;
    b.writeUInt16BE(TEMPLATE_IF_NAMES, o);
    o += 4;
    for (const [index, name] of names) {
      o = b.writeUInt32BE(index, o);
      b.write(name, o, IF_NAME_LEN, 'utf8');
      o += IF_NAME_LEN;
    }
    b.writeUInt16BE(o - data, data + 2);
    this.header(b, o, 1 + names.size, names.size, exp);
    return b.subarray(0, o);
  }

  /** The v9 header counts records (templates included); IPFIX's sequence counts data records. */
  private header(b: Buffer, length: number, records: number, dataRecords: number, exp: number): void {
    b.writeUInt16BE(this.ipfix ? 10 : 9, 0);
    if (this.ipfix) {
      b.writeUInt16BE(length, 2);
      b.writeUInt32BE(exp / 1000, 4);
      b.writeUInt32BE(this.sequence >>> 0, 8);
      b.writeUInt32BE(this.domain, 12);
      this.sequence += dataRecords;
    } else {
      b.writeUInt16BE(records, 2);
      b.writeUInt32BE(exp - this.clock.bootMs, 4);
      b.writeUInt32BE(exp / 1000, 8);
      b.writeUInt32BE(this.sequence++ >>> 0, 12);
      b.writeUInt32BE(this.domain, 16);
    }
  }
}
