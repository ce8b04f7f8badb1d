import type { FlowRecord } from '../model/flow';
import { ipv4String, ipv6String } from './binary';
import type { Origin, Sink, TemplateCache } from './netflow/templates';
import { fillFromPacket, parseEthernet, parseIp, type IpPacket } from './packet';

/**
 * sFlow v5 datagrams (sflow_version_5.txt): flow samples become one flow per sampled packet
 * (bytes = the IP packet's length, as NetFlow counts octets; packets = 1; samplingRate kept).
 * Counter samples become no flow: what they say of interfaces (speed from the generic interface
 * counters, the name from port name counters) is learned per agent and put on the flows of those
 * interfaces, those of the same datagram included. The exporter is the agent address of the datagram.
 */

const FLOW_SAMPLE = 1;
const COUNTER_SAMPLE = 2;
const FLOW_SAMPLE_EXPANDED = 3;
const COUNTER_SAMPLE_EXPANDED = 4;

const RAW_HEADER = 1;
const SAMPLED_IPV4 = 3;
const SAMPLED_IPV6 = 4;
const EXTENDED_SWITCH = 1001;
const EXTENDED_ROUTER = 1002;
const EXTENDED_GATEWAY = 1003;
const GENERIC_INTERFACE_COUNTERS = 1;
const PORT_NAME = 1005;

/** Interface value meaning "internal to the agent" (sflow_version_5.txt, §flow_sample): no interface. */
const INTERNAL_INTERFACE = 0x3fffffff;

const HEADER_ETHERNET = 1;
const HEADER_IPV4 = 11;
const HEADER_IPV6 = 12;

/** Where what counter samples teach about interfaces is kept, and given to flows. */
export type InterfaceBook = Pick<TemplateCache, 'learnInterface' | 'describeInterfaces'>;

interface Sample {
  enterprise: number;
  format: number;
  start: number;
  end: number;
}

export function decodeSflow(buf: Buffer, origin: Origin, sink: Sink, book: InterfaceBook): void {
  if (buf.length < 28) {
    sink.reject(`sFlow datagram of ${buf.length} bytes is shorter than its header`, origin, 0);
    return;
  }
  const agentType = buf.readUInt32BE(4);
  const agentLen = agentType === 2 ? 16 : 4;
  let o = 8 + agentLen + 12; // agent, sub-agent id, sequence, uptime
  if (o + 4 > buf.length) {
    sink.reject('sFlow header truncated', origin, 0);
    return;
  }
  const agent = agentType === 2 ? ipv6String(buf, 8) : ipv4String(buf, 8);
  const samples = buf.readUInt32BE(o);
  o += 4;
  // The agent sampled the packets; the datagram's source may be a relay or another address of the host.
  const exporter = agent;
  const scope = `${agent}|sflow`;
  const found: Sample[] = [];
  let broken: { reason: string; at: number } | undefined;
  for (let i = 0; i < samples; i++) {
    if (o + 8 > buf.length) {
      broken = { reason: `sFlow header counts ${samples} samples but the datagram ends after ${i}`, at: o };
      break;
    }
    const tag = buf.readUInt32BE(o);
    const len = buf.readUInt32BE(o + 4);
    const start = o + 8;
    const end = start + len;
    if (end > buf.length) {
      broken = { reason: `sFlow sample ${i + 1} claims ${len} bytes but ${buf.length - start} remain`, at: o };
      break;
    }
    found.push({ enterprise: tag >>> 12, format: tag & 0xfff, start, end });
    o = end;
  }
  // Counters first: an agent often sends an interface's counters in the datagram of its flows.
  for (const s of found)
    if (s.enterprise === 0 && (s.format === COUNTER_SAMPLE || s.format === COUNTER_SAMPLE_EXPANDED))
      counterSample(buf, s, scope, origin, sink, book);
  for (const s of found) {
    if (s.enterprise === 0 && (s.format === FLOW_SAMPLE || s.format === FLOW_SAMPLE_EXPANDED)) {
      flowSample(buf, s.start, s.end, s.format === FLOW_SAMPLE_EXPANDED, exporter, origin, sink, (r) =>
        book.describeInterfaces(r, scope),
      );
    } else if (s.enterprise === 0 && (s.format === COUNTER_SAMPLE || s.format === COUNTER_SAMPLE_EXPANDED)) {
      sink.skipped('sflow counter sample');
    } else {
      sink.skipped(`sflow sample ${s.enterprise}:${s.format}`);
    }
  }
  if (broken) sink.reject(broken.reason, origin, broken.at);
}

/**
 * A counter sample: its generic interface counters give the interface's speed (ifSpeed, bits/s;
 * 0 means unknown), a port name record its name, for the data source's ifIndex.
 */
function counterSample(buf: Buffer, s: Sample, scope: string, origin: Origin, sink: Sink, book: InterfaceBook): void {
  const expanded = s.format === COUNTER_SAMPLE_EXPANDED;
  const fixed = expanded ? 16 : 12;
  if (s.start + fixed > s.end) {
    sink.reject('sFlow counter sample shorter than its fixed fields', origin, s.start);
    return;
  }
  const sourceType = expanded ? buf.readUInt32BE(s.start + 4) : buf.readUInt32BE(s.start + 4) >>> 24;
  const sourceIndex = expanded ? buf.readUInt32BE(s.start + 8) : buf.readUInt32BE(s.start + 4) & 0xffffff;
  const records = buf.readUInt32BE(s.start + fixed - 4);
  let o = s.start + fixed;
  for (let i = 0; i < records; i++) {
    if (o + 8 > s.end) {
      sink.reject(`sFlow counter sample counts ${records} records but ends after ${i}`, origin, o);
      return;
    }
    const tag = buf.readUInt32BE(o);
    const len = buf.readUInt32BE(o + 4);
    const rs = o + 8;
    const re = rs + len;
    if (re > s.end) {
      sink.reject(`sFlow counter record ${i + 1} claims ${len} bytes past its sample`, origin, o);
      return;
    }
    if (tag === GENERIC_INTERFACE_COUNTERS && len >= 16) {
      const speed = Number(buf.readBigUInt64BE(rs + 8));
      if (speed > 0 && Number.isSafeInteger(speed))
        book.learnInterface(scope, buf.readUInt32BE(rs), { speedBps: speed });
    } else if (tag === PORT_NAME && len >= 4 && sourceType === 0) {
      const n = buf.readUInt32BE(rs);
      const name = rs + 4 + n <= re ? buf.toString('utf8', rs + 4, rs + 4 + n).trim() : '';
      if (name !== '') book.learnInterface(scope, sourceIndex, { name });
    }
    o = re;
  }
}

function flowSample(
  buf: Buffer,
  start: number,
  end: number,
  expanded: boolean,
  exporter: string,
  origin: Origin,
  sink: Sink,
  describe: (r: FlowRecord) => void,
): void {
  const fixed = expanded ? 44 : 32;
  if (start + fixed > end) {
    sink.reject('sFlow flow sample shorter than its fixed fields', origin, start);
    return;
  }
  const rate = buf.readUInt32BE(start + (expanded ? 12 : 8));
  const input = expanded
    ? sflowInterface(buf.readUInt32BE(start + 24), buf.readUInt32BE(start + 28))
    : sflowInterface(buf.readUInt32BE(start + 20) >>> 30, buf.readUInt32BE(start + 20) & 0x3fffffff);
  const output = expanded
    ? sflowInterface(buf.readUInt32BE(start + 32), buf.readUInt32BE(start + 36))
    : sflowInterface(buf.readUInt32BE(start + 24) >>> 30, buf.readUInt32BE(start + 24) & 0x3fffffff);
  const records = buf.readUInt32BE(start + fixed - 4);
  let o = start + fixed;
  let flow: FlowRecord | undefined;
  const extended: { tag: number; rs: number; re: number }[] = [];
  for (let i = 0; i < records && o + 8 <= end; i++) {
    const tag = buf.readUInt32BE(o);
    const len = buf.readUInt32BE(o + 4);
    const rs = o + 8;
    const re = rs + len;
    if (re > end) {
      sink.reject(`sFlow flow record ${i + 1} claims ${len} bytes past its sample`, origin, o);
      return;
    }
    if (tag === RAW_HEADER && !flow) flow = rawHeader(buf, rs, re);
    else if ((tag === SAMPLED_IPV4 || tag === SAMPLED_IPV6) && !flow)
      flow = sampledIp(buf, rs, re, tag === SAMPLED_IPV6);
    else if (tag === EXTENDED_SWITCH || tag === EXTENDED_ROUTER || tag === EXTENDED_GATEWAY)
      extended.push({ tag, rs, re });
    o = re;
  }
  if (!flow) {
    sink.reject('sFlow flow sample has no packet header or IP record flowdex can read', origin, start);
    return;
  }
  // sFlow has no wall clock, only uptime: without a capture time there is no flow time at all.
  if (origin.captureMs === undefined) {
    sink.reject(
      'sFlow carries no wall-clock time and this input has no capture time (stdin?); decode it from a file or a capture',
      origin,
      start,
    );
    return;
  }
  flow.samplingRate = rate;
  flow.exporter = exporter;
  if (origin.exporter !== undefined) flow.sender = origin.exporter;
  flow.start = origin.captureMs;
  if (input !== undefined) flow.inputInterface = input;
  if (output !== undefined) flow.outputInterface = output;
  for (const x of extended) extendedRecord(flow, buf, x.tag, x.rs, x.re);
  describe(flow);
  sink.flow(flow, origin, start);
}

/**
 * Interface format 0 is an ifIndex (0x3FFFFFFF: internal to the agent, so none); 1 (dropped,
 * value = reason) and 2 (several, value = count) name no interface.
 */
function sflowInterface(format: number, value: number): number | undefined {
  return format === 0 && value !== INTERNAL_INTERFACE ? value : undefined;
}

/** sFlow address: type 1 IPv4, 2 IPv6; returns the address and where the next field starts. */
function sflowAddress(buf: Buffer, o: number, end: number): { ip?: string; next: number } | undefined {
  if (o + 4 > end) return undefined;
  const type = buf.readUInt32BE(o);
  if (type === 1 && o + 8 <= end) return { ip: ipv4String(buf, o + 4), next: o + 8 };
  if (type === 2 && o + 20 <= end) return { ip: ipv6String(buf, o + 4), next: o + 20 };
  return type === 0 ? { next: o + 4 } : undefined;
}

/** Extended switch (VLANs), router (next hop) and gateway (BGP next hop, AS path ends) data. */
function extendedRecord(r: FlowRecord, buf: Buffer, tag: number, rs: number, re: number): void {
  if (tag === EXTENDED_SWITCH && rs + 16 <= re) {
    r.vlan = buf.readUInt32BE(rs) & 0x0fff;
    r.postVlan = buf.readUInt32BE(rs + 8) & 0x0fff;
    return;
  }
  const a = sflowAddress(buf, rs, re);
  if (!a) return;
  if (tag === EXTENDED_ROUTER) {
    if (a.ip !== undefined) r.nextHop = a.ip;
    return;
  }
  // Gateway: next hop, own AS, source AS, source peer AS, then the AS path to the destination.
  if (a.ip !== undefined) r.bgpNextHop = a.ip;
  let o = a.next;
  if (o + 16 > re) return;
  const srcAs = buf.readUInt32BE(o + 4);
  r.srcAs = srcAs;
  const segments = buf.readUInt32BE(o + 12);
  o += 16;
  let dstAs: number | undefined;
  for (let i = 0; i < segments && o + 8 <= re; i++) {
    const count = buf.readUInt32BE(o + 4);
    o += 8;
    if (count > 0 && o + count * 4 <= re) dstAs = buf.readUInt32BE(o + (count - 1) * 4);
    o += count * 4;
  }
  // An empty path: the destination is in the agent's own AS.
  r.dstAs = dstAs ?? buf.readUInt32BE(a.next);
}

function rawHeader(buf: Buffer, rs: number, re: number): FlowRecord | undefined {
  if (rs + 16 > re) return undefined;
  const proto = buf.readUInt32BE(rs);
  const frameLength = buf.readUInt32BE(rs + 4);
  const hdrLen = buf.readUInt32BE(rs + 12);
  const h = rs + 16;
  const hEnd = Math.min(re, h + hdrLen);
  let ip: IpPacket | undefined;
  if (proto === HEADER_ETHERNET) ip = parseEthernet(buf, h, hEnd);
  else if (proto === HEADER_IPV4 || proto === HEADER_IPV6) ip = parseIp(buf, h, hEnd);
  if (!ip) return undefined;
  // The IP packet's own length, as NetFlow's octet counters count; the frame's (with FCS) only when the header lacks one.
  const r: FlowRecord = { format: 'sflow', start: 0, srcBytes: ip.length > 0 ? ip.length : frameLength, srcPackets: 1 };
  fillFromPacket(r, buf, ip);
  return r;
}

function sampledIp(buf: Buffer, rs: number, re: number, v6: boolean): FlowRecord | undefined {
  const addr = v6 ? 16 : 4;
  if (rs + 8 + addr * 2 + 16 > re) return undefined;
  const str = v6 ? ipv6String : ipv4String;
  const p = rs + 8 + addr * 2;
  const protocol = buf.readUInt32BE(rs + 4);
  const r: FlowRecord = {
    format: 'sflow',
    start: 0,
    srcBytes: buf.readUInt32BE(rs),
    srcPackets: 1,
    protocol,
    srcIp: str(buf, rs + 8),
    dstIp: str(buf, rs + 8 + addr),
    srcPort: buf.readUInt32BE(p),
    dstPort: buf.readUInt32BE(p + 4),
  };
  // "Or equivalent": agents put ICMP type and code where the ports are.
  if (protocol === 1 || protocol === 58) {
    r.icmpType = r.srcPort;
    r.icmpCode = r.dstPort;
    r.srcPort = 0;
    r.dstPort = 0;
  }
  if (protocol === 6) r.tcpFlags = buf.readUInt32BE(p + 8) & 0xff;
  return r;
}
