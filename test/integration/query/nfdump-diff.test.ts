import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { throughNfcapd } from '../../../bench/nfcapd';
import { V5Encoder } from '../../../src/generate/encode-netflow';
import { generateFlows, GENERATOR_EXPORTER } from '../../../src/generate/flows';
import { PcapWriter } from '../../../src/generate/pcap-writer';
import { Prng } from '../../../src/generate/prng';
import { indexFiles } from '../../../src/ingest/files';
import type { FlowDoc } from '../../../src/model/flow';
import { compileFilter } from '../../../src/query/compile';
import { parseNfdump } from '../../../src/query/nfdump';
import { parseAnyQuery } from '../../../src/query/syntax';
import { parseTimeRange } from '../../../src/query/time';
import { exportFlows } from '../../../src/report/export';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { testCluster } from '../../support/opensearch';

/*
 * The nfdump front end against Debian's nfdump on the same flows: generated NetFlow v5 datagrams
 * (with varied TCP flags and ToS written into them) go over UDP to nfcapd and, as a pcap, into
 * flowdex. Every filter (hand-written edge cases plus ones drawn from the grammar) must select the
 * same flows in both (count and the multiset of 5-tuples), and `nfdump -Z` must agree on which
 * filters are errors.
 */

const HAVE = ['nfdump', 'nfcapd'].every((t) => spawnSync('which', [t]).status === 0);
const d = HAVE ? describe : describe.skip;
if (!HAVE)
  process.stderr.write('nfdump-diff: nfdump/nfcapd not installed (scripts/system-deps.sh installs them); skipping\n');

const FLOWS = 2500;
const START = Date.UTC(2024, 4, 1, 0, 0, 0);
const SPAN = 6 * 3600_000;
const FIVE = ['source.ip', 'destination.ip', 'source.port', 'destination.port', 'network.iana_number'];
const FLAG_SETS = [0x02, 0x12, 0x10, 0x18, 0x19, 0x1b, 0x04, 0x14, 0x11, 0x3f, 0x01, 0x00];

/** v5 datagrams of the generator's flows, TCP flags and ToS varied in place (record offsets 37, 39). */
function datagrams(): { list: Buffer[]; times: number[] } {
  const rng = new Prng(7);
  const list: Buffer[] = [];
  const times: number[] = [];
  const enc = new V5Encoder({ bootMs: START - 3_600_000 }, (dg, ms) => {
    const b = Buffer.from(dg);
    for (let o = 24; o + 48 <= b.length; o += 48) {
      if (b[o + 38] === 6) b[o + 37] = rng.pick(FLAG_SETS);
      // nfdump packs ICMP type and code into the destination port, where its port filters see
      // them; flowdex keeps them as fields of their own (icmp-type/icmp-code). So that port filters
      // compare like with like, the generator's ICMP records travel as GRE (ports as given).
      if (b[o + 38] === 1) b[o + 38] = 47;
      b[o + 39] = rng.pick([0, 0, 0, 8, 32, 46]);
    }
    list.push(b);
    times.push(ms);
  });
  for (const r of generateFlows({ flows: FLOWS, start: START, spanMs: SPAN, seed: 11 })) enc.add(r);
  enc.flush();
  return { list, times };
}

type Tuple = string;
const FMT = 'fmt:%sa,%da,%sp,%dp,%pr';
const execFileAsync = promisify(execFile);

function tuplesOf(out: string): Tuple[] {
  return out
    .split('\n')
    .map((l) => l.replace(/\s+/g, ''))
    .filter((l) => l !== '' && l !== 'Nomatchingflows')
    .sort();
}

function nfdumpTuples(dir: string, filter: string): Tuple[] {
  return tuplesOf(
    execFileSync('nfdump', ['-R', dir, '-q', '-N', '-o', FMT, filter], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  );
}

/** nfdump's answer to a filter, or undefined when it refuses the filter (as `-Z` would). */
async function nfdumpAnswer(dir: string, filter: string): Promise<Tuple[] | undefined> {
  try {
    const { stdout } = await execFileAsync('nfdump', ['-R', dir, '-q', '-N', '-o', FMT, filter], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return tuplesOf(stdout);
  } catch (e) {
    if (nfdumpAccepts(filter)) throw e;
    return undefined;
  }
}

function nfdumpAccepts(filter: string): boolean {
  return spawnSync('nfdump', ['-Z', filter], { encoding: 'utf8' }).status === 0;
}

function flowdexAccepts(filter: string): boolean {
  try {
    parseNfdump(filter);
    return true;
  } catch {
    return false;
  }
}

// Hand-written edge cases: precedence, negation of either-side names, lists, units, qualifiers.
const EDGE_CASES = [
  'any',
  'not any',
  'proto tcp',
  'proto 17',
  'proto icmp',
  'not proto tcp',
  'port 53',
  'not port 53',
  '! port 443',
  'src port 53 or dst port 53',
  'port in [ 80 443 ]',
  'dst port in [22, 25, 123]',
  'port > 1023',
  'port gt 1023 and port lt 33000',
  'src port >= 60000',
  'dst port <= 1024',
  'dst port eq 443',
  'dst port == 80',
  'dst port = 22',
  'bytes > 1k',
  'bytes > 10K',
  'bytes < 100',
  'bytes gt 1M',
  'bytes 44',
  'packets < 3',
  'packets >= 0x10',
  'packets eq 1',
  'duration > 1000',
  'duration < 1',
  'duration 0',
  'duration ge 60000',
  'flags S',
  'flags A',
  'flags AS',
  'flags F',
  'flags X',
  'flags R',
  'flags 18',
  'flags S and not flags A',
  'not flags S',
  'tos 0',
  'tos > 0',
  'tos 46',
  'if 1',
  'in if 1',
  'out if 1',
  'in if 2 and out if 1',
  'inet',
  'ipv6',
  'net 10.0.0.0/8',
  'src net 10.0.0.0/8',
  'dst net 10.1.1.0/24',
  'net 10.1/16',
  'src net 10.1.1.7/24',
  'dst net 10.0.0.0 255.255.0.0',
  'not net 10.0.0.0/8',
  'src and dst net 10.0.0.0/8',
  'src or dst net 93.0.0.0/8',
  'ip 10.0.0.53',
  'host 10.0.0.53',
  'dst ip 10.0.1.10',
  'src ip 10.66.6.6',
  'ip in [10.0.0.53 10.0.0.54]',
  'dst ip in [ 10.0.1.10, 10.0.1.11 ]',
  'port 80 or port 443 and proto udp',
  '(port 80 or port 443) and proto udp',
  'not port 80 and not port 443',
  'not (port 80 or port 443)',
  'port 53 && bytes > 100 || port 22',
  'src net 10.0.0.0/8 && ! dst net 10.0.0.0/8',
  'proto tcp and (flags S and not flags A) and dst ip 10.1.1.8',
  'SRC IP 10.66.6.6 AND DST PORT > 100',
];

// Syntax errors both must refuse (or accept: `-Z` agreement is checked for every filter).
const ERRORS = [
  'port 80 port 443',
  'port',
  'port != 80',
  'src ip 10.0.0.256',
  'ip 10.0.0.0/8',
  'port 70000',
  'proto 300',
  'proto foo',
  'flags s',
  'flags C',
  'flags 64',
  'bytes > 1.5k',
  'duration > 1s',
  '(port 80',
  'port 80)',
  'port 80 and',
  'in if gt 3',
  'if in [1 2]',
  'src proto tcp',
  'net 10/8',
  'as 4294967296',
  '',
];

/** Filters drawn from the grammar, with values taken from the flows so many of them match something. */
function generated(n: number, rng: Prng, hosts: string[]): string[] {
  const cmp = () => rng.pick(['', '', '> ', '< ', '>= ', '<= ', 'gt ', 'lt ', 'eq ', '= ', '== ', 'ge ', 'le ']);
  const dir = () => rng.pick(['', 'src ', 'dst ', 'src or dst ', 'src and dst ']);
  const num = (values: readonly (number | string)[]) => String(rng.pick(values));
  const prims: (() => string)[] = [
    () => `${dir()}ip ${rng.pick(hosts)}`,
    () => `${dir()}host ${rng.pick(hosts)}`,
    () => `${dir()}ip in [ ${rng.pick(hosts)} ${rng.pick(hosts)} ]`,
    () => {
      const h = rng.pick(hosts).split('.');
      const bits = rng.pick([8, 16, 24, 12, 20, 28, 32]);
      return `${dir()}net ${h.join('.')}/${bits}`;
    },
    () => `${dir()}port ${cmp()}${num([22, 25, 53, 80, 123, 443, 1023, 1024, 8080, 32768, 45000, 60999, 0])}`,
    () => `${dir()}port in [${num([22, 53, 80])} ${num([123, 443, 25])}]`,
    () => `proto ${rng.pick(['tcp', 'udp', 'icmp', '6', '17', '1', 'gre'])}`,
    () => `bytes ${cmp()}${num([40, 44, 100, 500, '1k', '2k', '10k', '1M', '1m', 100000])}`,
    () => `packets ${cmp()}${num([1, 2, 3, 5, 10, 100, '1k'])}`,
    () => `duration ${cmp()}${num([0, 1, 10, 100, 1000, 5000, 60000])}`,
    () => `flags ${rng.pick(['S', 'A', 'F', 'R', 'P', 'U', 'AS', 'AP', 'APS', 'SF', 'X', '2', '16', '18', '0'])}`,
    () => `tos ${cmp()}${num([0, 8, 32, 46, 1])}`,
    () => `${rng.pick(['', 'in ', 'out '])}if ${num([0, 1, 2, 3])}`,
    () => rng.pick(['inet', 'ipv4', 'any']),
  ];
  const expr = (depth: number): string => {
    const r = rng.float();
    if (depth <= 0 || r < 0.35) return rng.pick(prims)();
    if (r < 0.5) return `${rng.pick(['not ', '! '])}${expr(depth - 1)}`;
    if (r < 0.65) return `(${expr(depth - 1)})`;
    return `${expr(depth - 1)} ${rng.pick(['and', 'or', '&&', '||', 'AND', 'or'])} ${expr(depth - 1)}`;
  };
  return Array.from({ length: n }, () => expr(3));
}

d('nfdump filters select the same flows in nfdump and flowdex', () => {
  const tc = testCluster(__filename);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flowdex-nfdump-diff-'));
  const capd = path.join(tmp, 'nfcapd');
  let hosts: string[] = [];

  beforeAll(async () => {
    mkdirSync(capd);
    const { list, times } = datagrams();
    const chunks: Buffer[] = [];
    const pcap = new PcapWriter(GENERATOR_EXPORTER, (c) => chunks.push(Buffer.from(c)));
    list.forEach((dg, i) => pcap.write(dg, times[i] as number));
    pcap.flush();
    writeFileSync(path.join(tmp, 'flows.pcap'), Buffer.concat(chunks));
    await throughNfcapd(list, capd);
    const { client, info } = await connect(tc.config);
    await setup(client, tc.config, info);
    await client.close();
    const r = await indexFiles(tc.client, tc.config, [path.join(tmp, 'flows.pcap')], {
      deadLetterPath: path.join(tmp, 'dead.ndjson'),
    });
    expect(r.summary.rejected).toBe(0);
    await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });
    hosts = [...new Set(nfdumpTuples(capd, 'any').flatMap((t) => t.split(',').slice(0, 2)))].sort();
  });

  afterAll(async () => {
    await tc.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const RANGE = { from: new Date(START - 86400000).toISOString(), to: new Date(START + 2 * 86400000).toISOString() };

  /** The 5-tuples flowdex selects, in one plain search (the data set is under one page). */
  async function selected(filter: string): Promise<Tuple[]> {
    const parsed = parseAnyQuery(`nfdump:${filter}`, Date.now());
    const body = {
      size: 10000,
      _source: false,
      docvalue_fields: FIVE,
      query: compileFilter(parsed.ast, parseTimeRange(RANGE.from, RANGE.to, Date.now())),
    };
    const res = await tc.client.search({
      index: `${tc.prefix}flows-*`,
      body,
      filter_path: 'hits.hits.fields',
    } as Parameters<typeof tc.client.search>[0]);
    const hits = (res.body as { hits?: { hits: { fields: Record<string, (string | number)[]> }[] } }).hits?.hits ?? [];
    return hits.map((h) => FIVE.map((f) => h.fields[f]?.[0] ?? 0).join(',')).sort();
  }

  async function flowdexTuples(filter: string): Promise<Tuple[]> {
    const out: Tuple[] = [];
    await exportFlows(tc.client, tc.config, { query: `nfdump:${filter}`, ...RANGE }, 'ndjson', (chunk) => {
      for (const line of chunk.split('\n')) {
        if (line === '') continue;
        const f = JSON.parse(line) as FlowDoc;
        out.push(
          [f.source.ip, f.destination.ip, f.source.port ?? 0, f.destination.port ?? 0, f.network.iana_number].join(','),
        );
      }
    });
    return out.sort();
  }

  it('both hold every generated record (flowdex through export)', async () => {
    const all = nfdumpTuples(capd, 'any');
    expect(all.length).toBeGreaterThan(FLOWS);
    expect(await flowdexTuples('any')).toEqual(all);
  });

  it('agree on ≥ 200 filters from the grammar and the edge cases', async () => {
    const t0 = Date.now();
    const rng = new Prng(2026);
    const filters = [
      ...EDGE_CASES,
      ...generated(
        220,
        rng,
        hosts.filter((h) => rng.float() < 0.5 || h.startsWith('10.0.')),
      ),
    ];
    const mismatches: string[] = [];
    let compared = 0;
    let nonEmpty = 0;
    const check = async (f: string): Promise<void> => {
      const fx = flowdexAccepts(f);
      const [a, b] = await Promise.all([nfdumpAnswer(capd, f), fx ? selected(f) : undefined]);
      if ((a !== undefined) !== fx) {
        mismatches.push(
          `${f}: nfdump ${a !== undefined ? 'accepts' : 'refuses'}, flowdex ${fx ? 'accepts' : 'refuses'}`,
        );
        return;
      }
      if (a === undefined || b === undefined) return;
      compared++;
      if (a.length > 0) nonEmpty++;
      if (a.length !== b.length || a.some((t, i) => t !== b[i]))
        mismatches.push(`${f}: nfdump ${a.length} flows, flowdex ${b.length}`);
    };
    // A few filters at a time: nfdump runs while OpenSearch answers.
    for (let i = 0; i < filters.length; i += 4) await Promise.all(filters.slice(i, i + 4).map(check));
    process.stderr.write(
      `nfdump-diff: ${filters.length} filters, ${compared} compared, ${nonEmpty} non-empty, ${Date.now() - t0} ms\n`,
    );
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(200);
    // Most filters must select something, or agreement would prove little.
    expect(nonEmpty).toBeGreaterThan(compared / 2);
  });

  it('nfdump -Z and flowdex agree on which filters are errors', () => {
    const disagree = ERRORS.filter((f) => nfdumpAccepts(f) !== flowdexAccepts(f));
    expect(disagree).toEqual([]);
    expect(ERRORS.filter((f) => !nfdumpAccepts(f)).length).toBeGreaterThan(ERRORS.length - 3);
  });
});
