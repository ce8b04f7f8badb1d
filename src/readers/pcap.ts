import { ChunkCursor } from './chunks';
import { ExportDecoder, exportFormat } from './export-decoder';
import { parseByEthertype, parseEthernet, parseIp, type IpPacket } from './packet';
import type { FlowReader, ReaderInput, ReaderOptions, ReadItem } from './types';

/**
 * Captures of export traffic (pcap and pcapng): every UDP payload that is a NetFlow v5/v9, IPFIX or
 * sFlow datagram, on any port, goes through one decoder so templates carry across packets.
 */

export interface Frame {
  data: Buffer;
  start: number;
  end: number;
  linkType: number;
  timeMs: number;
  /** File offset of the frame's first byte. */
  offset: number;
}

export type FrameItem = { kind: 'frame'; frame: Frame } | { kind: 'problem'; offset: number; reason: string };

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;
/** No real frame is larger; a bigger length field is a lie and ends the file. */
const MAX_FRAME = 256 * 1024;

export function isPcap(head: Buffer): boolean {
  if (head.length < 4) return false;
  const be = head.readUInt32BE(0);
  const le = head.readUInt32LE(0);
  return (
    be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS || be === PCAPNG_SHB
  );
}

/** Frames of a pcap or pcapng stream; a damaged tail is one problem item, never an exception. */
export async function* frames(chunks: AsyncIterable<Buffer>): AsyncGenerator<FrameItem> {
  const c = new ChunkCursor(chunks);
  if (!(await c.ensure(4))) {
    yield { kind: 'problem', offset: 0, reason: 'file too short for a pcap header' };
    return;
  }
  const { buf, at } = c.view;
  if (buf.readUInt32BE(at) === PCAPNG_SHB) yield* pcapng(c);
  else yield* pcap(c);
}

async function* pcap(c: ChunkCursor): AsyncGenerator<FrameItem> {
  if (!(await c.ensure(24))) {
    yield { kind: 'problem', offset: 0, reason: 'pcap global header truncated' };
    return;
  }
  let { buf, at } = c.view;
  const magicBe = buf.readUInt32BE(at);
  const le = magicBe !== PCAP_MAGIC_US && magicBe !== PCAP_MAGIC_NS;
  const magic = le ? buf.readUInt32LE(at) : magicBe;
  if (magic !== PCAP_MAGIC_US && magic !== PCAP_MAGIC_NS) {
    yield { kind: 'problem', offset: 0, reason: `not a pcap file (magic 0x${magicBe.toString(16)})` };
    return;
  }
  const fracPerMs = magic === PCAP_MAGIC_NS ? 1e6 : 1e3;
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(buf, at + 20) & 0xffff;
  c.skip(24);
  for (;;) {
    const offset = c.offset;
    if (!(await c.ensure(16))) {
      if (c.buffered > 0)
        yield { kind: 'problem', offset, reason: `truncated frame header (${c.buffered} of 16 bytes)` };
      return;
    }
    ({ buf, at } = c.view);
    const incl = u32(buf, at + 8);
    if (incl > MAX_FRAME) {
      yield { kind: 'problem', offset, reason: `frame length ${incl} is larger than any frame; rest of file skipped` };
      return;
    }
    const timeMs = u32(buf, at) * 1000 + Math.floor(u32(buf, at + 4) / fracPerMs);
    if (!(await c.ensure(16 + incl))) {
      yield {
        kind: 'problem',
        offset,
        reason: `truncated frame: header says ${incl} bytes, ${c.buffered - 16} present`,
      };
      return;
    }
    ({ buf, at } = c.view);
    yield {
      kind: 'frame',
      frame: { data: buf, start: at + 16, end: at + 16 + incl, linkType, timeMs, offset: offset + 16 },
    };
    c.skip(16 + incl);
  }
}

interface Interface {
  linkType: number;
  /** Timestamp units per millisecond. */
  unitsPerMs: number;
}

async function* pcapng(c: ChunkCursor): AsyncGenerator<FrameItem> {
  let le = true;
  let ifaces: Interface[] = [];
  for (;;) {
    const offset = c.offset;
    if (!(await c.ensure(12))) {
      if (c.buffered > 0) yield { kind: 'problem', offset, reason: `truncated block header (${c.buffered} bytes)` };
      return;
    }
    let { buf, at } = c.view;
    const typeBe = buf.readUInt32BE(at);
    if (typeBe === PCAPNG_SHB) {
      const bom = buf.readUInt32LE(at + 8);
      le = bom === PCAPNG_BOM;
      if (!le && buf.readUInt32BE(at + 8) !== PCAPNG_BOM) {
        yield { kind: 'problem', offset, reason: 'pcapng section header has no byte-order magic' };
        return;
      }
      ifaces = [];
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const type = u32(at);
    const len = u32(at + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_FRAME + 64) {
      yield { kind: 'problem', offset, reason: `pcapng block length ${len} is invalid; rest of file skipped` };
      return;
    }
    if (!(await c.ensure(len))) {
      yield { kind: 'problem', offset, reason: `truncated pcapng block: length ${len}, ${c.buffered} bytes present` };
      return;
    }
    ({ buf, at } = c.view);
    if (type === 1) {
      ifaces.push({ linkType: u16(at + 8), unitsPerMs: tsResolution(buf, at + 16, at + len - 4, le) });
    } else if (type === 6 || type === 2 || type === 3) {
      const simple = type === 3;
      const ifIndex = simple ? 0 : type === 2 ? u16(at + 8) : u32(at + 8);
      const iface = ifaces[ifIndex];
      const dataAt = at + (simple ? 16 : 28);
      const cap = simple ? Math.min(u32(at + 8), len - 20) : u32(at + 20);
      if (!iface || dataAt + cap > at + len - 4) {
        yield {
          kind: 'problem',
          offset,
          reason: iface
            ? `packet block captured length ${cap} overruns its block`
            : `packet block names interface ${ifIndex}, which was never described`,
        };
      } else {
        const ts = simple ? 0 : u32(at + 12) * 4294967296 + u32(at + 16);
        yield {
          kind: 'frame',
          frame: {
            data: buf,
            start: dataAt,
            end: dataAt + cap,
            linkType: iface.linkType,
            timeMs: Math.floor(ts / iface.unitsPerMs),
            offset: offset + (dataAt - at),
          },
        };
      }
    }
    c.skip(len);
  }
}

/** if_tsresol option (code 9): 10^-n or 2^-n seconds per unit; microseconds when absent. */
function tsResolution(buf: Buffer, o: number, end: number, le: boolean): number {
  while (o + 4 <= end) {
    const code = le ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
    const len = le ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const v = buf[o + 4] ?? 6;
      const perSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      return perSecond / 1000;
    }
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return 1000;
}

/** IP packet inside a frame of the given link type (Ethernet, Linux SLL/SLL2, raw IP, BSD loopback). */
export function frameIp(f: Frame): IpPacket | undefined {
  const { data: b, start: o, end } = f;
  switch (f.linkType) {
    case 1:
      return parseEthernet(b, o, end);
    case 113:
      return o + 16 <= end ? parseByEthertype(b.readUInt16BE(o + 14), b, o + 16, end) : undefined;
    case 276:
      return o + 20 <= end ? parseByEthertype(b.readUInt16BE(o), b, o + 20, end) : undefined;
    case 0:
    case 108:
      return parseIp(b, o + 4, end);
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return parseIp(b, o, end);
    default:
      return undefined;
  }
}

async function* readPcap(input: ReaderInput, options: ReaderOptions): AsyncGenerator<ReadItem> {
  const decoder = new ExportDecoder(options);
  for await (const item of frames(input.chunks)) {
    if (item.kind === 'problem') {
      yield* decoder.reject(item.reason, { file: input.name, base: item.offset }, 'INPUT_TRUNCATED');
      continue;
    }
    const f = item.frame;
    const ip = frameIp(f);
    if (!ip || ip.protocol !== 17 || ip.fragment === 'rest' || ip.l4 + 8 > ip.end) {
      decoder.skip(ip?.fragment === 'rest' ? 'ip fragment (not reassembled)' : 'non-UDP frame');
      continue;
    }
    const payloadAt = ip.l4 + 8;
    // The UDP length bounds the datagram: bytes after it (trailer, padding) are not export data.
    const udpLength = f.data.readUInt16BE(ip.l4 + 4);
    const payload = f.data.subarray(payloadAt, udpLength >= 8 ? Math.min(ip.end, ip.l4 + udpLength) : ip.end);
    const origin = { file: input.name, base: f.offset + (payloadAt - f.start), exporter: ip.src, captureMs: f.timeMs };
    if (ip.fragment === 'first') {
      if (exportFormat(payload, false))
        yield* decoder.reject(
          'export datagram fragmented over several IP packets; reassembly is not supported',
          origin,
        );
      else decoder.skip('ip fragment (not reassembled)');
      continue;
    }
    // The UDP length says how long the datagram was before a snap length cut the capture short.
    const format = exportFormat(payload, true, Math.max(payload.length, udpLength - 8));
    if (!format) {
      decoder.skip('UDP packet that is not flow export');
      continue;
    }
    // The frame buffer is reused for later reads; held template-less sets copy what they keep.
    yield* decoder.decode(payload, origin, format);
  }
  yield* decoder.finish();
}

export const pcapReader: FlowReader = {
  name: 'pcap',
  description: 'pcap/pcapng captures of NetFlow v5/v9, IPFIX or sFlow v5 export traffic (UDP, any port)',
  detect: (head) => isPcap(head),
  read: readPcap,
};
