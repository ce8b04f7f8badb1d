import type { FlowRecord } from '../model/flow';
import { driveLines, type LineHandler } from './text/drive';
import { headLines } from './text/lines';
import { firstRecordKeys, tabularHandler } from './text/tabular';
import { badRecord, counter, CsvRow, ip, num, port, type Row, secondsToMs, str, time } from './text/values';
import type { FlowReader } from './types';

const FORMAT = 'zeek';

/**
 * Zeek `conn.log` (TSV with `#` headers, or JSON lines). orig is the source, resp the
 * destination. Counters use the IP-level `orig_ip_bytes`/`resp_ip_bytes` (headers included, like
 * NetFlow and IPFIX count), falling back to payload `orig_bytes`/`resp_bytes` only when a log
 * lacks the IP columns. `conn_state`, `history`, `uid` and labels have no place in a flow
 * document and are dropped.
 */
export function decodeZeek(row: Row): FlowRecord {
  const start = time(row, 'ts');
  if (start === undefined) throw badRecord('ts', 'missing ts');
  const duration = num(row, 'duration');
  if (duration !== undefined && duration < 0)
    throw badRecord('duration', `duration must not be negative, got ${duration}`);
  const srcIp = ip(row, 'id.orig_h');
  const dstIp = ip(row, 'id.resp_h');
  if (srcIp === undefined) throw badRecord('id.orig_h', 'missing id.orig_h');
  if (dstIp === undefined) throw badRecord('id.resp_h', 'missing id.resp_h');
  // A connection can carry several analysers ("ssl,http"); the first is the one Zeek confirmed first.
  const service = str(row, 'service')?.split(',')[0];
  return {
    format: FORMAT,
    start,
    end: duration !== undefined ? start + secondsToMs(duration) : undefined,
    srcIp,
    dstIp,
    srcPort: port(row, 'id.orig_p'),
    dstPort: port(row, 'id.resp_p'),
    transport: str(row, 'proto'),
    app: service,
    srcBytes: counter(row, 'orig_ip_bytes') ?? counter(row, 'orig_bytes'),
    dstBytes: counter(row, 'resp_ip_bytes') ?? counter(row, 'resp_bytes'),
    srcPackets: counter(row, 'orig_pkts'),
    dstPackets: counter(row, 'resp_pkts'),
  };
}

/** `\x09` escapes as Zeek writes them in `#separator`. */
function unescape(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Some labelled logs (Stratosphere's IoT-23) join the label columns with runs of spaces instead
 * of the separator; those are split so cells line up with `#fields`.
 */
function splitCells(line: string, sep: string): string[] {
  const cells = line.split(sep);
  const last = cells[cells.length - 1];
  if (last !== undefined && last.includes('   ')) cells.splice(cells.length - 1, 1, ...last.split(/ {3,}/));
  return cells;
}

function zeekHandler(): LineHandler {
  let sep = '\t';
  const unset = new Set(['-', '(empty)']);
  let index: Map<string, number> | undefined;
  let width = 0;
  const json = tabularHandler({ decode: decodeZeek });
  return (text, no) => {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('#')) {
      const space = trimmed.search(/[\s]/);
      const key = space === -1 ? trimmed : trimmed.slice(0, space);
      const value = space === -1 ? '' : trimmed.slice(space + 1);
      if (key === '#separator') sep = unescape(value.trim());
      else if (key === '#unset_field' || key === '#empty_field') unset.add(value.split(sep)[0] ?? value);
      else if (key === '#fields') {
        const columns = splitCells(value, sep);
        index = new Map(columns.map((c, i) => [c, i]));
        width = columns.length;
      }
      return undefined;
    }
    if (index === undefined) return json(text, no);
    if (text === '') return undefined;
    const cells = splitCells(text, sep);
    if (cells.length !== width) throw badRecord('line', `expected ${width} columns (#fields), got ${cells.length}`);
    return { record: decodeZeek(new CsvRow(index, cells, unset)), line: no };
  };
}

export const zeekReader: FlowReader = {
  name: FORMAT,
  description: 'Zeek conn.log: TSV with #fields header (also labelled variants) or JSON lines',
  detect(head) {
    const lines = headLines(head);
    if (lines.some((l) => /^\s*#fields\s.*id\.orig_h/.test(l))) return true;
    const keys = firstRecordKeys(lines);
    return keys !== undefined && keys.includes('id.orig_h') && keys.includes('id.resp_h');
  },
  read(input, options) {
    return driveLines(input, options, zeekHandler());
  },
};
