import type { FlowRecord } from '../model/flow';
import { ndpiName } from './ndpi';
import { driveLines } from './text/drive';
import { headLines } from './text/lines';
import { firstRecordKeys, tabularHandler } from './text/tabular';
import { badRecord, counter, ip, num, port, type Row, secondsToMs, str, time, uint } from './text/values';
import type { FlowReader } from './types';

const FORMAT = 'nprobe';

/** nProbe's numeric TLS_VERSION is the wire version (0x0303 = 771 = TLS 1.2). */
const TLS_VERSIONS: Readonly<Record<string, string>> = {
  '768': 'SSL 3.0',
  '769': '1.0',
  '770': '1.1',
  '771': '1.2',
  '772': '1.3',
};

/** An address pair picked from v4 or v6 columns; nProbe zero-fills the family a flow lacks. */
function address(row: Row, v4: string, v6: string): string | undefined {
  const a = ip(row, v4);
  if (a !== undefined && a !== '0.0.0.0') return a;
  const b = ip(row, v6);
  if (b !== undefined && b !== '::') return b;
  return a ?? b;
}

function orFlags(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) | (b ?? 0);
}

/**
 * nProbe / ntopng field names. IN_* counts what the client (source) sent, OUT_* what the
 * server (destination) sent. Times: FIRST_SWITCHED/LAST_SWITCHED (epoch s or a date-time),
 * FLOW_START/END_MILLISECONDS, or ntopng's startTime/endTime.
 */
export function decodeNprobe(row: Row): FlowRecord {
  const start = time(row, 'FIRST_SWITCHED') ?? time(row, 'FLOW_START_MILLISECONDS', 'ms') ?? time(row, 'startTime');
  if (start === undefined)
    throw badRecord('FIRST_SWITCHED', 'missing flow start (FIRST_SWITCHED, FLOW_START_MILLISECONDS or startTime)');
  let end = time(row, 'LAST_SWITCHED') ?? time(row, 'FLOW_END_MILLISECONDS', 'ms') ?? time(row, 'endTime');
  if (end === undefined) {
    const durS = num(row, 'Duration');
    const durMs = num(row, 'FLOW_DURATION_MILLISECONDS');
    if (durS !== undefined) end = start + secondsToMs(durS);
    else if (durMs !== undefined) end = start + Math.round(durMs);
  }
  const l7name = str(row, 'L7_PROTO_NAME');
  const l7 = str(row, 'L7_PROTO');
  const tls = str(row, 'TLS_VERSION');
  const rec: FlowRecord = {
    format: FORMAT,
    start,
    end,
    srcIp: address(row, 'IPV4_SRC_ADDR', 'IPV6_SRC_ADDR'),
    dstIp: address(row, 'IPV4_DST_ADDR', 'IPV6_DST_ADDR'),
    srcPort: port(row, 'L4_SRC_PORT'),
    dstPort: port(row, 'L4_DST_PORT'),
    protocol: uint(row, 'PROTOCOL', 255),
    transport: str(row, 'PROTOCOL_NAME'),
    srcBytes: counter(row, 'IN_BYTES'),
    dstBytes: counter(row, 'OUT_BYTES'),
    srcPackets: counter(row, 'IN_PKTS'),
    dstPackets: counter(row, 'OUT_PKTS'),
    tcpFlags:
      uint(row, 'TCP_FLAGS', 255) ?? orFlags(uint(row, 'CLIENT_TCP_FLAGS', 255), uint(row, 'SERVER_TCP_FLAGS', 255)),
    tos: uint(row, 'SRC_TOS', 255),
    exporter: ip(row, 'EXPORTER_IPV4_ADDRESS'),
    observerName: str(row, 'PROBEID'),
    inputInterface: uint(row, 'INPUT_SNMP', 0xffffffff),
    outputInterface: uint(row, 'OUTPUT_SNMP', 0xffffffff),
    app: l7name ?? (l7 !== undefined ? ndpiName(l7) : undefined),
    dnsQuery: str(row, 'DNS_QUERY'),
    httpHost: str(row, 'HTTP_SITE') ?? str(row, 'HTTP_HOST'),
    httpUrl: str(row, 'HTTP_URL'),
    httpMethod: str(row, 'HTTP_METHOD'),
    httpStatus: uint(row, 'HTTP_RET_CODE', 999) || undefined,
    tlsServerName: str(row, 'TLS_SERVER_NAME'),
    tlsVersion: tls !== undefined ? (TLS_VERSIONS[tls] ?? (tls === '0' ? undefined : tls)) : undefined,
    clientLatencyMs: num(row, 'CLIENT_NW_LATENCY_MS'),
    serverLatencyMs: num(row, 'SERVER_NW_LATENCY_MS'),
    applicationLatencyMs: num(row, 'APPL_LATENCY_MS'),
    clientRetransmissions: counter(row, 'RETRANSMITTED_IN_PKTS'),
    serverRetransmissions: counter(row, 'RETRANSMITTED_OUT_PKTS'),
  };
  if (rec.srcIp === undefined)
    throw badRecord('IPV4_SRC_ADDR', 'missing source address (IPV4_SRC_ADDR or IPV6_SRC_ADDR)');
  if (rec.dstIp === undefined)
    throw badRecord('IPV4_DST_ADDR', 'missing destination address (IPV4_DST_ADDR or IPV6_DST_ADDR)');
  return rec;
}

export const nprobeReader: FlowReader = {
  name: FORMAT,
  description: 'nProbe / ntopng flows: JSON lines or CSV (also |-separated) with nProbe field names',
  detect(head) {
    const keys = firstRecordKeys(headLines(head));
    return (
      keys !== undefined &&
      keys.some((k) => k === 'IPV4_SRC_ADDR' || k === 'IPV6_SRC_ADDR') &&
      keys.includes('L4_SRC_PORT')
    );
  },
  read(input, options) {
    return driveLines(input, options, tabularHandler({ decode: decodeNprobe }));
  },
};
