import type { FlowRecord } from '../model/flow';
import { ianaNumber } from '../model/protocols';
import { driveLines } from './text/drive';
import { splitCsvLine } from './text/csv';
import { headLines } from './text/lines';
import { firstRecordKeys, tabularHandler } from './text/tabular';
import { badRecord, counter, ip, num, port, type Row, secondsToMs, str, time, uint } from './text/values';
import type { FlowReader } from './types';

const FORMAT = 'nfdump';

/** nfdump prints TCP flags as 8 characters, most significant bit first: `CEUAPRSF`. */
export function parseNfdumpFlags(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^[.A-Z]{8}$/.test(text)) return undefined;
  let v = 0;
  for (let i = 0; i < 8; i++) if (text[i] !== '.') v |= 0x80 >> i;
  return v;
}

function flags(row: Row, key: string): number | undefined {
  const s = str(row, key);
  if (s === undefined) return undefined;
  const v = parseNfdumpFlags(s);
  if (v === undefined || v > 255) throw badRecord(key, `${key} is not a TCP flag set: ${JSON.stringify(s)}`);
  return v;
}

/** Reverse-direction counters exist only for bidirectional (NSEL/biflow) records; zero means absent. */
function nonZero(n: number | undefined): number | undefined {
  return n === 0 ? undefined : n;
}

const UNSET = new Set(['0.0.0.0', '::', '00:00:00:00:00:00']);

function unset(v: string | undefined): string | undefined {
  return v === undefined || UNSET.has(v) ? undefined : v;
}

/** `label-exp-bos` as nfdump prints the top of the MPLS stack; `0-0-0` when there is none. */
function mplsLabel(v: string | undefined): number | undefined {
  const m = v !== undefined ? /^(\d+)-\d+-\d+$/.exec(v.trim()) : null;
  if (!m || v?.trim() === '0-0-0') return undefined;
  return Number(m[1]);
}

function firstIp(row: Row, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = ip(row, k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * A record of `nfdump -o csv` (columns ts,te,td,sa,da,…) or `nfdump -o json` (first, last,
 * src4_addr, …) of nfdump 1.7. nfdump prints local time without a zone: run it with TZ=UTC.
 * in_* counters are the flow's own direction (source → destination).
 */
export function decodeNfdump(row: Row): FlowRecord {
  const start = time(row, 'ts') ?? time(row, 'first');
  if (start === undefined) throw badRecord('ts', 'missing flow start (ts / first)');
  let end = time(row, 'te') ?? time(row, 'last');
  const td = num(row, 'td');
  if (end === undefined && td !== undefined) end = start + secondsToMs(td);
  const srcIp = firstIp(row, ['sa', 'src4_addr', 'src6_addr']);
  const dstIp = firstIp(row, ['da', 'dst4_addr', 'dst6_addr']);
  if (srcIp === undefined) throw badRecord('sa', 'missing source address');
  if (dstIp === undefined) throw badRecord('da', 'missing destination address');
  const pr = str(row, 'pr') ?? str(row, 'proto');
  const protocol = pr !== undefined ? ianaNumber(pr) : undefined;
  // CSV prints ICMP's destination "port" as type.code; JSON has icmp_type/icmp_code.
  const dp = str(row, 'dp');
  const icmp = dp !== undefined && /^\d+\.\d+$/.test(dp) ? dp.split('.').map(Number) : undefined;
  const icmpType = icmp ? icmp[0] : uint(row, 'icmp_type', 255);
  const icmpCode = icmp ? icmp[1] : uint(row, 'icmp_code', 255);
  return {
    format: FORMAT,
    start,
    end,
    srcIp,
    dstIp,
    srcPort: icmp ? 0 : (port(row, 'sp') ?? port(row, 'src_port')),
    dstPort: icmp ? 0 : (port(row, 'dp') ?? port(row, 'dst_port')),
    icmpType,
    icmpCode,
    protocol: protocol !== undefined && protocol <= 255 ? protocol : undefined,
    transport: protocol === undefined ? pr : undefined,
    tcpFlags: flags(row, 'flg') ?? flags(row, 'tcp_flags'),
    tos: uint(row, 'stos', 255) ?? uint(row, 'src_tos', 255),
    srcPackets: counter(row, 'ipkt') ?? counter(row, 'in_packets'),
    srcBytes: counter(row, 'ibyt') ?? counter(row, 'in_bytes'),
    dstPackets: nonZero(counter(row, 'opkt') ?? counter(row, 'out_packets')),
    dstBytes: nonZero(counter(row, 'obyt') ?? counter(row, 'out_bytes')),
    inputInterface: uint(row, 'in', 0xffffffff) ?? uint(row, 'input_snmp', 0xffffffff),
    outputInterface: uint(row, 'out', 0xffffffff) ?? uint(row, 'output_snmp', 0xffffffff),
    exporter: firstIp(row, ['ra', 'ip4_router', 'ip6_router']),
    // nfdump prints 0, 0.0.0.0, 00:00:… and 0-0-0 for elements the record lacks.
    srcAs: nonZero(uint(row, 'sas', 0xffffffff) ?? uint(row, 'src_as', 0xffffffff)),
    dstAs: nonZero(uint(row, 'das', 0xffffffff) ?? uint(row, 'dst_as', 0xffffffff)),
    nextHop: unset(firstIp(row, ['nh', 'ip4_next_hop', 'ip6_next_hop'])),
    bgpNextHop: unset(firstIp(row, ['nhb', 'bgp4_next_hop', 'bgp6_next_hop'])),
    vlan: nonZero(uint(row, 'svln', 4095) ?? uint(row, 'src_vlan', 4095)),
    postVlan: nonZero(uint(row, 'dvln', 4095) ?? uint(row, 'dst_vlan', 4095)),
    srcMac: unset(str(row, 'ismc') ?? str(row, 'in_src_mac')),
    dstMac: unset(str(row, 'idmc') ?? str(row, 'in_dst_mac')),
    mplsLabel: mplsLabel(str(row, 'mpls1')),
  };
}

/** `nfdump -o csv` columns (1.7); `-q` prints the records without this header line. */
const CSV_COLUMNS =
  'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr'.split(
    ',',
  );

/** A headerless `nfdump -q -o csv` line: as many cells as the header names, two times first. */
function looksLikeQuietCsv(line: string): boolean {
  const cells = splitCsvLine(line, ',');
  const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;
  return (
    cells !== undefined &&
    cells.length === CSV_COLUMNS.length &&
    stamp.test(cells[0] ?? '') &&
    stamp.test(cells[1] ?? '')
  );
}

export const nfdumpReader: FlowReader = {
  name: FORMAT,
  description: 'nfdump 1.7 text output: `nfdump -r FILE -o csv` (with or without `-q`) or `-o json` (run with TZ=UTC)',
  detect(head) {
    const lines = headLines(head, 60);
    const first = lines.find((l) => l.trim() !== '');
    if (first !== undefined && looksLikeQuietCsv(first)) return true;
    const keys = firstRecordKeys(lines);
    if (keys === undefined) return false;
    const csv = ['ts', 'te', 'td', 'sa', 'da', 'sp', 'dp', 'pr'].every((k, i) => keys[i] === k);
    const json = keys.includes('first') && (keys.includes('src4_addr') || keys.includes('src6_addr'));
    return csv || json;
  },
  read(input, options) {
    return driveLines(
      input,
      options,
      tabularHandler({
        decode: decodeNfdump,
        trailerMarker: 'Summary',
        headerless: { columns: CSV_COLUMNS, isHeader: (cells) => cells[0]?.trim() === 'ts' },
      }),
    );
  },
};
