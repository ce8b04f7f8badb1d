import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { lanlReader } from '../src/readers/lanl';
import { nprobeReader } from '../src/readers/nprobe';
import type { FlowReader } from '../src/readers/types';
import { zeekReader } from '../src/readers/zeek';
import type { BenchResult, BenchSuite } from './types';

/** Row writers for synthetic inputs: varied addresses, ports and counters, one flow per line. */
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const T0 = 1_700_000_000;

const nprobeLine = (i: number) =>
  JSON.stringify({
    IPV4_SRC_ADDR: ip(i),
    IPV4_DST_ADDR: ip(i * 7 + 1),
    L4_SRC_PORT: 1024 + (i % 60000),
    L4_DST_PORT: [80, 443, 53, 22][i % 4],
    PROTOCOL: i % 4 === 2 ? 17 : 6,
    L7_PROTO: ['7.178', '91.126', '5', '92'][i % 4],
    IN_BYTES: 100 + (i % 5000),
    OUT_BYTES: 200 + (i % 9000),
    IN_PKTS: 1 + (i % 50),
    OUT_PKTS: 1 + (i % 70),
    FIRST_SWITCHED: T0 + (i >> 4),
    LAST_SWITCHED: T0 + (i >> 4) + (i % 30),
    CLIENT_TCP_FLAGS: 2,
    SERVER_TCP_FLAGS: 18,
    PROBEID: 'probe-1',
    INPUT_SNMP: 1,
    OUTPUT_SNMP: 2,
  });

const lanlLine = (i: number) =>
  `${1 + (i >> 4)},${i % 30},Comp${(i * 13) % 999999},Comp${(i * 31) % 999999},${i % 4 === 2 ? 17 : 6},Port${i % 99999},${[80, 443, 53, 445][i % 4]},${1 + (i % 50)},${i % 70},${100 + (i % 5000)},${i % 9000}`;

const zeekLine = (i: number) =>
  [
    (T0 + i / 16).toFixed(6),
    `C${i.toString(36)}`,
    ip(i),
    1024 + (i % 60000),
    ip(i * 7 + 1),
    [80, 443, 53, 22][i % 4],
    i % 4 === 2 ? 'udp' : 'tcp',
    ['http', 'ssl', 'dns', '-'][i % 4],
    (i % 300) / 10,
    i % 5000,
    i % 9000,
    'SF',
    '-',
    '-',
    0,
    'ShADadfF',
    1 + (i % 50),
    100 + (i % 5000),
    1 + (i % 70),
    200 + (i % 9000),
    '-',
  ].join('\t');

const ZEEK_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
];

async function writeFile(file: string, header: string[], line: (i: number) => string, n: number): Promise<void> {
  const out = createWriteStream(file);
  let buf = header.length ? header.join('\n') + '\n' : '';
  for (let i = 0; i < n; i++) {
    buf += line(i) + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function decodeRate(reader: FlowReader, file: string): Promise<{ flows: number; rejects: number; perS: number }> {
  const t0 = process.hrtime.bigint();
  let flows = 0;
  let rejects = 0;
  for await (const item of reader.read(
    { name: file, chunks: createReadStream(file, { highWaterMark: 1 << 20 }) },
    {},
  )) {
    if (item.kind === 'flow') flows++;
    else rejects++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { flows, rejects, perS: Math.round(flows / s) };
}

/** Decode rate of the text readers on one core, on synthetic files written here. */
export const decodeTextSuite: BenchSuite = {
  name: 'decode-text',
  needsOpenSearch: false,
  async run({ scale }) {
    const n = Math.max(1000, Math.round(200_000 * scale));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-bench-text-'));
    const cases = [
      { name: 'nprobe-json', reader: nprobeReader, file: 'flows.jsonl', header: [], line: nprobeLine, goal: 50_000 },
      { name: 'lanl-csv', reader: lanlReader, file: 'flows.csv', header: [], line: lanlLine, goal: 50_000 },
      { name: 'zeek-tsv', reader: zeekReader, file: 'conn.log', header: ZEEK_HEADER, line: zeekLine, goal: undefined },
    ];
    const rows: BenchResult[] = [];
    try {
      for (const c of cases) {
        const file = path.join(dir, c.file);
        await writeFile(file, c.header, c.line, n);
        const r = await decodeRate(c.reader, file);
        rows.push({
          suite: 'decode',
          name: `${c.name} decode`,
          value: r.perS,
          unit: 'flows/s',
          goal: c.goal !== undefined ? `≥ ${c.goal}` : undefined,
          met: c.goal !== undefined ? r.perS >= c.goal && r.flows === n : undefined,
          note: `${r.flows} flows, ${r.rejects} rejected of ${n} lines`,
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
