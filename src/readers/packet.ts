import { ipv4String, ipv6String } from './binary';

/**
 * Link and network layer parsing shared by the pcap reader (to find UDP export datagrams) and
 * sFlow (to read sampled packet headers). Returns undefined for anything it does not follow.
 */

export interface IpPacket {
  version: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  tos: number;
  /** Offset of the transport header within the buffer and the end of the captured bytes. */
  l4: number;
  end: number;
  /** Fragments are not reassembled: only the first one carries the transport header. */
  fragment: 'none' | 'first' | 'rest';
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** Ethernet II with any number of VLAN tags. */
export function parseEthernet(b: Buffer, o: number, end: number): IpPacket | undefined {
  if (o + 14 > end) return undefined;
  let type = b.readUInt16BE(o + 12);
  let p = o + 14;
  while (VLAN_TAGS.has(type) && p + 4 <= end) {
    type = b.readUInt16BE(p + 2);
    p += 4;
  }
  return parseByEthertype(type, b, p, end);
}

export function parseByEthertype(type: number, b: Buffer, o: number, end: number): IpPacket | undefined {
  if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return parseIp(b, o, end);
  return undefined;
}

/** An IP packet of either version, told apart by its first nibble. */
export function parseIp(b: Buffer, o: number, end: number): IpPacket | undefined {
  if (o >= end) return undefined;
  const v = (b[o] ?? 0) >> 4;
  if (v === 4) {
    if (o + 20 > end) return undefined;
    const ihl = ((b[o] ?? 0) & 0x0f) * 4;
    const total = b.readUInt16BE(o + 2);
    const frag = b.readUInt16BE(o + 6);
    return {
      version: 4,
      tos: b[o + 1] ?? 0,
      protocol: b[o + 9] ?? 0,
      src: ipv4String(b, o + 12),
      dst: ipv4String(b, o + 16),
      l4: o + ihl,
      // Ethernet pads short frames; the IP total length says where the packet really ends.
      end: total >= ihl ? Math.min(end, o + total) : end,
      fragment: (frag & 0x1fff) !== 0 ? 'rest' : (frag & 0x2000) !== 0 ? 'first' : 'none',
    };
  }
  if (v === 6) {
    if (o + 40 > end) return undefined;
    let next = b[o + 6] ?? 0;
    let p = o + 40;
    const payloadLen = b.readUInt16BE(o + 4);
    let fragment: IpPacket['fragment'] = 'none';
    // Hop-by-hop, routing, destination options and fragment headers before the transport.
    while ((next === 0 || next === 43 || next === 60 || next === 44) && p + 8 <= end) {
      if (next === 44) fragment = ((b.readUInt16BE(p + 2) & 0xfff8) !== 0 ? 'rest' : 'first');
      const hdrLen = next === 44 ? 8 : ((b[p + 1] ?? 0) + 1) * 8;
      next = b[p] ?? 0;
      p += hdrLen;
    }
    return {
      version: 6,
      tos: ((b.readUInt16BE(o) >> 4) & 0xff),
      protocol: next,
      src: ipv6String(b, o + 8),
      dst: ipv6String(b, o + 24),
      l4: p,
      end: payloadLen > 0 ? Math.min(end, o + 40 + payloadLen) : end,
      fragment,
    };
  }
  return undefined;
}

export interface Ports {
  srcPort: number;
  dstPort: number;
  tcpFlags?: number;
}

/** Ports of TCP/UDP/SCTP, type/code of ICMP (as Community ID wants them). */
export function transportPorts(b: Buffer, p: IpPacket): Ports | undefined {
  if (p.fragment === 'rest') return undefined;
  const o = p.l4;
  switch (p.protocol) {
    case 6:
      if (o + 14 > p.end) return undefined;
      return { srcPort: b.readUInt16BE(o), dstPort: b.readUInt16BE(o + 2), tcpFlags: b[o + 13] ?? 0 };
    case 17:
    case 132:
      if (o + 4 > p.end) return undefined;
      return { srcPort: b.readUInt16BE(o), dstPort: b.readUInt16BE(o + 2) };
    case 1:
    case 58:
      if (o + 2 > p.end) return undefined;
      return { srcPort: b[o] ?? 0, dstPort: b[o + 1] ?? 0 };
    default:
      return undefined;
  }
}
