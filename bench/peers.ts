import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { V5Encoder } from '../src/generate/encode-netflow';
import { generateFlows, GENERATOR_EXPORTER } from '../src/generate/flows';
import { PcapWriter } from '../src/generate/pcap-writer';
import { connect } from '../src/store/client';
import { throughNfcapd } from './nfcapd';
import type { BenchResult, BenchSuite } from './types';

/*
 * flowdex beside nfdump on the same flows in one run (DESIGN §13 "Peers"): generated NetFlow v5
 * datagrams go over UDP to nfcapd (nfdump reads its files) and, as a pcap, through `flowdex
 * index`. Each question is asked as users ask it, whole processes timed (median of three), output
 * thrown away: nfdump's default line format, flowdex's `query --all --format csv` and `report`.
 */

const PREFIX = 'bench-peers-';
const START = Date.UTC(2024, 5, 1);
const SPAN = 86400000;
const CLI = path.resolve(__dirname, '../cli/flowdex.js');

/**
 * Wall time of one process, and its output; with `discard` the output goes to /dev/null unread
 * (an export of millions of flows is longer than a string may be).
 */
function wall(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  discard = false,
): { s: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 30,
    ...(discard ? { stdio: ['ignore', 'ignore', 'pipe'] as const } : {}),
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { s, stdout: r.stdout ?? '' };
}

function median(
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
  discard = false,
  times = 3,
): { s: number; stdout: string } {
  const runs = Array.from({ length: times }, () => wall(cmd, args, env, discard)).sort((a, b) => a.s - b.s);
  return runs[Math.floor(times / 2)] as { s: number; stdout: string };
}

/** Median wall time of seven runs, exit code ignored (a refused option is start-up too). */
function wallMedian(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const runs = Array.from({ length: 7 }, () => {
    const t0 = performance.now();
    spawnSync(cmd, args, { env, stdio: 'ignore' });
    return (performance.now() - t0) / 1000;
  }).sort((a, b) => a - b);
  return runs[3] as number;
}

const round = (x: number, digits = 3) => Number(x.toPrecision(digits));

export const peersSuite: BenchSuite = {
  name: 'peers',
  needsOpenSearch: true,
  async run({ scale, url }) {
    if (spawnSync('which', ['nfcapd']).status !== 0 || spawnSync('which', ['nfdump']).status !== 0) {
      process.stderr.write('bench peers: nfdump/nfcapd not installed (scripts/system-deps.sh); skipped\n');
      return [];
    }
    const flows = Math.max(10_000, Math.round(200_000 * scale));
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'flowdex-peers-'));
    const capd = path.join(tmp, 'nfcapd');
    mkdirSync(capd);
    const env = { ...process.env, OPENSEARCH_URL: url ?? process.env.OPENSEARCH_URL, FLOWDEX_PREFIX: PREFIX };
    const cfg = loadConfig({ opensearch: url, prefix: PREFIX });
    const { client } = await connect(cfg);
    try {
      // The same datagrams for both: a pcap for flowdex, UDP for nfcapd.
      const datagrams: Buffer[] = [];
      const chunks: Buffer[] = [];
      const pcap = new PcapWriter(GENERATOR_EXPORTER, (c) => chunks.push(Buffer.from(c)));
      const v5 = new V5Encoder({ bootMs: START - 3_600_000 }, (d, ms) => {
        datagrams.push(Buffer.from(d));
        pcap.write(d, ms);
      });
      for (const r of generateFlows({ flows, start: START, spanMs: SPAN, seed: 5 })) v5.add(r);
      v5.flush();
      pcap.flush();
      const file = path.join(tmp, 'flows.pcap');
      writeFileSync(file, Buffer.concat(chunks));
      await throughNfcapd(datagrams, capd);
      const indexed = JSON.parse(wall('node', [CLI, 'index', file, '--json', '--no-enrich'], env).stdout) as {
        indexed: number;
        duplicates: number;
      };
      const nfRecords = wall('nfdump', ['-R', capd, '-q', '-o', 'fmt:%pr'])
        .stdout.split('\n')
        .filter((l) => l.trim() !== '').length;
      const records = indexed.indexed + indexed.duplicates;
      const note = `${records.toLocaleString('en-US')} NetFlow v5 records (${flows.toLocaleString('en-US')} generated flows); nfdump 1.7 reads ${nfRecords.toLocaleString('en-US')}`;
      const range = [
        '--from',
        new Date(START - 3_600_000).toISOString(),
        '--to',
        new Date(START + 2 * SPAN).toISOString(),
      ];
      const rows: BenchResult[] = [];
      // The data set is named once, on the first row.
      const add = (name: string, value: number, unit: string, goal?: string, met?: boolean) =>
        rows.push({
          suite: 'peers',
          name,
          value: round(value),
          unit,
          ...(goal ? { goal, met } : {}),
          ...(rows.length === 0 ? { note } : {}),
        });

      const printAll: [string, string, string][] = [
        ['src ip X, print all', 'src ip 10.0.1.10', 'src:10.0.1.10'],
        [
          'dst net /24 and dst port 443, print all',
          'dst net 10.0.1.0/24 and dst port 443',
          'dst:10.0.1.0/24 dport:443',
        ],
      ];
      for (const [name, nf, fx] of printAll) {
        const n = median('nfdump', ['-R', capd, nf]);
        const f = median('node', [CLI, 'query', fx, '--all', '--format', 'csv', ...range], env);
        const lines = f.stdout.split('\r\n').length - 2;
        add(`${name} (${lines.toLocaleString('en-US')} flows): nfdump`, n.s, 's');
        add(`${name}: flowdex CLI`, f.s, 's');
        add(`${name}: flowdex speed-up`, n.s / f.s, '×', '≥ 1', n.s / f.s >= 1);
      }
      const ranked: [string, string[], string, string[]][] = [
        ['top 10 sources by bytes', ['-s', 'srcip/bytes', '-n', '10'], 'top-sources', []],
        ['top 10 pairs by bytes', ['-A', 'srcip,dstip', '-O', 'bytes', '-n', '10'], 'top-pairs', []],
        [
          'web servers (dst 80/443 by bytes)',
          ['-s', 'dstip/bytes', '-n', '10', 'dst port in [80 443]'],
          'web-servers',
          ['--by', 'bytes'],
        ],
      ];
      for (const [name, nfArgs, report, extra] of ranked) {
        const n = median('nfdump', ['-R', capd, '-q', ...nfArgs]);
        const f = median('node', [CLI, 'report', report, '--top', '10', '--format', 'json', ...extra, ...range], env);
        const server = (JSON.parse(f.stdout) as { took_ms: number }).took_ms;
        add(`${name}: nfdump`, n.s, 's');
        add(`${name}: flowdex CLI`, f.s, 's');
        add(`${name}: flowdex server time`, server, 'ms');
        add(`${name}: flowdex speed-up`, n.s / f.s, '×', '≥ 10', n.s / f.s >= 10);
      }
      // Export: every flow as CSV and as JSON lines, beside nfdump printing every flow as CSV and JSON.
      for (const [format, nfFormat] of [
        ['csv', 'csv'],
        ['ndjson', 'json'],
      ] as const) {
        // Past 2 M flows an export takes minutes: one timed run each.
        const times = flows > 2_000_000 ? 1 : 3;
        const n = median('nfdump', ['-R', capd, '-q', '-o', nfFormat], process.env, true, times);
        const f = median('node', [CLI, 'query', '', '--all', '--format', format, ...range], env, true, times);
        add(`export every flow as ${format}: nfdump -o ${nfFormat}`, nfRecords / n.s, 'flows/s');
        add(
          `export every flow as ${format}: flowdex query --all`,
          records / f.s,
          'flows/s',
          '≥ 100000',
          records / f.s >= 100000,
        );
        add(`export every flow as ${format}: flowdex / nfdump`, n.s / f.s, '×');
      }
      // Start-up: whole processes that need no cluster, above Node starting and doing nothing.
      const bare = wallMedian('node', ['-e', '0'], env);
      add('CLI start-up: bare Node (node -e 0)', bare, 's');
      for (const args of [
        ['--version'],
        ['--help'],
        ['query', 'src ip 10.0.0.1', '--explain'],
        ['report', 'top-sources', '--top', 'x'],
      ]) {
        const r = wallMedian('node', [CLI, ...args], env);
        add(`CLI start-up above bare Node: flowdex ${args.join(' ')}`, r - bare, 's', '≤ 0.15', r - bare <= 0.15);
      }
      return rows;
    } finally {
      const names = await client.cat.indices({ index: `${PREFIX}*`, format: 'json' }, { ignore: [404] });
      for (const i of (names.body as { index?: string }[] | undefined) ?? [])
        if (i.index) await client.indices.delete({ index: i.index }, { ignore: [404] });
      await client.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
