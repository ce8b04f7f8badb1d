import type { FlowRecord } from '../../model/flow';
import { ipv4String, ipv6String, isZero, readString, readUint } from '../binary';
import { ndpiName } from '../ndpi';

/**
 * Information elements of NetFlow v9 and IPFIX that flowdex keeps, as setters on a scratch
 * record. Everything else (unknown enterprise elements, deeper MPLS labels, …) is skipped by length.
 */

/** Per-record working state: the flow plus the time fields whose meaning needs the header. */
export interface Scratch {
  r: FlowRecord;
  /** sysUptime-relative ms (v9 FIRST/LAST_SWITCHED, IPFIX flowStart/EndSysUpTime). */
  firstUptime?: number;
  lastUptime?: number;
  startAbs?: number;
  endAbs?: number;
  /** Microseconds before the export time (IPFIX flowStart/EndDeltaMicroseconds). */
  startDeltaUs?: number;
  endDeltaUs?: number;
  /** Absolute ms when the flow was observed (NSEL event time). */
  observed?: number;
  icmpTypeCode?: number;
  /** Options records: sampling interval and system init time announced by the exporter. */
  sampling?: number;
  /** PSAMP count-based sampling: packets skipped between selected ones (rate = (interval + space) / interval). */
  samplingSpace?: number;
  /** PSAMP random n-out-of-N sampling: rate = population / size. */
  samplingSize?: number;
  samplingPopulation?: number;
  systemInitMs?: number;
  /** The sampler a data record names, or the one an options record describes (IE 48 / 302). */
  samplerId?: number;
  /** Options records: the interface their scope names, and its name/description (IE 82/83). */
  scopeInterface?: number;
  interfaceName?: string;
  interfaceDescription?: string;
  /** The first bytes of a packet (IE 315 dataLinkFrameSection, 313 ipHeaderPacketSection). */
  frame?: { kind: 'link' | 'ip'; data: Buffer };
}

export type Setter = (s: Scratch, b: Buffer, o: number, n: number) => void;

const NTP_EPOCH_OFFSET_S = 2208988800;

/** NTP 64-bit timestamp (seconds since 1900 + fraction) → epoch ms. */
function ntpMs(b: Buffer, o: number): number {
  const secs = b.readUInt32BE(o) - NTP_EPOCH_OFFSET_S;
  const frac = b.readUInt32BE(o + 4);
  return secs * 1000 + Math.floor((frac / 4294967296) * 1000);
}

const u = readUint;
type AddressKey = 'srcIp' | 'dstIp' | 'nextHop' | 'bgpNextHop' | 'natSrcIp' | 'natDstIp';

/**
 * An address element. Templates often carry both families (IE 8 and 27) and fill the unused one
 * with zeros: an all-zero address never replaces one already read, and a non-zero one always does.
 */
function addr(key: AddressKey): Setter {
  return (s, b, o, n) => {
    if (n !== 4 && n !== 16) return;
    if (s.r[key] !== undefined && isZero(b, o, o + n)) return;
    s.r[key] = n === 4 ? ipv4String(b, o) : ipv6String(b, o);
  };
}

function mac(key: 'srcMac' | 'dstMac', fallback: boolean): Setter {
  return (s, b, o, n) => {
    if (n !== 6 || isZero(b, o, o + 6) || (fallback && s.r[key] !== undefined)) return;
    s.r[key] = b.toString('hex', o, o + 6);
  };
}

const VLAN_MASK = 0x0fff;

/** IANA flowEndReason values. */
const END_REASONS = ['', 'idle timeout', 'active timeout', 'end of flow', 'forced end', 'lack of resources'];

/** Read when the record is finished, while its datagram's buffer is still the one decoded. */
const section =
  (kind: 'link' | 'ip'): Setter =>
  (s, b, o, n) =>
    void (s.frame = { kind, data: b.subarray(o, o + n) });

/** IANA elements (enterprise 0); ids 1–127 are shared by NetFlow v9 and IPFIX. */
export const IANA_FIELDS = new Map<number, Setter>([
  [1, (s, b, o, n) => void (s.r.srcBytes = u(b, o, n))], // octetDeltaCount / IN_BYTES
  [2, (s, b, o, n) => void (s.r.srcPackets = u(b, o, n))], // packetDeltaCount / IN_PKTS
  [4, (s, b, o, n) => void (s.r.protocol = u(b, o, n))],
  [5, (s, b, o, n) => void (s.r.tos = u(b, o, n))],
  [6, (s, b, o, n) => void (s.r.tcpFlags = u(b, o, n) & 0xff)],
  [7, (s, b, o, n) => void (s.r.srcPort = u(b, o, n))],
  [8, addr('srcIp')],
  [10, (s, b, o, n) => void (s.r.inputInterface = u(b, o, n))],
  [11, (s, b, o, n) => void (s.r.dstPort = u(b, o, n))],
  [12, addr('dstIp')],
  [14, (s, b, o, n) => void (s.r.outputInterface = u(b, o, n))],
  [15, addr('nextHop')],
  [16, (s, b, o, n) => void (s.r.srcAs = u(b, o, n))],
  [17, (s, b, o, n) => void (s.r.dstAs = u(b, o, n))],
  [18, addr('bgpNextHop')],
  [21, (s, b, o, n) => void (s.lastUptime = u(b, o, n))],
  [22, (s, b, o, n) => void (s.firstUptime = u(b, o, n))],
  // OUT_BYTES / OUT_PKTS: the reverse direction in v9 exports of bidirectional probes (nProbe).
  [23, (s, b, o, n) => void (s.r.dstBytes = u(b, o, n))],
  [24, (s, b, o, n) => void (s.r.dstPackets = u(b, o, n))],
  [27, addr('srcIp')],
  [28, addr('dstIp')],
  [32, (s, b, o, n) => void (s.icmpTypeCode = u(b, o, n))],
  [34, (s, b, o, n) => void (s.sampling = u(b, o, n))], // samplingInterval
  [48, (s, b, o, n) => void (s.samplerId = u(b, o, n))], // samplerId / FLOW_SAMPLER_ID
  [50, (s, b, o, n) => void (s.sampling = u(b, o, n))], // samplerRandomInterval
  [56, mac('srcMac', false)],
  [57, mac('dstMac', true)], // postDestinationMacAddress, when no destinationMacAddress
  [58, (s, b, o, n) => void (s.r.vlan = u(b, o, n) & VLAN_MASK)],
  [59, (s, b, o, n) => void (s.r.postVlan = u(b, o, n) & VLAN_MASK)],
  [62, addr('nextHop')],
  [63, addr('bgpNextHop')],
  // mplsTopLabelStackSection: label (20 bits), EXP (3), bottom of stack (1); all zero means no label.
  [70, (s, b, o, n) => void (n === 3 && !isZero(b, o, o + 3) && (s.r.mplsLabel = u(b, o, 3) >>> 4))],
  [80, mac('dstMac', false)],
  [81, mac('srcMac', true)], // postSourceMacAddress, when no sourceMacAddress
  [82, (s, b, o, n) => void (s.interfaceName = readString(b, o, n) || undefined)],
  [83, (s, b, o, n) => void (s.interfaceDescription = readString(b, o, n) || undefined)],
  [136, (s, b, o, n) => void (s.r.endReason = END_REASONS[u(b, o, n)] || undefined)],
  [225, addr('natSrcIp')],
  [226, addr('natDstIp')],
  [227, (s, b, o, n) => void (s.r.natSrcPort = u(b, o, n))],
  [228, (s, b, o, n) => void (s.r.natDstPort = u(b, o, n))],
  [234, (s, b, o, n) => void (s.r.ingressVrf = u(b, o, n))],
  [235, (s, b, o, n) => void (s.r.egressVrf = u(b, o, n))],
  [243, (s, b, o, n) => void (s.r.vlan = u(b, o, n) & VLAN_MASK)], // dot1qVlanId
  [245, (s, b, o, n) => void (s.r.innerVlan = u(b, o, n) & VLAN_MASK)], // dot1qCustomerVlanId
  [252, (s, b, o, n) => void (s.r.inputPhysicalInterface = u(b, o, n))],
  [253, (s, b, o, n) => void (s.r.outputPhysicalInterface = u(b, o, n))],
  [254, (s, b, o, n) => void (s.r.postVlan = u(b, o, n) & VLAN_MASK)], // postDot1qVlanId
  [281, addr('natSrcIp')],
  [282, addr('natDstIp')],
  [302, (s, b, o, n) => void (s.samplerId = u(b, o, n))], // selectorId
  [313, section('ip')],
  [315, section('link')],
  [305, (s, b, o, n) => void (s.sampling = u(b, o, n))], // samplingPacketInterval
  [306, (s, b, o, n) => void (s.samplingSpace = u(b, o, n))], // samplingPacketSpace
  [309, (s, b, o, n) => void (s.samplingSize = u(b, o, n))],
  [310, (s, b, o, n) => void (s.samplingPopulation = u(b, o, n))],
  [85, (s, b, o, n) => void (s.r.srcBytes ??= u(b, o, n))], // octetTotalCount, when no delta
  [86, (s, b, o, n) => void (s.r.srcPackets ??= u(b, o, n))],
  [96, (s, b, o, n) => void (s.r.app = readString(b, o, n) || undefined)], // applicationName
  [139, (s, b, o, n) => void (s.icmpTypeCode = u(b, o, n))], // icmpTypeCodeIPv6
  [150, (s, b, o, n) => void (s.startAbs = u(b, o, n) * 1000)],
  [151, (s, b, o, n) => void (s.endAbs = u(b, o, n) * 1000)],
  [152, (s, b, o, n) => void (s.startAbs = u(b, o, n))],
  [153, (s, b, o, n) => void (s.endAbs = u(b, o, n))],
  [154, (s, b, o, n) => void (n === 8 && (s.startAbs = ntpMs(b, o)))],
  [155, (s, b, o, n) => void (n === 8 && (s.endAbs = ntpMs(b, o)))],
  [156, (s, b, o, n) => void (n === 8 && (s.startAbs = ntpMs(b, o)))],
  [157, (s, b, o, n) => void (n === 8 && (s.endAbs = ntpMs(b, o)))],
  [158, (s, b, o, n) => void (s.startDeltaUs = u(b, o, n))],
  [159, (s, b, o, n) => void (s.endDeltaUs = u(b, o, n))],
  [160, (s, b, o, n) => void (s.systemInitMs = u(b, o, n))],
  [176, (s, b, o, n) => void (s.icmpTypeCode = (u(b, o, n) << 8) | ((s.icmpTypeCode ?? 0) & 0xff))],
  [177, (s, b, o, n) => void (s.icmpTypeCode = ((s.icmpTypeCode ?? 0) & 0xff00) | u(b, o, n))],
  [178, (s, b, o, n) => void (s.icmpTypeCode = (u(b, o, n) << 8) | ((s.icmpTypeCode ?? 0) & 0xff))],
  [179, (s, b, o, n) => void (s.icmpTypeCode = ((s.icmpTypeCode ?? 0) & 0xff00) | u(b, o, n))],
  // Cisco ASA / NSEL: bidirectional connection counters.
  [231, (s, b, o, n) => void (s.r.srcBytes = u(b, o, n))], // initiatorOctets
  [232, (s, b, o, n) => void (s.r.dstBytes = u(b, o, n))], // responderOctets
  [298, (s, b, o, n) => void (s.r.srcPackets = u(b, o, n))],
  [299, (s, b, o, n) => void (s.r.dstPackets = u(b, o, n))],
  [323, (s, b, o, n) => void (s.observed = u(b, o, n))], // observationTimeMilliseconds
]);

/** RFC 5103 reverse elements (PEN 29305): the same element ids, counted for the other direction. */
export const REVERSE_PEN = 29305;
export const REVERSE_FIELDS = new Map<number, Setter>([
  [1, (s, b, o, n) => void (s.r.dstBytes = u(b, o, n))],
  [2, (s, b, o, n) => void (s.r.dstPackets = u(b, o, n))],
  [85, (s, b, o, n) => void (s.r.dstBytes ??= u(b, o, n))],
  [86, (s, b, o, n) => void (s.r.dstPackets ??= u(b, o, n))],
]);

/** ntop (nProbe) elements, PEN 35632, ids as in ntop's flow information element list; nProbe JSON names in comments. */
export const NTOP_PEN = 35632;
export const NTOP_FIELDS = new Map<number, Setter>([
  [109, (s, b, o, n) => void (s.r.clientRetransmissions = u(b, o, n))], // RETRANSMITTED_IN_PKTS
  [110, (s, b, o, n) => void (s.r.serverRetransmissions = u(b, o, n))], // RETRANSMITTED_OUT_PKTS
  [118, (s, b, o, n) => void (s.r.app ??= ndpiName(String(u(b, o, n))))], // L7_PROTO (nDPI id)
  [119, (s, b, o, n) => void (s.r.app = readString(b, o, n) || s.r.app)], // L7_PROTO_NAME wins over the id
  [123, (s, b, o, n) => void (s.r.clientLatencyMs = u(b, o, n))], // CLIENT_NW_LATENCY_MS
  [124, (s, b, o, n) => void (s.r.serverLatencyMs = u(b, o, n))], // SERVER_NW_LATENCY_MS
  [125, (s, b, o, n) => void (s.r.applicationLatencyMs = u(b, o, n))], // APPL_LATENCY_MS
  [188, (s, b, o, n) => void (s.r.tlsServerName = readString(b, o, n) || undefined)], // TLS_SERVER_NAME
]);

/**
 * Scope fields of options records say what the options describe: an interface (IPFIX IE 10/14/252,
 * NetFlow v9 scope type 2) or a sampler. Anything else in a scope is skipped by length.
 */
export function scopeSetterFor(id: number, v9: boolean): Setter | undefined {
  if (v9 ? id === 2 : id === 10 || id === 14 || id === 252) return (s, b, o, n) => void (s.scopeInterface = u(b, o, n));
  if (!v9 && (id === 48 || id === 302)) return IANA_FIELDS.get(id);
  return undefined;
}

export function setterFor(id: number, enterprise: number): Setter | undefined {
  if (enterprise === 0) return IANA_FIELDS.get(id);
  if (enterprise === REVERSE_PEN) return REVERSE_FIELDS.get(id);
  if (enterprise === NTOP_PEN) return NTOP_FIELDS.get(id);
  return undefined;
}
