import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { parseProcUdp } from '../src/collect/listener';
import { loadConfig } from '../src/config';
import { V5Encoder } from '../src/generate/encode-netflow';
import { GENERATOR_EXPORTER, generateFlows } from '../src/generate/flows';
import { PcapWriter } from '../src/generate/pcap-writer';
import { createClient } from '../src/store/client';
import { allFlowIndices } from '../src/store/indices';
import { dropPrefix } from './ingest';
import type { BenchResult, BenchSuite } from './types';

/**
 * The collector under a UDP load, next to nfcapd on the same replay: NetFlow v5 datagrams (30
 * flows each) sent over loopback at rising rates. A rate counts as sustained when the kernel
 * dropped nothing at the socket and every flow sent was received. (a) receive + decode + spool
 * (`collect --no-index`), (b) end to end: a burst of distinct flows spooled and indexed until a
 * search counts them all, next to `flowdex index` of the same datagrams as a pcap file in the
 * same run (the goal: the collector keeps up with the file indexer).
 */

const CLI = path.resolve(__dirname, '../cli/flowdex.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function v5Datagrams(flows: number): { datagrams: Buffer[]; exportMs: number[] } {
  const datagrams: Buffer[] = [];
  const exportMs: number[] = [];
  const enc = new V5Encoder({ bootMs: Date.UTC(2024, 0, 1) }, (d, ms) => {
    // Whole datagrams only, so every one sent is 30 flows.
    if (d.readUInt16BE(2) !== 30) return;
    datagrams.push(Buffer.from(d));
    exportMs.push(ms);
  });
  for (const r of generateFlows({ flows, start: Date.UTC(2024, 0, 1, 1), spanMs: 3_600_000, seed: 7 })) enc.add(r);
  enc.flush();
  return { datagrams, exportMs };
}

/** The same datagrams as a capture `flowdex index` reads. */
function writePcap(file: string, datagrams: Buffer[], exportMs: number[]): void {
  const chunks: Buffer[] = [];
  const pcap = new PcapWriter(GENERATOR_EXPORTER, (c) => chunks.push(Buffer.from(c)));
  datagrams.forEach((d, i) => pcap.write(d, exportMs[i] ?? 0));
  pcap.flush();
  writeFileSync(file, Buffer.concat(chunks));
}

/** Flows a search finds under a prefix (what is searchable, without forcing a refresh). */
async function searchable(client: Client, prefix: string): Promise<number> {
  const res = await client.count({ index: allFlowIndices(prefix), ignore_unavailable: true, allow_no_indices: true });
  return (res.body as { count: number }).count;
}

/**
 * Sends datagrams (cycling) at `flowsPerS` for `seconds`, in 5 ms ticks, or each datagram once
 * when `seconds` is undefined; returns flows sent.
 */
async function blast(
  port: number,
  datagrams: Buffer[],
  flowsPerS: number,
  seconds: number | undefined,
): Promise<number> {
  const s = dgram.createSocket('udp4');
  const perTick = (flowsPerS / 30) * 0.005;
  const t0 = Date.now();
  let sent = 0;
  let i = 0;
  const more = () => (seconds === undefined ? sent < datagrams.length : Date.now() - t0 < seconds * 1000);
  while (more()) {
    const due = Math.floor(((Date.now() - t0) / 5) * perTick) - sent;
    for (let k = 0; k < due && more(); k++) {
      s.send(datagrams[i++ % datagrams.length] as Buffer, port, '127.0.0.1');
      sent++;
    }
    await sleep(5);
  }
  await sleep(200);
  s.close();
  return sent * 30;
}

function kernelDrops(port: number): number {
  return parseProcUdp(readFileSync('/proc/net/udp', 'utf8')).get(port) ?? 0;
}

function rssMiB(pid: number | undefined): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

interface Child {
  p: ChildProcess;
  err: () => string;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-20_000)));
  return { p, err: () => err };
}

async function stop(c: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (c.p.exitCode !== null) return;
  const done = new Promise((r) => c.p.once('exit', r));
  c.p.kill(signal);
  await done;
}

/** The latest "indexed N" from the collector's status line (decoded flows with --no-index). */
function lastIndexed(err: string): number {
  const all = [...err.matchAll(/indexed ([\d,]+)/g)];
  return Number((all[all.length - 1]?.[1] ?? '0').replace(/,/g, ''));
}

async function waitUntil(ok: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) return false;
    await sleep(100);
  }
  return true;
}

/** Prefixes of the end-to-end run and of the file indexer beside it; dropped before and after. */
const LIVE_PREFIX = 'bench-collect-live-';
const FILE_PREFIX = 'bench-collect-file-';

/** Runs the CLI to its end; its stdout. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('node', [CLI, ...args], { env, maxBuffer: 16 * 1024 ** 2 }, (e, stdout, stderr) =>
      e ? reject(new Error(`flowdex ${args[0]} failed: ${stderr.slice(-2000)}`)) : resolve(stdout),
    ),
  );
}

const RATES = [25_000, 50_000, 100_000, 150_000, 200_000];

async function ladder(
  name: string,
  port: number,
  datagrams: Buffer[],
  seconds: number,
  received: (total: number) => Promise<number>,
): Promise<{ best: number; rows: string[] }> {
  let best = 0;
  const rows: string[] = [];
  let total = 0;
  for (const rate of RATES) {
    const dropsBefore = kernelDrops(port);
    total += await blast(port, datagrams, rate, seconds);
    const got = await received(total);
    const drops = kernelDrops(port) - dropsBefore;
    rows.push(`${name} ${rate}/s: drops ${drops}, received ${got}/${total}`);
    if (drops > 0 || got < total) break;
    best = rate;
  }
  return { best, rows };
}

export const collectSuite: BenchSuite = {
  name: 'collect',
  needsOpenSearch: true,
  async run({ scale, url }): Promise<BenchResult[]> {
    const out: BenchResult[] = [];
    let client: Client | undefined;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-bench-collect-'));
    const { datagrams } = v5Datagrams(Math.round(60_000 * scale));
    const seconds = Math.max(2, Math.round(3 * scale));
    const port = 32000 + (process.pid % 1000);
    const env = { ...process.env, FLOWDEX_PREFIX: 'bench-collect-' };
    try {
      // (a) receive + decode + spool.
      const a = start(
        'node',
        [
          CLI,
          'collect',
          '--listen',
          `127.0.0.1:${port}`,
          '--spool',
          path.join(dir, 'a'),
          '--status-every',
          '1s',
          '--no-index',
        ],
        env,
      );
      await waitUntil(() => a.err().includes('listening on'), 20_000);
      const ra = await ladder('flowdex', port, datagrams, seconds, async (total) => {
        await waitUntil(() => lastIndexed(a.err()) >= total, 15_000);
        return lastIndexed(a.err());
      });
      const rssA = rssMiB(a.p.pid);
      await stop(a);
      out.push({
        suite: 'collect',
        name: 'received + decoded + spooled, zero drops',
        value: ra.best,
        unit: 'flows/s',
        goal: '≥ 100000',
        met: ra.best >= 100_000,
        note: `NetFlow v5 over loopback, ${seconds} s per step; ${ra.rows[ra.rows.length - 1]}`,
      });
      out.push({ suite: 'collect', name: 'collector peak RSS (receive side)', value: rssA, unit: 'MiB' });

      // nfcapd on the same replay.
      if (spawnSync('sh', ['-c', 'command -v nfcapd']).status === 0) {
        const nfPort = port + 1;
        let rn: { best: number; rows: string[] } = { best: 0, rows: [] };
        let sentTotal = 0;
        mkdirSync(path.join(dir, 'nf'));
        // nfcapd reports what it received when it stops: one run per rate.
        for (const rate of RATES) {
          const nfcapd = start('nfcapd', ['-w', path.join(dir, 'nf'), '-p', String(nfPort), '-b', '127.0.0.1']);
          await waitUntil(() => nfcapd.err().includes('Startup'), 10_000);
          const before = kernelDrops(nfPort);
          sentTotal = await blast(nfPort, datagrams, rate, seconds);
          const drops = kernelDrops(nfPort) - before;
          await sleep(500);
          await stop(nfcapd);
          const m = /Flows: (\d+)/.exec(nfcapd.err());
          const got = Number(m?.[1] ?? 0);
          rn.rows.push(`nfcapd ${rate}/s: drops ${drops}, received ${got}/${sentTotal}`);
          if (drops > 0 || got < sentTotal) break;
          rn = { ...rn, best: rate };
        }
        out.push({
          suite: 'collect',
          name: 'nfcapd on the same replay, zero drops',
          value: rn.best,
          unit: 'flows/s',
          note: rn.rows[rn.rows.length - 1],
        });
      }

      // (b) end to end, next to the file indexer on the same flows.
      client = createClient(loadConfig({ opensearch: url }));
      for (const p of [FILE_PREFIX, LIVE_PREFIX]) await dropPrefix(client, p);
      const burst = v5Datagrams(Math.round(110_000 * scale));
      const records = burst.datagrams.length * 30;
      const pcap = path.join(dir, 'burst.pcap');
      writePcap(pcap, burst.datagrams, burst.exportMs);
      const file = await runCli(['index', pcap, '--json', '--no-enrich'], {
        ...process.env,
        FLOWDEX_PREFIX: FILE_PREFIX,
      });
      const fileRun = JSON.parse(file.slice(file.indexOf('{'))) as { indexed: number; flows_per_s: number };
      const fileRate = fileRun.indexed === records ? fileRun.flows_per_s : 0;
      out.push({
        suite: 'collect',
        name: 'flowdex index of the same flows as a pcap file, file → searchable (this run)',
        value: fileRate,
        unit: 'flows/s',
        note: `${fileRun.indexed}/${records} flows indexed`,
      });

      const b = start(
        'node',
        [
          CLI,
          'collect',
          '--listen',
          `127.0.0.1:${port + 2}`,
          '--spool',
          path.join(dir, 'b'),
          '--status-every',
          '1s',
          '--no-enrich',
        ],
        { ...process.env, FLOWDEX_PREFIX: LIVE_PREFIX },
      );
      await waitUntil(() => b.err().includes('listening on'), 30_000);
      const dropsBefore = kernelDrops(port + 2);
      const t0 = Date.now();
      const sent = await blast(port + 2, burst.datagrams, 50_000, undefined);
      let found = 0;
      const t1 = Date.now();
      while (found < sent && Date.now() - t1 < 900_000) {
        await sleep(200);
        found = await searchable(client, LIVE_PREFIX);
      }
      const secs = (Date.now() - t0) / 1000;
      const rssB = rssMiB(b.p.pid);
      const drops = kernelDrops(port + 2) - dropsBefore;
      await stop(b);
      const rate = found >= sent ? sent / secs : 0;
      out.push({
        suite: 'collect',
        name: 'end to end: received → searchable',
        value: rate,
        unit: 'flows/s',
        goal: '≥ the file indexer in this run',
        met: rate > 0 && rate >= fileRate,
        note: `${sent} distinct flows sent at 50k/s, all found by a search ${secs.toFixed(1)} s after the first was sent; kernel drops ${drops}; file indexer ${Math.round(fileRate)} flows/s on the same flows`,
      });
      out.push({
        suite: 'collect',
        name: 'end to end / file indexer',
        value: fileRate > 0 ? Math.round((rate / fileRate) * 100) / 100 : 0,
        unit: 'ratio',
        goal: '≥ 1',
        met: fileRate > 0 && rate >= fileRate,
      });
      out.push({ suite: 'collect', name: 'collector peak RSS (end to end)', value: rssB, unit: 'MiB' });
    } finally {
      if (client) {
        for (const p of [FILE_PREFIX, LIVE_PREFIX]) await dropPrefix(client, p).catch(() => undefined);
        await client.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }
    return out;
  },
};
