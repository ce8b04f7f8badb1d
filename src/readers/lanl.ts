import type { FlowRecord } from '../model/flow';
import { splitCsvLine } from './text/csv';
import { driveLines } from './text/drive';
import { headLines } from './text/lines';
import { firstRecordKeys, tabularHandler } from './text/tabular';
import { addressOrIp, badRecord, counter, num, port, type Row, secondsToMs, str, uint } from './text/values';
import type { FlowReader } from './types';

const FORMAT = 'lanl';

/** Column order of LANL's netflow files, which have no header line. */
export const LANL_COLUMNS = [
  'time',
  'duration',
  'srcdevice',
  'dstdevice',
  'protocol',
  'srcport',
  'dstport',
  'srcpackets',
  'dstpackets',
  'srcbytes',
  'dstbytes',
] as const;

const INT = /^\d+$/;

/**
 * LANL anonymises uncommon ports as `Port12345`; the real number is unknown, so such a port
 * is left out rather than invented.
 */
function lanlPort(row: Row, key: string): number | undefined {
  const v = str(row, key);
  if (v !== undefined && /^Port\d+$/i.test(v)) return undefined;
  return port(row, key);
}

function device(row: Row, key: string): string {
  const v = str(row, key);
  if (v === undefined) throw badRecord(key, `missing ${key}`);
  return v;
}

/**
 * LANL-style flows. `time` is epoch seconds — in LANL's release relative to an undisclosed
 * start (it begins at 1), which `timeOffsetMs` shifts. Device names go to source/destination
 * address; a device that is an IP address goes to the ip field instead.
 */
export function decodeLanl(row: Row): FlowRecord {
  const t = num(row, 'time');
  if (t === undefined) throw badRecord('time', 'missing time');
  if (t < 0) throw badRecord('time', `time must not be negative, got ${t}`);
  const duration = num(row, 'duration');
  if (duration !== undefined && duration < 0)
    throw badRecord('duration', `duration must not be negative, got ${duration}`);
  const start = secondsToMs(t);
  const src = addressOrIp(device(row, 'srcdevice'));
  const dst = addressOrIp(device(row, 'dstdevice'));
  return {
    format: FORMAT,
    start,
    end: duration !== undefined ? start + secondsToMs(duration) : undefined,
    srcIp: src.ip,
    srcAddress: src.address,
    dstIp: dst.ip,
    dstAddress: dst.address,
    protocol: uint(row, 'protocol', 255),
    srcPort: lanlPort(row, 'srcport'),
    dstPort: lanlPort(row, 'dstport'),
    srcPackets: counter(row, 'srcpackets'),
    dstPackets: counter(row, 'dstpackets'),
    srcBytes: counter(row, 'srcbytes'),
    dstBytes: counter(row, 'dstbytes'),
  };
}

/** A headerless LANL line: 11 comma-separated cells, times and counters numeric. */
function looksLikeLanlData(line: string): boolean {
  const cells = splitCsvLine(line, ',');
  if (cells === undefined || cells.length !== LANL_COLUMNS.length) return false;
  return [0, 1, 4, 7, 8, 9, 10].every((i) => INT.test(cells[i] ?? ''));
}

export const lanlReader: FlowReader = {
  name: FORMAT,
  description: 'LANL-style flows: CSV (with or without header) or JSON lines',
  detect(head) {
    const lines = headLines(head);
    const keys = firstRecordKeys(lines);
    if (keys?.includes('srcdevice') && keys.includes('dstdevice')) return true;
    const first = lines.find((l) => l.trim() !== '');
    return first !== undefined && looksLikeLanlData(first);
  },
  read(input, options) {
    return driveLines(
      input,
      options,
      tabularHandler({
        decode: decodeLanl,
        headerless: { columns: LANL_COLUMNS, isHeader: (cells) => cells.some((c) => c.trim() === 'srcdevice') },
      }),
    );
  },
};
