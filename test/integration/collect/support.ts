import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@opensearch-project/opensearch';
import { Collector, type CollectorOptions } from '../../../src/collect/collector';
import { parseListen } from '../../../src/collect/listener';
import type { CollectorStats } from '../../../src/collect/stats';
import type { FlowdexConfig } from '../../../src/config';

export const run = promisify(execFile);

export const SHARED = path.resolve(__dirname, '../../../../shared/data');
export const hasTool = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

export function tempDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `flowdex-${tag}-`));
}

export async function startCollector(
  client: Client,
  cfg: FlowdexConfig,
  spoolDir: string,
  o: Partial<CollectorOptions> = {},
): Promise<Collector> {
  const c = new Collector(client, cfg, {
    listen: [parseListen('127.0.0.1:0')],
    spoolDir,
    segmentMs: 200,
    statusEveryMs: 0,
    log: () => undefined,
    ...o,
  });
  await c.start();
  return c;
}

/** How long a wait may take before it counts as a hang: generous, since CI boxes are shared and slow. */
export const HANG_MS = 240_000;

export async function waitFor(
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs = HANG_MS,
  detail?: () => unknown,
): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every datagram received is decoded and every flow settled (indexed, duplicate or rejected). */
export function settled(s: CollectorStats, datagrams: number): boolean {
  const t = s.totals;
  return t.datagrams >= datagrams && s.spool.segments === 0 && t.indexed + t.duplicates + t.rejected >= t.flows;
}

export interface Totals {
  flows: number;
  bytes: number;
  packets: number;
}

/** 5-tuple key; ICMP carries type/code where ports would be, which nfdump's CSV leaves out. */
export function tupleKey(sa: string, da: string, sp: number, dp: number, proto: number): string {
  const icmp = proto === 1 || proto === 58;
  return `${sa} ${da} ${icmp ? 0 : sp} ${icmp ? 0 : dp} ${proto}`;
}

function add(m: Map<string, Totals>, key: string, bytes: number, packets: number): void {
  const t = m.get(key) ?? { flows: 0, bytes: 0, packets: 0 };
  t.flows++;
  t.bytes += bytes;
  t.packets += packets;
  m.set(key, t);
}

const PROTO: Record<string, number> = { ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, GRE: 47, ESP: 50, ICMP6: 58 };

/** nfdump's own reading of nfcapd files, per 5-tuple. */
export async function nfdumpTotals(args: string[]): Promise<Map<string, Totals>> {
  const { stdout } = await run('nfdump', [...args, '-q', '-o', 'csv'], { maxBuffer: 256 * 1024 ** 2 });
  const out = new Map<string, Totals>();
  for (const line of stdout.split('\n')) {
    const c = line.split(',');
    if (c.length < 15 || !/^\d{4}-/.test(c[0] ?? '')) continue;
    const proto = PROTO[(c[7] ?? '').trim()] ?? Number(c[7]);
    add(
      out,
      tupleKey(c[3] ?? '', c[4] ?? '', Number(c[5]), Number(c[6]), proto),
      Number(c[12]) + Number(c[14]),
      Number(c[11]) + Number(c[13]),
    );
  }
  return out;
}

interface Src {
  source?: { ip?: string; port?: number };
  destination?: { ip?: string; port?: number };
  network?: { iana_number?: number; bytes?: number; packets?: number };
}

/** What the flow indices of a prefix hold, per 5-tuple (paged with search_after on _id). */
export async function indexTotals(client: Client, prefix: string): Promise<Map<string, Totals>> {
  await client.indices.refresh({ index: `${prefix}flows-*`, ignore_unavailable: true, allow_no_indices: true });
  const out = new Map<string, Totals>();
  let after: (string | number)[] | undefined;
  for (;;) {
    const res = await client.search(
      {
        index: `${prefix}flows-*`,
        body: {
          size: 5000,
          sort: [{ _id: 'asc' }],
          _source: ['source.ip', 'source.port', 'destination.ip', 'destination.port', 'network'],
          ...(after ? { search_after: after } : {}),
        },
      },
      { ignore: [404] },
    );
    const hits = (res.body as { hits?: { hits: { _source: Src; sort: (string | number)[] }[] } }).hits?.hits ?? [];
    for (const h of hits) {
      const s = h._source;
      add(
        out,
        tupleKey(
          s.source?.ip ?? '',
          s.destination?.ip ?? '',
          s.source?.port ?? 0,
          s.destination?.port ?? 0,
          s.network?.iana_number ?? 0,
        ),
        s.network?.bytes ?? 0,
        s.network?.packets ?? 0,
      );
    }
    if (hits.length < 5000) return out;
    after = hits[hits.length - 1]?.sort;
  }
}

/** The ids of every flow a prefix holds, after a refresh. */
export async function indexedIds(client: Client, prefix: string): Promise<string[]> {
  await client.indices.refresh({ index: `${prefix}flows-*`, ignore_unavailable: true, allow_no_indices: true });
  const ids: string[] = [];
  let after: (string | number)[] | undefined;
  for (;;) {
    const res = await client.search(
      {
        index: `${prefix}flows-*`,
        body: { size: 5000, sort: [{ _id: 'asc' }], _source: false, ...(after ? { search_after: after } : {}) },
      },
      { ignore: [404] },
    );
    const hits = (res.body as { hits?: { hits: { _id: string; sort: (string | number)[] }[] } }).hits?.hits ?? [];
    ids.push(...hits.map((h) => h._id));
    if (hits.length < 5000) return ids;
    after = hits[hits.length - 1]?.sort;
  }
}

export function sumTotals(m: Map<string, Totals>): Totals {
  const t = { flows: 0, bytes: 0, packets: 0 };
  for (const v of m.values()) {
    t.flows += v.flows;
    t.bytes += v.bytes;
    t.packets += v.packets;
  }
  return t;
}

/** nfcapd storing into `dir` and repeating every datagram to `repeatPort` (flowdex), so both see the same export. */
export async function startNfcapd(dir: string, port: number, repeatPort?: number): Promise<ChildProcess> {
  const args = [
    '-w',
    dir,
    '-p',
    String(port),
    '-b',
    '127.0.0.1',
    ...(repeatPort ? ['-R', `127.0.0.1/${repeatPort}`] : []),
  ];
  const p = spawn('nfcapd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  await waitFor('nfcapd to listen', () => err.includes('Startup') || p.exitCode !== null, 10_000);
  if (p.exitCode !== null) throw new Error(`nfcapd exited: ${err}`);
  return p;
}

export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await done;
}

/** softflowd reading a capture and exporting it; returns the datagrams it says it sent. */
export async function softflowd(
  pcap: string,
  port: number,
  version: 5 | 9 | 10,
  tmp: string,
): Promise<{ flows: number; records: number; datagrams: number }> {
  const { stdout, stderr } = await run('softflowd', [
    '-r',
    pcap,
    '-n',
    `127.0.0.1:${port}`,
    '-v',
    String(version),
    '-d',
    '-c',
    'none',
    '-p',
    path.join(tmp, `softflowd-${version}.pid`),
  ]);
  const m = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets/.exec(stdout + stderr);
  if (!m || m[3] === '0') throw new Error(`softflowd exported nothing: ${stdout}${stderr}`);
  return { flows: Number(m[1]), records: Number(m[2]), datagrams: Number(m[3]) };
}

/** Sends datagrams to a loopback port, a little paced so the test never depends on buffer sizes. */
export async function sendDatagrams(port: number, datagrams: Buffer[], every = 50): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const [i, d] of datagrams.entries()) {
    await new Promise<void>((resolve, reject) => s.send(d, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    if (i % every === every - 1) await new Promise((r) => setTimeout(r, 2));
  }
  s.close();
}

export const sharedPresent = existsSync(SHARED);
