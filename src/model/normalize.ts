import { hash } from 'node:crypto';
import { isIP } from 'node:net';
import { FlowdexError } from '../errors';
import { communityHash, communityId } from './community-id';
import { rangeOf } from './fields';
import type { EndpointFields, FlowDoc, FlowRecord, IdentifiedFlow, InterfaceFields, SampledCounters } from './flow';
import { RECORDED_RATE, varianceTerms, type SamplingPolicy } from './sampling';
import { ianaNumber, transportName } from './protocols';
import { serverSide } from './server';

/** Latest plausible flow time; anything later is a decoding error, not a flow. */
const MAX_TIME_MS = Date.UTC(2200, 0, 1);
const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

function bad(field: string, message: string): FlowdexError {
  return new FlowdexError('INPUT_BAD_RECORD', message, { field });
}

function checkCounter(field: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0 || v > MAX_COUNTER || !Number.isInteger(v))
    throw bad(field, `${field} must be a non-negative integer, got ${v}`);
  return v;
}

// Value ranges come from the field catalogue, read once rather than per flow.
const [PORT_MIN, PORT_MAX] = rangeOf('source.port');
const IANA_MAX = rangeOf('network.iana_number')[1];
const ICMP_TYPE_MAX = rangeOf('flow.icmp.type')[1];
const ICMP_CODE_MAX = rangeOf('flow.icmp.code')[1];
const VLAN_MAX = rangeOf('network.vlan.id')[1];
const MPLS_MAX = rangeOf('flow.mpls.top_label')[1];

function checkPort(field: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < PORT_MIN || v > PORT_MAX)
    throw bad(field, `${field} must be a port ${PORT_MIN}-${PORT_MAX}, got ${v}`);
  return v;
}

/**
 * `isIP` of addresses seen recently: flows repeat the same few hosts, and the regular expressions
 * behind `isIP` cost more than the rest of normalization. Bounded by starting over when full.
 */
const IP_VERSIONS = new Map<string, number>();
const IP_VERSIONS_MAX = 65536;

function ipVersionOf(v: string): number {
  let version = IP_VERSIONS.get(v);
  if (version === undefined) {
    version = isIP(v);
    if (IP_VERSIONS.size >= IP_VERSIONS_MAX) IP_VERSIONS.clear();
    IP_VERSIONS.set(v, version);
  }
  return version;
}

function checkIp(field: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (ipVersionOf(v) === 0) throw bad(field, `${field} is not an IP address: ${JSON.stringify(v)}`);
  return v;
}

/** Longest text kept in a keyword field; longer values (URLs, names) are cut, not rejected. */
export const MAX_KEYWORD_LENGTH = 1024;

function checkUint(field: string, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > max) throw bad(field, `${field} must be an integer 0-${max}, got ${v}`);
  return v;
}

const UINT32_MAX = 4294967295;

/** MAC address in the ECS form (`00-1B-21-3A-4F-5C`) from colon, hyphen, dotted or bare hex. */
export function ecsMac(field: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  const hex = v.replace(/[:.-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw bad(field, `${field} is not a MAC address: ${JSON.stringify(v)}`);
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1-');
}

function vlanId(field: string, v: number | undefined): { id: string } | undefined {
  const id = checkUint(field, v, VLAN_MAX);
  return id === undefined ? undefined : { id: String(id) };
}

function text(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  return v.length > MAX_KEYWORD_LENGTH ? v.slice(0, MAX_KEYWORD_LENGTH) : v;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) + (b ?? 0);
}

/**
 * Without its undefined members, so documents stay small and compare cleanly. Copies rather than
 * deletes: `delete` turns objects into slow dictionaries for everything that reads them later.
 */
function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** One side's values: addresses, port and counters already checked; MAC and AS checked here. */
interface EndpointValues {
  ip: string | undefined;
  address: string | undefined;
  port: number | undefined;
  mac: string | undefined;
  bytes: number | undefined;
  packets: number | undefined;
  as: number | undefined;
  natIp: string | undefined;
  natPort: number | undefined;
}

/** Field names for errors, spelled out once rather than built for every flow. */
const ENDPOINT_FIELDS = {
  source: { mac: 'source.mac', as: 'source.as.number' },
  destination: { mac: 'destination.mac', as: 'destination.as.number' },
};

/** The document's `source` or `destination`. */
function endpoint(side: keyof typeof ENDPOINT_FIELDS, v: EndpointValues): EndpointFields {
  const fields = ENDPOINT_FIELDS[side];
  return compact({
    ip: v.ip,
    address: text(v.address),
    port: v.port,
    mac: ecsMac(fields.mac, v.mac),
    bytes: v.bytes,
    packets: v.packets,
    as: v.as !== undefined ? { number: checkUint(fields.as, v.as, UINT32_MAX) } : undefined,
    nat: v.natIp !== undefined || v.natPort !== undefined ? compact({ ip: v.natIp, port: v.natPort }) : undefined,
  });
}

/** `server.*`: the address and port of the end `serverSide` names. */
function serverOf(
  srcPort: number | undefined,
  dstPort: number | undefined,
  src: { ip?: string; address?: string },
  dst: { ip?: string; address?: string },
): FlowDoc['server'] {
  const [end, port] = serverSide(srcPort, dstPort) === 'source' ? [src, srcPort] : [dst, dstPort];
  return compact({ ip: end.ip, address: text(end.address), port });
}

/**
 * Deterministic document id: the same flow read twice (same file re-indexed, or the same
 * export seen by two collectors of one exporter) gets the same id, so `create` rejects it.
 */
export function flowId(r: FlowRecord): string {
  // One template string rather than an array joined: the same text, without the array per flow.
  let key = `${r.exporter ?? r.observerName ?? ''}|${r.start}|${r.end ?? ''}|${r.srcIp ?? r.srcAddress ?? ''}|${r.dstIp ?? r.dstAddress ?? ''}|${r.srcPort ?? ''}|${r.dstPort ?? ''}|${r.protocol ?? r.transport ?? ''}|${r.srcBytes ?? ''}|${r.dstBytes ?? ''}|${r.bytes ?? ''}|${r.srcPackets ?? ''}|${r.dstPackets ?? ''}|${r.packets ?? ''}|${r.inputInterface ?? ''}|${r.outputInterface ?? ''}`;
  // ICMP flows of one pair differ only in type and code; the first of identical records keeps the plain key.
  if (r.icmpType !== undefined || r.icmpCode !== undefined) key += `|icmp ${r.icmpType ?? ''}/${r.icmpCode ?? ''}`;
  if (r.occurrence) key += `|#${r.occurrence}`;
  // 72 bits: ids only need to be unique within one daily index (a flow always routes to the same
  // day), where 10^8 flows collide with odds of 1 in 10^6, and every character of _id costs disk.
  return hash('sha1', key, 'base64url').slice(0, 12);
}

/** Counters of one flow, as exported or as estimated. */
interface Counters {
  srcBytes: number | undefined;
  dstBytes: number | undefined;
  srcPackets: number | undefined;
  dstPackets: number | undefined;
  bytes: number | undefined;
  packets: number | undefined;
}

function times(field: string, v: number | undefined, rate: number): number | undefined {
  return v === undefined ? undefined : checkCounter(`${field} (estimated, ×${rate})`, v * rate);
}

/**
 * The estimates of a sampled flow (counters × rate) and its raw counters beside them. Scaling
 * happens here and nowhere else: readers keep counters as exported, so a record is scaled exactly
 * once, and its id (from the record) stays the same on re-indexing.
 */
function scaled(c: Counters, rate: number): { estimates: Counters; sampled: SampledCounters } {
  const estimates: Counters = {
    srcBytes: times('source.bytes', c.srcBytes, rate),
    dstBytes: times('destination.bytes', c.dstBytes, rate),
    srcPackets: times('source.packets', c.srcPackets, rate),
    dstPackets: times('destination.packets', c.dstPackets, rate),
    bytes: times('network.bytes', c.bytes, rate),
    packets: times('network.packets', c.packets, rate),
  };
  const side = (bytes: number | undefined, packets: number | undefined) =>
    bytes !== undefined || packets !== undefined ? compact({ bytes, packets }) : undefined;
  const sampled: SampledCounters = compact({
    bytes: c.bytes,
    packets: c.packets,
    source: side(c.srcBytes, c.srcPackets),
    destination: side(c.dstBytes, c.dstPackets),
    variance: varianceTerms(rate, c.packets ?? 0, c.bytes ?? 0),
  });
  return { estimates, sampled };
}

/**
 * Turns a reader's flat record into the stored document. Throws INPUT_BAD_RECORD naming the field.
 * `sampling` decides the record's rate (configured defaults and overrides); a rate above 1 turns
 * the counters into estimates (see `scaled`).
 */
export function normalize(r: FlowRecord, sampling: SamplingPolicy = RECORDED_RATE): IdentifiedFlow {
  if (!Number.isFinite(r.start) || r.start < 0 || r.start > MAX_TIME_MS)
    throw bad('start', `flow start is not a valid time: ${r.start}`);
  if (r.end !== undefined && (!Number.isFinite(r.end) || r.end < 0 || r.end > MAX_TIME_MS))
    throw bad('end', `flow end is not a valid time: ${r.end}`);
  const srcIp = checkIp('source.ip', r.srcIp);
  const dstIp = checkIp('destination.ip', r.dstIp);
  const srcPort = checkPort('source.port', r.srcPort);
  const dstPort = checkPort('destination.port', r.dstPort);
  const exported: Counters = {
    srcBytes: checkCounter('source.bytes', r.srcBytes),
    dstBytes: checkCounter('destination.bytes', r.dstBytes),
    srcPackets: checkCounter('source.packets', r.srcPackets),
    dstPackets: checkCounter('destination.packets', r.dstPackets),
    bytes: undefined,
    packets: undefined,
  };
  exported.bytes = checkCounter('network.bytes', r.bytes) ?? sum(exported.srcBytes, exported.dstBytes);
  exported.packets = checkCounter('network.packets', r.packets) ?? sum(exported.srcPackets, exported.dstPackets);
  const rate = checkUint('flow.sampling_rate', sampling.rateFor(r.exporter, r.samplingRate), UINT32_MAX);
  const sampledFlow = rate !== undefined && rate > 1 ? scaled(exported, rate) : undefined;
  const { srcBytes, dstBytes, srcPackets, dstPackets, bytes, packets } = sampledFlow?.estimates ?? exported;
  if (srcIp === undefined && r.srcAddress === undefined) throw bad('source.ip', 'flow has no source address');
  if (dstIp === undefined && r.dstAddress === undefined) throw bad('destination.ip', 'flow has no destination address');

  let iana = r.protocol;
  if (iana === undefined && r.transport !== undefined) iana = ianaNumber(r.transport);
  if (iana !== undefined && (!Number.isInteger(iana) || iana < 0 || iana > IANA_MAX))
    throw bad('network.iana_number', `protocol must be 0-${IANA_MAX}, got ${iana}`);
  const transport = iana !== undefined ? transportName(iana) : r.transport?.toLowerCase();

  const end = r.end !== undefined && r.end >= r.start ? r.end : undefined;
  const ipVersion = srcIp !== undefined ? ipVersionOf(srcIp) : dstIp !== undefined ? ipVersionOf(dstIp) : 0;
  const icmp = iana === 1 || iana === 58;
  const icmpType = checkUint('flow.icmp.type', r.icmpType, ICMP_TYPE_MAX);
  const icmpCode = checkUint('flow.icmp.code', r.icmpCode, ICMP_CODE_MAX);
  // Community ID hashes ICMP type and code where the ports would be (its specification, §ICMP).
  const cidSport = icmp && icmpType !== undefined ? icmpType : srcPort;
  const cidDport = icmp && icmpType !== undefined ? (icmpCode ?? 0) : dstPort;
  const natSrcIp = checkIp('source.nat.ip', r.natSrcIp);
  const natDstIp = checkIp('destination.nat.ip', r.natDstIp);
  const natSrcPort = checkPort('source.nat.port', r.natSrcPort);
  const natDstPort = checkPort('destination.nat.port', r.natDstPort);

  const doc: FlowDoc = {
    '@timestamp': new Date(r.start).toISOString(),
    event: compact({
      end: end !== undefined ? new Date(end).toISOString() : undefined,
      duration: end !== undefined ? (end - r.start) * 1e6 : undefined,
    }),
    source: endpoint('source', {
      ip: srcIp,
      address: r.srcAddress,
      port: srcPort,
      mac: r.srcMac,
      bytes: srcBytes,
      packets: srcPackets,
      as: r.srcAs,
      natIp: natSrcIp,
      natPort: natSrcPort,
    }),
    destination: endpoint('destination', {
      ip: dstIp,
      address: r.dstAddress,
      port: dstPort,
      mac: r.dstMac,
      bytes: dstBytes,
      packets: dstPackets,
      as: r.dstAs,
      natIp: natDstIp,
      natPort: natDstPort,
    }),
    server: serverOf(srcPort, dstPort, { ip: srcIp, address: r.srcAddress }, { ip: dstIp, address: r.dstAddress }),
    network: compact({
      bytes,
      packets,
      transport,
      iana_number: iana,
      type: ipVersion === 4 ? ('ipv4' as const) : ipVersion === 6 ? ('ipv6' as const) : undefined,
      protocol: r.app ? text(r.app.toLowerCase()) : undefined,
      vlan: vlanId('network.vlan.id', r.vlan),
      inner:
        r.innerVlan !== undefined
          ? { vlan: vlanId('network.inner.vlan.id', r.innerVlan) as { id: string } }
          : undefined,
    }),
    flow: compact({
      format: r.format,
      community_hash:
        srcIp !== undefined && dstIp !== undefined && iana !== undefined
          ? hashOf(lastCommunityId(srcIp, dstIp, iana, cidSport, cidDport))
          : undefined,
      tcp_flags: r.tcpFlags,
      tos: r.tos,
      sampling_rate: rate,
      sampled: sampledFlow?.sampled,
      sender_ip: r.sender !== undefined && r.sender !== r.exporter ? checkIp('flow.sender_ip', r.sender) : undefined,
      next_hop: checkIp('flow.next_hop', r.nextHop),
      bgp_next_hop: checkIp('flow.bgp_next_hop', r.bgpNextHop),
      physical_interface:
        r.inputPhysicalInterface !== undefined || r.outputPhysicalInterface !== undefined
          ? compact({
              ingress: checkUint('flow.physical_interface.ingress', r.inputPhysicalInterface, UINT32_MAX),
              egress: checkUint('flow.physical_interface.egress', r.outputPhysicalInterface, UINT32_MAX),
            })
          : undefined,
      interface_speed:
        r.inputInterfaceSpeed !== undefined || r.outputInterfaceSpeed !== undefined
          ? compact({
              ingress: checkUint('flow.interface_speed.ingress', r.inputInterfaceSpeed, Number.MAX_SAFE_INTEGER),
              egress: checkUint('flow.interface_speed.egress', r.outputInterfaceSpeed, Number.MAX_SAFE_INTEGER),
            })
          : undefined,
      mpls:
        r.mplsLabel !== undefined
          ? { top_label: checkUint('flow.mpls.top_label', r.mplsLabel, MPLS_MAX) as number }
          : undefined,
      end_reason: text(r.endReason?.toLowerCase()),
      vrf:
        r.ingressVrf !== undefined || r.egressVrf !== undefined
          ? compact({
              ingress: checkUint('flow.vrf.ingress', r.ingressVrf, UINT32_MAX),
              egress: checkUint('flow.vrf.egress', r.egressVrf, UINT32_MAX),
            })
          : undefined,
      icmp: icmpType !== undefined || icmpCode !== undefined ? compact({ type: icmpType, code: icmpCode }) : undefined,
      latency:
        r.clientLatencyMs !== undefined || r.serverLatencyMs !== undefined || r.applicationLatencyMs !== undefined
          ? compact({
              client_ms: r.clientLatencyMs,
              server_ms: r.serverLatencyMs,
              application_ms: r.applicationLatencyMs,
            })
          : undefined,
      retransmissions:
        r.clientRetransmissions !== undefined || r.serverRetransmissions !== undefined
          ? compact({ client: r.clientRetransmissions, server: r.serverRetransmissions })
          : undefined,
    }),
  };
  const exporter = checkIp('observer.ip', r.exporter);
  const ingress = iface('observer.ingress.interface.id', r.inputInterface, r.inputInterfaceName);
  const egress = iface('observer.egress.interface.id', r.outputInterface, r.outputInterfaceName);
  const postVlan = vlanId('observer.egress.vlan.id', r.postVlan);
  if (
    exporter !== undefined ||
    r.observerName !== undefined ||
    ingress !== undefined ||
    egress !== undefined ||
    postVlan !== undefined
  ) {
    doc.observer = compact({
      ip: exporter,
      name: text(r.observerName),
      ingress: ingress !== undefined ? { interface: ingress } : undefined,
      egress:
        egress !== undefined || postVlan !== undefined ? compact({ interface: egress, vlan: postVlan }) : undefined,
    });
  }
  const dnsQuery = text(r.dnsQuery);
  const httpHost = text(r.httpHost);
  const httpUrl = text(r.httpUrl);
  const httpMethod = text(r.httpMethod);
  if (dnsQuery) doc.dns = { question: { name: dnsQuery } };
  if (httpHost || httpUrl) doc.url = compact({ domain: httpHost, original: httpUrl });
  if (httpMethod || r.httpStatus !== undefined) {
    doc.http = compact({
      request: httpMethod ? { method: httpMethod } : undefined,
      response: r.httpStatus !== undefined ? { status_code: r.httpStatus } : undefined,
    });
  }
  const tlsServerName = text(r.tlsServerName);
  if (r.tlsVersion || tlsServerName) {
    doc.tls = compact({
      version: text(r.tlsVersion),
      client: tlsServerName ? { server_name: tlsServerName } : undefined,
    });
  }
  return { id: flowId(r), doc };
}

function iface(field: string, id: number | undefined, name: string | undefined): InterfaceFields | undefined {
  if (id === undefined && !name) return undefined;
  return compact({ id: checkUint(field, id, UINT32_MAX), name: text(name) });
}

function hashOf(id: string | undefined): number | undefined {
  return id === undefined ? undefined : communityHash(id);
}

/**
 * The document as users see it: the stored document plus what is computed on read
 * (`network.community_id` from the 5-tuple), without the empty objects a source rebuilt from doc
 * values (`derived_source`) carries for every unset object of the mapping. Every read path
 * (search, export, decode) goes through it.
 */
export function hydrate(stored: FlowDoc): FlowDoc {
  const doc = withoutEmpty(stored) as FlowDoc;
  const { source, destination, network } = doc;
  if (
    !network ||
    network.community_id !== undefined ||
    source?.ip === undefined ||
    destination?.ip === undefined ||
    network.iana_number === undefined
  )
    return doc;
  const icmp = doc.flow?.icmp;
  const id = storedCommunityId(
    source.ip,
    destination.ip,
    network.iana_number,
    source.port,
    destination.port,
    icmp?.type,
    icmp?.code,
  );
  return id === undefined ? doc : { ...doc, network: { ...network, community_id: id } };
}

/**
 * The Community ID of a stored flow's fields: ICMP flows hash their type and code in place of
 * ports (as `normalize` did), everything else its ports.
 */
export function storedCommunityId(
  src: string,
  dst: string,
  proto: number,
  sport: number | undefined,
  dport: number | undefined,
  icmpType: number | undefined,
  icmpCode: number | undefined,
): string | undefined {
  return (proto === 1 || proto === 58) && icmpType !== undefined
    ? lastCommunityId(src, dst, proto, icmpType, icmpCode ?? 0)
    : lastCommunityId(src, dst, proto, sport, dport);
}

/**
 * `communityId` remembering its last answer: `decode` normalizes a flow and at once hydrates it,
 * and both want the Community ID of the same 5-tuple.
 */
const lastTuple: { src?: string; dst?: string; proto?: number; sport?: number; dport?: number; id?: string } = {};
function lastCommunityId(
  src: string,
  dst: string,
  proto: number,
  sport: number | undefined,
  dport: number | undefined,
): string | undefined {
  const t = lastTuple;
  if (t.src === src && t.dst === dst && t.proto === proto && t.sport === sport && t.dport === dport) return t.id;
  const id = communityId(src, dst, proto, sport, dport);
  t.src = src;
  t.dst = dst;
  t.proto = proto;
  t.sport = sport;
  t.dport = dport;
  t.id = id;
  return id;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function withoutEmpty(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const c = withoutEmpty(v[k]);
    if (isPlainObject(c) && !hasKeys(c)) continue;
    out[k] = c;
  }
  return out;
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}
