import type { FlowRecord } from '../model/flow';
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
  /** Length of the IP packet as its header says (IPv4 total length, IPv6 40 + payload length). */
  length: number;
  /** What the layers below IP said, when the packet came in a frame. */
  link?: LinkFields;
}

/** Layer-2 facts of the outermost frame: MACs, VLAN tags (outer first) and the top MPLS label. */
export interface LinkFields {
  srcMac?: string;
  dstMac?: string;
  vlan?: number;
  innerVlan?: number;
  mplsLabel?: number;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
/** Pseudowires and EVPN tunnels nest Ethernet in MPLS in Ethernet; deeper nesting is not followed. */
const MAX_NESTING = 4;

/** Ethernet II with any number of VLAN tags, MPLS label stacks and Ethernet pseudowires inside. */
export function parseEthernet(b: Buffer, o: number, end: number, depth = 0): IpPacket | undefined {
  if (o + 14 > end || depth > MAX_NESTING) return undefined;
  const link: LinkFields = { dstMac: b.toString('hex', o, o + 6), srcMac: b.toString('hex', o + 6, o + 12) };
  let type = b.readUInt16BE(o + 12);
  let p = o + 14;
  while (VLAN_TAGS.has(type) && p + 4 <= end) {
    const vid = b.readUInt16BE(p) & 0x0fff;
    if (link.vlan === undefined) link.vlan = vid;
    else if (link.innerVlan === undefined) link.innerVlan = vid;
    type = b.readUInt16BE(p + 2);
    p += 4;
  }
  const ip = parseByEthertype(type, b, p, end, depth, link);
  // The outer frame's layer 2 describes the flow as the exporter saw it; inner pseudowire frames do not.
  if (ip && depth === 0) ip.link = { ...ip.link, ...link };
  return ip;
}

export function parseByEthertype(
  type: number,
  b: Buffer,
  o: number,
  end: number,
  depth = 0,
  link?: LinkFields,
): IpPacket | undefined {
  if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return parseIp(b, o, end);
  if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) return parseMpls(b, o, end, depth, link);
  return undefined;
}

/**
 * An MPLS label stack and what it carries: IPv4 or IPv6 told by the first nibble, or an Ethernet
 * frame of a pseudowire / EVPN, with (first nibble 0) or without a control word.
 */
export function parseMpls(b: Buffer, o: number, end: number, depth = 0, link?: LinkFields): IpPacket | undefined {
  let p = o;
  let bottom = false;
  while (!bottom && p + 4 <= end) {
    const entry = b.readUInt32BE(p);
    if (link && link.mplsLabel === undefined) link.mplsLabel = entry >>> 12;
    bottom = (entry & 0x100) !== 0;
    p += 4;
  }
  if (!bottom || p >= end) return undefined;
  const nibble = (b[p] ?? 0) >> 4;
  if (nibble === 4 || nibble === 6) {
    const ip = parseIp(b, p, end);
    // A frame whose destination MAC starts with 4 or 6 looks like IP; an IP header that parses wins.
    if (ip && plausible(b, p, ip)) return ip;
  }
  if (nibble === 0 && p + 4 + 14 <= end && plausibleEthernet(b, p + 4, end))
    return parseEthernet(b, p + 4, end, depth + 1);
  return parseEthernet(b, p, end, depth + 1);
}

/** An IPv4 header with a sane header length and total length, or an IPv6 one with a known next header. */
function plausible(b: Buffer, o: number, ip: IpPacket): boolean {
  if (ip.version === 6) return true;
  const ihl = ((b[o] ?? 0) & 0x0f) * 4;
  return ihl >= 20 && b.readUInt16BE(o + 2) >= ihl;
}

function plausibleEthernet(b: Buffer, o: number, end: number): boolean {
  if (o + 14 > end) return false;
  const type = b.readUInt16BE(o + 12);
  return (
    type === ETHERTYPE_IPV4 ||
    type === ETHERTYPE_IPV6 ||
    VLAN_TAGS.has(type) ||
    type === ETHERTYPE_MPLS ||
    type === ETHERTYPE_MPLS_MULTICAST
  );
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
      length: total,
    };
  }
  if (v === 6) {
    if (o + 40 > end) return undefined;
    let next = b[o + 6] ?? 0;
    let p = o + 40;
    const payloadLen = b.readUInt16BE(o + 4);
    let fragment: IpPacket['fragment'] = 'none';
    let srv6 = false;
    // Hop-by-hop, routing, destination options and fragment headers before the transport.
    while ((next === 0 || next === 43 || next === 60 || next === 44) && p + 8 <= end) {
      if (next === 44) fragment = (b.readUInt16BE(p + 2) & 0xfff8) !== 0 ? 'rest' : 'first';
      if (next === 43 && b[p + 2] === 4) srv6 = true;
      const hdrLen = next === 44 ? 8 : ((b[p + 1] ?? 0) + 1) * 8;
      next = b[p] ?? 0;
      p += hdrLen;
    }
    // SRv6 (segment routing header) encapsulating a packet: the flow is the packet carried, as with MPLS.
    if (srv6 && (next === 41 || next === 4) && fragment === 'none') {
      const inner = parseIp(b, p, end);
      if (inner) return inner;
    }
    return {
      version: 6,
      tos: (b.readUInt16BE(o) >> 4) & 0xff,
      protocol: next,
      src: ipv6String(b, o + 8),
      dst: ipv6String(b, o + 24),
      l4: p,
      end: payloadLen > 0 ? Math.min(end, o + 40 + payloadLen) : end,
      fragment,
      length: 40 + payloadLen,
    };
  }
  return undefined;
}

export interface Ports {
  srcPort: number;
  dstPort: number;
  tcpFlags?: number;
}

/** Ports of TCP/UDP/SCTP, type/code of ICMP in their place (as Community ID wants them). */
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

/**
 * What a sampled packet header says about its flow, written into a record: addresses, transport,
 * ports (ICMP type and code in their own fields, ports 0), TCP flags, ToS and the frame's layer 2.
 * The one parser behind sFlow sampled headers and IPFIX packet sections.
 */
export function fillFromPacket(r: FlowRecord, b: Buffer, ip: IpPacket): void {
  r.srcIp = ip.src;
  r.dstIp = ip.dst;
  r.protocol = ip.protocol;
  r.tos = ip.tos;
  const ports = transportPorts(b, ip);
  if (ports) {
    if (ip.protocol === 1 || ip.protocol === 58) {
      r.icmpType = ports.srcPort;
      r.icmpCode = ports.dstPort;
      r.srcPort = 0;
      r.dstPort = 0;
    } else {
      r.srcPort = ports.srcPort;
      r.dstPort = ports.dstPort;
    }
    if (ports.tcpFlags !== undefined) r.tcpFlags = ports.tcpFlags;
  }
  const link = ip.link;
  if (!link) return;
  if (link.srcMac !== undefined) r.srcMac = link.srcMac;
  if (link.dstMac !== undefined) r.dstMac = link.dstMac;
  if (link.vlan !== undefined) r.vlan = link.vlan;
  if (link.innerVlan !== undefined) r.innerVlan = link.innerVlan;
  if (link.mplsLabel !== undefined) r.mplsLabel = link.mplsLabel;
}
