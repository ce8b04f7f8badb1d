import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../../src/model/flow';
import { ExportDecoder } from '../../../src/readers/export-decoder';
import { haveCommand } from '../../support/commands';

/**
 * A round trip through real exporters: Debian softflowd reads a capture and exports NetFlow v9 or
 * IPFIX (with and without packet sampling) over loopback to nfcapd, which repeats every datagram to
 * flowdex. The flows flowdex decodes must be the flows nfcapd recorded, as nfdump prints them.
 */

const PCAP = path.resolve(__dirname, '../../../../shared/data/flows/stratosphere/test7-malicious.pcap');

const ready =
  existsSync('/usr/sbin/softflowd') &&
  existsSync('/usr/sbin/softflowctl') &&
  haveCommand('nfcapd', '-V') &&
  existsSync(PCAP);
if (!ready)
  console.warn(
    'softflowd round trip skipped: needs Debian softflowd and nfdump (scripts/system-deps.sh test) and ../shared/data',
  );
const maybe = ready ? describe : describe.skip;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function exited(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));
}

function ctl(socket: string, command: string): string {
  try {
    return execFileSync('softflowctl', ['-c', socket, command], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

interface Run {
  datagrams: Buffer[];
  nfdump: Record<string, unknown>[];
}

let port = 39600 + (process.pid % 200) * 2;

/** softflowd → nfcapd (which repeats each datagram to a socket of ours) → the flows both sides saw. */
async function roundTrip(dir: string, version: '9' | '10', sampling: number | undefined): Promise<Run> {
  const nfcapdPort = port++;
  const ourPort = port++;
  const flows = path.join(dir, `nf-${version}-${sampling ?? 1}`);
  mkdirSync(flows);
  const datagrams: Buffer[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (m) => void datagrams.push(Buffer.from(m)));
  await new Promise<void>((r) => sock.bind(ourPort, '127.0.0.1', () => r()));
  const nfcapd = spawn(
    'nfcapd',
    ['-w', flows, '-p', String(nfcapdPort), '-b', '127.0.0.1', '-t', '3600', '-R', `127.0.0.1/${ourPort}`],
    { stdio: 'ignore' },
  );
  await sleep(500);
  const control = path.join(dir, `sf-${version}-${sampling ?? 1}.ctl`);
  // -a: the capture's own clock, so uptimes and export times match the flows' times.
  const args = [
    '-d',
    '-a',
    '-r',
    PCAP,
    '-n',
    `127.0.0.1:${nfcapdPort}`,
    '-v',
    version,
    '-p',
    path.join(dir, `sf-${version}.pid`),
    '-c',
    control,
  ];
  if (sampling) args.push('-s', String(sampling));
  const softflowd = spawn('softflowd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  softflowd.stderr?.on('data', (c: Buffer) => void (errors += c.toString()));
  softflowd.once('exit', (code) => {
    if (code) console.warn(`softflowd exited ${code}: ${errors}`);
  });
  // softflowd 1.1 reading a file blocks on its control socket between batches of packets: each
  // command lets it read on, so it is asked for statistics until the count settles (or 15 s pass).
  let last = '';
  for (let i = 0; i < 100; i++) {
    await sleep(150);
    const stats = /Packets processed: (\d+)/.exec(ctl(control, 'statistics'))?.[1] ?? '';
    if (stats !== '' && stats === last) break;
    last = stats;
  }
  // Shutdown exports every flow still in softflowd's table.
  ctl(control, 'shutdown');
  await Promise.race([exited(softflowd), sleep(5000)]);
  if (softflowd.exitCode === null) softflowd.kill('SIGKILL');
  await sleep(500);
  nfcapd.kill('SIGTERM');
  await exited(nfcapd);
  sock.close();
  const json = execFileSync('nfdump', ['-R', flows, '-o', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const nfdump =
    json.trim() === '' || !json.trim().startsWith('[') ? [] : (JSON.parse(json) as Record<string, unknown>[]);
  return { datagrams, nfdump };
}

function flowdexRecords(datagrams: Buffer[]): FlowRecord[] {
  const decoder = new ExportDecoder();
  const out: FlowRecord[] = [];
  for (const d of datagrams) {
    for (const item of decoder.decode(d, { file: 'loopback', base: 0, exporter: '127.0.0.1', captureMs: Date.now() })) {
      if (item.kind === 'flow') out.push(item.record);
      else throw item.error;
    }
  }
  for (const item of decoder.finish()) if (item.kind === 'reject') throw item.error;
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

/**
 * Start and end, earlier first: nfdump 1.7.1 reads softflowd's IPFIX flowStartSysUpTime (22) as the
 * end and flowEndSysUpTime (21) as the start; flowdex reads them as RFC 7012 defines them.
 */
function span(a: string, b: string): [string, string] {
  return a <= b ? [a, b] : [b, a];
}

/**
 * One line per flow, in the units nfdump prints: times to the millisecond, then the flow's keys and
 * its counters as exported (nfcapd stores sampled counters unscaled, as flowdex's source.* do).
 */
function ours(r: FlowRecord): string {
  const rate = 1;
  const icmp = r.protocol === 1 || r.protocol === 58;
  const dport = r.protocol === 58 ? '-' : icmp ? ((r.icmpType ?? 0) << 8) | (r.icmpCode ?? 0) : r.dstPort;
  return [
    ...span(iso(r.start), iso(r.end ?? r.start)),
    r.srcIp,
    r.dstIp,
    icmp ? 0 : r.srcPort,
    dport,
    r.protocol,
    (r.srcPackets ?? 0) * rate,
    (r.srcBytes ?? 0) * rate,
    r.tcpFlags ?? 0,
  ].join(' ');
}

function theirs(f: Record<string, unknown>): string {
  const proto = Number(f.proto);
  const icmp = proto === 1 || proto === 58;
  // nfdump 1.7 prints ICMPv6 type and code as 0 when the exporter put them in the destination port
  // (softflowd does); flowdex reads them there, so ICMPv6 type/code are not compared.
  const dport =
    proto === 58 ? '-' : icmp ? (Number(f.icmp_type ?? 0) << 8) | Number(f.icmp_code ?? 0) : Number(f.dst_port ?? 0);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- nfdump JSON flags are strings
  const flags = String(f.tcp_flags ?? '........');
  let bits = 0;
  for (let i = 0; i < 8; i++) if (flags[i] !== '.') bits |= 0x80 >> i;
  return [
    ...span(String(f.first), String(f.last)),
    f.src4_addr ?? f.src6_addr,
    f.dst4_addr ?? f.dst6_addr,
    icmp ? 0 : Number(f.src_port ?? 0),
    dport,
    proto,
    Number(f.in_packets),
    Number(f.in_bytes),
    bits,
  ].join(' ');
}

maybe('softflowd → nfcapd and flowdex, same run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-softflowd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['9', undefined],
    ['10', undefined],
    ['9', 4],
    ['10', 4],
  ] as const)(
    'NetFlow version %s, sampling 1 in %s',
    async (version, sampling) => {
      const run = await roundTrip(dir, version, sampling);
      const mine = flowdexRecords(run.datagrams).map(ours);
      if (sampling) expect(run.nfdump.length).toBeLessThan(349);
      const them = run.nfdump.map(theirs);
      expect(run.nfdump.length).toBeGreaterThan(10);
      // nfdump prints an uptime stamp of 0 as the epoch; those records are compared without times.
      const untimed = (line: string): string => line.split(' ').slice(2).join(' ');
      expect(mine.map(untimed).sort()).toEqual(them.map(untimed).sort());
      const mineSet = new Set(mine);
      const epoch = them.filter((l) => l.startsWith('1970-'));
      expect(epoch.length).toBeLessThanOrEqual(2);
      for (const line of them)
        if (!line.startsWith('1970-')) expect(mineSet.has(line) ? line : `missing: ${line}`).toBe(line);
      // softflowd announces its interval (1 without -s) in options data; every record carries it.
      // nfdump keeps the counters unscaled as well and prints no rate, so the rate is checked on flowdex's side.
      const rates = new Set(flowdexRecords(run.datagrams).map((r) => r.samplingRate));
      expect(rates).toEqual(new Set([sampling ?? 1]));
    },
    60_000,
  );
});
