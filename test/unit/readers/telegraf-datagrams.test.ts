import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FlowRecord } from '../../../src/model/flow';
import { Readable } from 'node:stream';
import { datagramReader } from '../../../src/readers/datagram';
import { ExportDecoder } from '../../../src/readers/export-decoder';
import { readFlows } from '../../../src/readers';
import { ndpiName } from '../../../src/readers/ndpi';
import type { ReadItem } from '../../../src/readers/types';
import { describeWithData, SHARED_DATA } from './shared-data';

/**
 * Telegraf's NetFlow/sFlow test cases: each case's datagrams go in name order through one decoder,
 * and every flow line of Telegraf's `expected.out` must match one of our records on the fields
 * both sides decode (Telegraf's names mapped to ours below).
 */

const DIR = path.join(SHARED_DATA, 'datagrams/telegraf');

interface Line {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, string | number>;
}

/** Influx line protocol, enough of it for these files: quoted strings may hold commas and spaces. */
function parseLine(line: string): Line {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  const [head = '', body = ''] = parts;
  const [measurement = '', ...tagList] = head.split(',');
  const tags = Object.fromEntries(tagList.map((t) => t.split('=') as [string, string]));
  const fields: Record<string, string | number> = {};
  for (const kv of splitFields(body)) {
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq);
    const raw = kv.slice(eq + 1);
    fields[key] = raw.startsWith('"') ? raw.slice(1, -1) : Number(raw.replace(/[ui]$/, ''));
  }
  return { measurement, tags, fields };
}

function splitFields(body: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

const PROTOCOLS: Record<string, number> = { hopopt: 0, icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58 };

/** Telegraf prints TCP flags as CEUAPRSF with a dot for each clear bit. */
function tcpFlags(text: string): number {
  let v = 0;
  for (let i = 0; i < 8; i++) if (text[i] !== '.') v |= 0x80 >> i;
  return v;
}

const num = (v: string | number): number => (typeof v === 'number' ? v : Number(v));

/**
 * The fields of one Telegraf line that a FlowRecord also carries, under our names. Two sFlow
 * differences, checked on the bytes (see the hand-read test below):
 * - Telegraf overwrites `in_snmp` with the sample's source id (the data source's ifIndex); flowdex
 *   keeps the sample's input interface field, so `in_snmp` is not compared for sFlow.
 * - For an IPv6 packet with a hop-by-hop header Telegraf reports next header 0 (`hopopt`); flowdex
 *   follows the extension headers to the transport (ICMPv6, 58).
 */
function expectedRecord(f: Record<string, string | number>, sflow: boolean): Partial<FlowRecord> {
  const r: Partial<FlowRecord> = {};
  const set = <K extends keyof FlowRecord>(k: K, v: FlowRecord[K] | undefined): void => {
    if (v !== undefined) r[k] = v;
  };
  set('srcIp', f.src as string | undefined);
  set('dstIp', f.dst as string | undefined);
  if (f.src_port !== undefined) set('srcPort', num(f.src_port));
  if (f.dst_port !== undefined) set('dstPort', num(f.dst_port));
  if (f.protocol !== undefined)
    set('protocol', sflow && f.protocol === 'hopopt' ? 58 : (PROTOCOLS[String(f.protocol)] ?? num(f.protocol)));
  // sFlow: the sampled IP packet's length (its header's, as NetFlow counts octets); NetFlow/IPFIX: delta or total counters.
  const ipLength = f.ipv4_total_len ?? (f.ipv6_total_len !== undefined ? num(f.ipv6_total_len) + 40 : undefined);
  const bytes = ipLength ?? f.l2_bytes ?? f.in_bytes ?? f.in_total_bytes;
  if (bytes !== undefined) set('srcBytes', num(bytes));
  const packets = f.l2_bytes !== undefined ? 1 : (f.in_packets ?? f.in_total_packets);
  if (packets !== undefined) set('srcPackets', num(packets));
  if (f.out_bytes !== undefined) set('dstBytes', num(f.out_bytes));
  if (f.out_packets !== undefined) set('dstPackets', num(f.out_packets));
  if (typeof f.tcp_flags === 'string') set('tcpFlags', tcpFlags(f.tcp_flags));
  if (f.src_tos !== undefined) set('tos', num(f.src_tos));
  if (f.in_snmp !== undefined && !sflow) set('inputInterface', num(f.in_snmp));
  if (f.out_snmp !== undefined) set('outputInterface', num(f.out_snmp));
  if (f.sampling_interval !== undefined && num(f.sampling_interval) > 0) set('samplingRate', num(f.sampling_interval));
  if (f.flow_start_ms !== undefined) set('start', num(f.flow_start_ms));
  if (f.flow_end_ms !== undefined) set('end', num(f.flow_end_ms));
  // ntop (PEN 35632) elements flowdex maps.
  if (f.l7_proto !== undefined) set('app', ndpiName(String(f.l7_proto)));
  if (f.ssl_server_name) set('tlsServerName', String(f.ssl_server_name));
  if (f.client_nw_latency_ms !== undefined) set('clientLatencyMs', num(f.client_nw_latency_ms));
  if (f.server_nw_latency_ms !== undefined) set('serverLatencyMs', num(f.server_nw_latency_ms));
  if (f.app_latency_ms !== undefined) set('applicationLatencyMs', num(f.app_latency_ms));
  if (f.retransmitted_in_pkts !== undefined) set('clientRetransmissions', num(f.retransmitted_in_pkts));
  if (f.retransmitted_out_pkts !== undefined) set('serverRetransmissions', num(f.retransmitted_out_pkts));
  return r;
}

const sortKey = (r: Partial<FlowRecord>): string =>
  [r.srcIp, r.dstIp, r.srcPort, r.dstPort, r.srcBytes, r.inputInterface].join('|');

interface Decoded {
  flows: FlowRecord[];
  rejects: string[];
  options: number;
  skipped: Map<string, number>;
}

function decodeCase(name: string): Decoded {
  const dir = path.join(DIR, name);
  const decoder = new ExportDecoder();
  const items: ReadItem[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.bin'))
    .sort()) {
    // As the datagram reader does: the file's time stands in for the capture time sFlow lacks.
    const file = path.join(dir, f);
    items.push(
      ...decoder.decode(readFileSync(file), { file: f, base: 0, captureMs: Math.floor(statSync(file).mtimeMs) }),
    );
  }
  items.push(...decoder.finish());
  return {
    flows: items.flatMap((i) => (i.kind === 'flow' ? [i.record] : [])),
    rejects: items.flatMap((i) => (i.kind === 'reject' ? [i.error.describe()] : [])),
    options: decoder.counters.optionRecords,
    skipped: decoder.counters.skipped,
  };
}

function expectedLines(name: string): Line[] {
  return readFileSync(path.join(DIR, name, 'expected.out'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseLine);
}

/** Telegraf also emits sFlow counter samples and discards as `netflow` lines; flows have addresses. */
const isFlow = (l: Line): boolean =>
  l.measurement === 'netflow' && (l.fields.src !== undefined || l.fields.dst !== undefined);

const CASES = [
  'netflow_v5_example',
  'netflow_v9_example',
  'netflow_v9_options',
  'ipfix_example',
  'ipfix_options',
  'ipfix_pen_35632',
  'issue_13305',
  'sflow_v5_example',
  'sflow_issue_15375',
  'sflow_issue_15918',
  'sflow_issue_18876',
];

describeWithData('Telegraf NetFlow/sFlow test cases', () => {
  test.each(CASES)('%s: same flows, same decoded fields', (name) => {
    const got = decodeCase(name);
    const lines = expectedLines(name);
    const want = lines.filter(isFlow).map((l) => expectedRecord(l.fields, l.tags.version === 'sFlowV5'));
    expect(got.rejects).toEqual([]);
    expect(got.flows).toHaveLength(want.length);
    expect(got.options).toBe(lines.filter((l) => l.measurement === 'netflow_options').length);
    const byKey = (a: Partial<FlowRecord>, b: Partial<FlowRecord>): number => sortKey(a).localeCompare(sortKey(b));
    expect([...got.flows].sort(byKey)).toMatchObject([...want].sort(byKey));
  });

  test('sFlow counter samples and discards are counted as skipped, not lost', () => {
    for (const name of ['sflow_v5_example', 'sflow_issue_15375', 'sflow_issue_15918', 'sflow_issue_18876']) {
      const got = decodeCase(name);
      const other = expectedLines(name).filter((l) => !isFlow(l)).length;
      const skipped = [...got.skipped.values()].reduce((a, b) => a + b, 0);
      expect({ name, skipped }).toEqual({ name, skipped: other });
    }
  });

  test('issue_14370: IPFIX set overrunning its message is one reject with the reason; the good record still decodes', () => {
    // 292 bytes; message length 290; sets: 2 (132 bytes) at 16, 256 (60) at 148, 257 (84) at 208 → ends at 292 > 290.
    const got = decodeCase('issue_14370');
    const [v4] = expectedLines('issue_14370').filter(isFlow);
    expect(got.rejects).toEqual([
      'message.bin@208: set 257 claims 84 bytes but 82 remain in the 290-byte message; rest skipped',
    ]);
    expect(got.flows).toHaveLength(1);
    expect(got.flows[0]).toMatchObject(expectedRecord(v4?.fields ?? {}, false));
  });

  test('sFlow interfaces read by hand from sflow_issue_15918 message.bin', () => {
    // Flow sample 2: source id 60, input 101, output 60. Flow sample 3: input 97, output 0x8000000a
    // (format 2: ten output interfaces), so no output interface.
    const flows = decodeCase('sflow_issue_15918').flows;
    expect(flows[1]).toMatchObject({ srcIp: '142.250.200.99', inputInterface: 101, outputInterface: 60 });
    expect(flows[2]?.inputInterface).toBe(97);
    expect(flows[2]?.outputInterface).toBeUndefined();
  });

  test('raw sFlow datagram file: flows take the file time, which sFlow itself lacks', async () => {
    const file = path.join(DIR, 'sflow_issue_15918/message.bin');
    const starts = new Set<number>();
    for await (const item of readFlows(file)) if (item.kind === 'flow') starts.add(item.record.start);
    expect([...starts]).toEqual([Math.floor(statSync(file).mtimeMs)]);
  });

  test('sFlow with no capture time at all (a stream without a file time) is rejected with the reason', async () => {
    const chunks = Readable.from([readFileSync(path.join(DIR, 'sflow_issue_15918/message.bin'))]);
    const items: ReadItem[] = [];
    for await (const item of datagramReader.read({ name: 'stdin', chunks }, {})) items.push(item);
    expect(items.filter((i) => i.kind === 'flow')).toEqual([]);
    // Six flow samples, six rejects, each naming where the sample starts.
    const rejects = items.flatMap((i) => (i.kind === 'reject' ? [i.error.describe()] : []));
    expect(rejects).toHaveLength(6);
    for (const r of rejects) expect(r).toMatch(/^stdin@\d+: sFlow carries no wall-clock time/);
  });

  test('the line parser keeps quoted commas and spaces', () => {
    expect(parseLine('m,source=a,version=IPFIX app_desc="a, b c",n=5u 123')).toEqual({
      measurement: 'm',
      tags: { source: 'a', version: 'IPFIX' },
      fields: { app_desc: 'a, b c', n: 5 },
    });
  });
});
