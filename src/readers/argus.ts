import type { FlowRecord } from '../model/flow';
import { driveLines } from './text/drive';
import { headLines } from './text/lines';
import { firstRecordKeys, tabularHandler } from './text/tabular';
import { badRecord, counter, ip, num, type Row, secondsToMs, str, time, uint } from './text/values';
import type { FlowReader } from './types';

const FORMAT = 'argus';

/** Argus prints ICMP "ports" and some others in hex (`0x0303`). */
function argusPort(row: Row, key: string): number | undefined {
  const s = str(row, key);
  if (s === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw badRecord(key, `${key} is not a port: ${JSON.stringify(s)}`);
  return n;
}

function difference(total: number | undefined, part: number | undefined, key: string): number | undefined {
  if (total === undefined || part === undefined) return undefined;
  if (part > total) throw badRecord(key, `${key} (${total}) is less than its source part (${part})`);
  return total - part;
}

/**
 * Argus bidirectional flows (`*.binetflow`, as in the CTU-13/Stratosphere datasets): CSV or
 * TSV with StartTime, Dur, Proto, SrcAddr, Sport, Dir, DstAddr, Dport, …, TotPkts, TotBytes,
 * SrcBytes[, SrcPkts]. Destination counters are the totals minus the source's. Times carry no
 * zone and are taken as UTC.
 */
export function decodeArgus(row: Row): FlowRecord {
  const start = time(row, 'StartTime');
  if (start === undefined) throw badRecord('StartTime', 'missing StartTime');
  const dur = num(row, 'Dur');
  if (dur !== undefined && dur < 0) throw badRecord('Dur', `Dur must not be negative, got ${dur}`);
  const srcIp = ip(row, 'SrcAddr');
  const dstIp = ip(row, 'DstAddr');
  if (srcIp === undefined) throw badRecord('SrcAddr', 'missing SrcAddr');
  if (dstIp === undefined) throw badRecord('DstAddr', 'missing DstAddr');
  const totBytes = counter(row, 'TotBytes');
  const totPkts = counter(row, 'TotPkts');
  const srcBytes = counter(row, 'SrcBytes');
  const srcPkts = counter(row, 'SrcPkts');
  const proto = str(row, 'Proto');
  return {
    format: FORMAT,
    start,
    end: dur !== undefined ? start + secondsToMs(dur) : undefined,
    srcIp,
    dstIp,
    srcPort: argusPort(row, 'Sport'),
    dstPort: argusPort(row, 'Dport'),
    transport: proto,
    tos: uint(row, 'sTos', 255),
    srcBytes,
    dstBytes: difference(totBytes, srcBytes, 'TotBytes'),
    bytes: totBytes,
    srcPackets: srcPkts,
    dstPackets: difference(totPkts, srcPkts, 'TotPkts'),
    packets: totPkts,
  };
}

export const argusReader: FlowReader = {
  name: FORMAT,
  description: 'Argus bidirectional flows (*.binetflow CSV/TSV)',
  detect(head) {
    const keys = firstRecordKeys(headLines(head));
    return keys !== undefined && ['StartTime', 'SrcAddr', 'DstAddr', 'TotBytes'].every((k) => keys.includes(k));
  },
  read(input, options) {
    return driveLines(input, options, tabularHandler({ decode: decodeArgus }));
  },
};
