import { ipBytes } from '../model/community-id';

/**
 * Classic pcap (microsecond, Ethernet) framing of UDP datagrams from an exporter to a collector,
 * batched into large chunks so writing stays cheap.
 */

const CHUNK = 1 << 20;
export const COLLECTOR = '192.0.2.100';
export const COLLECTOR_PORT = 2055;

export function pcapHeader(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

export class PcapWriter {
  private buf = Buffer.alloc(CHUNK);
  private used = 0;
  private readonly src: Buffer;
  private readonly dst: Buffer;

  constructor(
    exporter: string,
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.src = ipBytes(exporter) ?? Buffer.alloc(4);
    this.dst = ipBytes(COLLECTOR) ?? Buffer.alloc(4);
    this.buf = Buffer.alloc(CHUNK);
    pcapHeader().copy(this.buf, 0);
    this.used = 24;
  }

  /**
   * Adds one datagram as an Ethernet/IPv4/UDP frame captured at `timeMs`. A `trailer` sits in the
   * IP packet after the UDP datagram (outside the UDP length), as some stacks and taps leave it.
   */
  write(payload: Buffer, timeMs: number, trailer?: Buffer): void {
    const extra = trailer?.length ?? 0;
    const frame = 14 + 20 + 8 + payload.length + extra;
    if (this.used + 16 + frame > this.buf.length) this.flush(16 + frame);
    const b = this.buf;
    let o = this.used;
    b.writeUInt32LE(Math.floor(timeMs / 1000), o);
    b.writeUInt32LE((timeMs % 1000) * 1000, o + 4);
    b.writeUInt32LE(frame, o + 8);
    b.writeUInt32LE(frame, o + 12);
    o += 16;
    b.fill(0, o, o + 12);
    b[o + 1] = 0x10; // locally administered MACs
    b[o + 7] = 0x20;
    b.writeUInt16BE(0x0800, o + 12);
    const ip = o + 14;
    b[ip] = 0x45;
    b[ip + 1] = 0;
    b.writeUInt16BE(20 + 8 + payload.length + extra, ip + 2);
    b.writeUInt32BE(0, ip + 4);
    b[ip + 8] = 64;
    b[ip + 9] = 17;
    b.writeUInt16BE(0, ip + 10);
    this.src.copy(b, ip + 12);
    this.dst.copy(b, ip + 16);
    b.writeUInt16BE(checksum(b, ip, 20), ip + 10);
    const udp = ip + 20;
    b.writeUInt16BE(COLLECTOR_PORT, udp);
    b.writeUInt16BE(COLLECTOR_PORT, udp + 2);
    b.writeUInt16BE(8 + payload.length, udp + 4);
    b.writeUInt16BE(0, udp + 6); // optional over IPv4
    payload.copy(b, udp + 8);
    trailer?.copy(b, udp + 8 + payload.length);
    this.used = udp + 8 + payload.length + extra;
  }

  flush(room = 0): void {
    if (this.used > 0) this.emit(this.buf.subarray(0, this.used));
    this.buf = Buffer.alloc(Math.max(CHUNK, room));
    this.used = 0;
  }
}

function checksum(b: Buffer, o: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i += 2) sum += b.readUInt16BE(o + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
