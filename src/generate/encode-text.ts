import type { FlowRecord } from '../model/flow';

/** Text encodings of generated flows in the shapes other tools write: nProbe JSON and LANL CSV. */

/** nDPI's spelling of the generator's application names. */
const NDPI_NAMES: Record<string, string> = {
  http: 'HTTP',
  tls: 'TLS',
  dns: 'DNS',
  ssh: 'SSH',
  smtp: 'SMTP',
  ntp: 'NTP',
  icmp: 'ICMP',
};

export function nprobeJson(r: FlowRecord): string {
  const v6 = (r.srcIp ?? '').includes(':');
  const o: Record<string, string | number> = v6
    ? { IPV6_SRC_ADDR: r.srcIp ?? '', IPV6_DST_ADDR: r.dstIp ?? '' }
    : { IPV4_SRC_ADDR: r.srcIp ?? '', IPV4_DST_ADDR: r.dstIp ?? '' };
  o.L4_SRC_PORT = r.srcPort ?? 0;
  o.L4_DST_PORT = r.dstPort ?? 0;
  o.PROTOCOL = r.protocol ?? 0;
  o.L7_PROTO_NAME = r.app ? (NDPI_NAMES[r.app] ?? r.app.toUpperCase()) : 'Unknown';
  o.IN_BYTES = r.srcBytes ?? 0;
  o.OUT_BYTES = r.dstBytes ?? 0;
  o.IN_PKTS = r.srcPackets ?? 0;
  o.OUT_PKTS = r.dstPackets ?? 0;
  o.TCP_FLAGS = r.tcpFlags ?? 0;
  o.FIRST_SWITCHED = Math.floor(r.start / 1000);
  o.LAST_SWITCHED = Math.floor((r.end ?? r.start) / 1000);
  o.INPUT_SNMP = r.inputInterface ?? 0;
  o.OUTPUT_SNMP = r.outputInterface ?? 0;
  o.PROBEID = 'probe-1';
  if (r.dnsQuery) o.DNS_QUERY = r.dnsQuery;
  if (r.httpHost) o.HTTP_SITE = r.httpHost;
  if (r.httpMethod) o.HTTP_METHOD = r.httpMethod;
  if (r.httpStatus !== undefined) o.HTTP_RET_CODE = r.httpStatus;
  if (r.tlsServerName) o.TLS_SERVER_NAME = r.tlsServerName;
  return JSON.stringify(o);
}

export const LANL_HEADER =
  'time,duration,srcdevice,dstdevice,protocol,srcport,dstport,srcpackets,dstpackets,srcbytes,dstbytes';

/** LANL names hosts and ephemeral ports, not addresses: stable pseudonyms from the address. */
function device(ip: string | undefined): string {
  let h = 2166136261;
  for (let i = 0; i < (ip ?? '').length; i++) h = Math.imul(h ^ (ip ?? '').charCodeAt(i), 16777619);
  return `Comp${String((h >>> 0) % 1_000_000).padStart(6, '0')}`;
}

function port(p: number | undefined): string {
  if (p === undefined) return '';
  return p >= 1024 && p !== 8080 ? `Port${p}` : String(p);
}

/** LANL times are seconds relative to the data set's start (`origin`); `decode --time-offset` restores them. */
export function lanlCsv(r: FlowRecord, originMs: number): string {
  const time = Math.floor((r.start - originMs) / 1000);
  const duration = Math.round(((r.end ?? r.start) - r.start) / 1000);
  return `${time},${duration},${device(r.srcIp)},${device(r.dstIp)},${r.protocol ?? 0},${port(r.srcPort)},${port(r.dstPort)},${r.srcPackets ?? 0},${r.dstPackets ?? 0},${r.srcBytes ?? 0},${r.dstBytes ?? 0}`;
}
