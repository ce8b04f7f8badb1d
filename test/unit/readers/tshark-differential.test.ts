import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { exportCases } from '../../../src/generate/cases';
import { PcapWriter } from '../../../src/generate/pcap-writer';
import type { FlowRecord } from '../../../src/model/flow';
import { exportFormat } from '../../../src/readers/export-decoder';
import { frameIp, frames } from '../../../src/readers/pcap';
import { pcapReader } from '../../../src/readers/pcap';
import { HAVE_SHARED_DATA, SHARED_DATA } from './support';
import { haveCommand } from '../../support/commands';

/**
 * flowdex against Wireshark's own dissectors (Debian `tshark`): every export capture of
 * ../shared/data (the pmacct pcaps, and the Logstash and Telegraf datagram groups framed as pcaps
 * in their feeding order) and every capture of the project's encoder is decoded by both, and each
 * data record's fields must agree. Where flowdex follows a convention tshark does not (tshark shows
 * wire values), the comparison applies it, and CONVENTIONS says why.
 */

const run = promisify(execFile);

const HAVE_TSHARK = haveCommand('tshark', '-v');

/** Deliberate differences, applied to tshark's values before comparing. */
export const CONVENTIONS = {
  'dual-stack':
    'templates carrying IPv4 and IPv6 fields: tshark lists both, flowdex keeps the non-zero family; compared with the non-zero one',
  icmp: 'ICMP: flowdex stores type and code in flow.icmp.* and ports 0; compared as type × 256 + code against icmpTypeCode (IE 32/139) or, when that is absent or 0, the destination port',
  'tcp-flags':
    'TCP flags: flowdex keeps the 8 flag bits (some exporters put the header length in the upper bits of IE 6); compared masked to 0xff',
  'sflow-internal':
    'sFlow interface 0x3FFFFFFF means "internal": flowdex stores no interface, tshark prints 1073741823',
  'sflow-bytes':
    'sFlow bytes: flowdex counts the sampled IP packet (ip.len; IPv6 40 + payload length), as NetFlow octet counters do, not the frame with FCS',
  'uptime-wrap':
    'NetFlow v5/v9 uptime stamps wrap at 2^32 ms (49.7 days): a first-switched just before the wrap is before the export; tshark adds it as if after',
  'ipfix-uptime':
    'IPFIX flowStart/EndSysUpTime (IE 22/21) count from systemInitTimeMilliseconds (IE 160, options data): flowdex adds it, tshark prints the epoch',
  'zero-uptime':
    'an uptime stamp of 0 (v9 FIRST_SWITCHED, IPFIX flowStartSysUpTime) is the moment the exporter booted; tshark prints it as the epoch (1970)',
  'held-data':
    'data sets that arrive before their template: flowdex holds them and decodes them when the template comes; tshark cannot decode them (counted apart, not compared)',
  'zero-vlan': 'VLAN id 0 (priority tag only) and AS 0 mean "none": flowdex leaves them unset where tshark prints 0',
} as const;

type Cmp = Partial<
  Record<
    | 'src'
    | 'dst'
    | 'sport'
    | 'dport'
    | 'proto'
    | 'bytes'
    | 'packets'
    | 'in'
    | 'out'
    | 'tos'
    | 'flags'
    | 'start'
    | 'end'
    | 'sampling'
    | 'exporter',
    string | number
  >
>;

interface Input {
  name: string;
  pcap: Buffer;
}

/** Each datagram group fed in order as one exporter's UDP traffic, exporters told apart by address. */
function datagramGroups(): Input[] {
  const out: Input[] = [];
  const frame = (groups: string[][], name: string): void => {
    const chunks: Buffer[] = [];
    groups.forEach((files, i) => {
      const w = new PcapWriter(
        `10.250.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        (c) => void chunks.push(Buffer.from(c)),
      );
      files.forEach((f, j) => w.write(readFileSync(f), Date.UTC(2024, 0, 1) + i * 1000 + j));
      w.flush();
    });
    // One global header, then every group's frames.
    out.push({
      name,
      pcap: Buffer.concat(chunks.map((c, i) => (i === 0 || c.readUInt32LE(0) !== 0xa1b2c3d4 ? c : c.subarray(24)))),
    });
  };
  const logstash = path.join(SHARED_DATA, 'datagrams/logstash-codec-netflow');
  const groups = JSON.parse(readFileSync(path.join(logstash, 'groups.json'), 'utf8')) as { files: string[] }[];
  frame(
    groups.map((g) => g.files.map((f) => path.join(logstash, f))),
    'logstash-codec-netflow',
  );
  const telegraf = path.join(SHARED_DATA, 'datagrams/telegraf');
  const cases = readdirSync(telegraf, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  frame(
    cases.map((c) =>
      readdirSync(path.join(telegraf, c))
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => path.join(telegraf, c, f)),
    ),
    'telegraf',
  );
  return out;
}

function inputs(): Input[] {
  const pmacct = path.join(SHARED_DATA, 'pcap/pmacct');
  const shared = readdirSync(pmacct, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((d) => ({ name: `pmacct/${d}`, pcap: readFileSync(path.join(pmacct, d, 'traffic-00.pcap')) }));
  return [...shared, ...datagramGroups(), ...exportCases().map((c) => ({ name: `generated/${c.name}`, pcap: c.pcap }))];
}

/** flowdex's records per frame (index in the capture), in record order; and the dissector each UDP port needs. */
async function flowdexSide(pcap: Buffer): Promise<{ perFrame: Map<number, FlowRecord[]>; decodeAs: string[] }> {
  const starts: number[] = [];
  const decodeAs = new Set<string>();
  for await (const item of frames(Readable.from([pcap]))) {
    if (item.kind !== 'frame') continue;
    starts.push(item.frame.offset);
    const ip = frameIp(item.frame);
    if (!ip || ip.protocol !== 17) continue;
    const payload = item.frame.data.subarray(ip.l4 + 8, ip.end);
    const format = exportFormat(payload, false);
    if (format)
      decodeAs.add(`udp.port==${item.frame.data.readUInt16BE(ip.l4 + 2)},${format === 'sflow' ? 'sflow' : 'cflow'}`);
  }
  const perFrame = new Map<number, FlowRecord[]>();
  const placed = new Map<number, { at: number; record: FlowRecord }[]>();
  for await (const item of pcapReader.read({ name: 'x.pcap', chunks: Readable.from([pcap]) }, {})) {
    if (item.kind !== 'flow') continue;
    const at = item.loc.offset ?? 0;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    const list = placed.get(lo) ?? [];
    list.push({ at, record: item.record });
    placed.set(lo, list);
  }
  // Held data sets come out when their template arrives; in the frame they sit where they were sent.
  for (const [frame, list] of placed)
    perFrame.set(
      frame,
      list.sort((a, b) => a.at - b.at).map((x) => x.record),
    );
  return { perFrame, decodeAs: [...decodeAs] };
}

type Tree = { [k: string]: string | string[] | Tree | Tree[] };

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function num(v: unknown): number | undefined {
  const s = first(v);
  if (typeof s !== 'string' || s === '') return undefined;
  const n = s.startsWith('0x') ? parseInt(s, 16) : Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** The first value of `key` in depth-first order. */
function find(t: unknown, key: string): unknown {
  if (t === null || typeof t !== 'object') return undefined;
  if (Array.isArray(t)) {
    for (const x of t) {
      const v = find(x, key);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  const o = t as Tree;
  if (key in o) return o[key];
  for (const v of Object.values(o)) {
    const r = find(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

const ZERO_ADDRESSES = new Set(['0.0.0.0', '::']);

/** The non-zero of the two families a dual-stack template carries. */
function address(f: Tree, v4: string, v6: string): string | undefined {
  const a = first(f[v4]) as string | undefined;
  const b = first(f[v6]) as string | undefined;
  if (a !== undefined && !ZERO_ADDRESSES.has(a)) return a;
  if (b !== undefined && !ZERO_ADDRESSES.has(b)) return b;
  return a ?? b;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** tshark's absolute time text (`Feb 28, 2023 09:46:01.088000000 UTC`) as epoch ms. */
function absTime(v: unknown): number | undefined {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- tshark JSON values are strings
  const m = /^(\w{3})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(String(first(v) ?? ''));
  if (!m) return undefined;
  return Date.UTC(
    Number(m[3]),
    MONTHS.indexOf(m[1] ?? ''),
    Number(m[2]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    Number(m[7]),
  );
}

/** PSAMP (RFC 5476): random n-out-of-N is population / size; count-based is (interval + space) / interval. */
function psampRate(f: Tree): number | undefined {
  const size = num(f['cflow.sampling_size']);
  const population = num(f['cflow.sampling_population']);
  if (size && population) return Math.round(population / size);
  const interval = num(f['cflow.sampling_packet_interval']);
  if (!interval) return undefined;
  const space = num(f['cflow.sampling_packet_space']);
  return space === undefined ? interval : Math.round((interval + space) / interval);
}

/** tshark's records of one cflow PDU, with the header facts the times and sampling need. */
function cflowRecords(c: Tree, exporter: string, samplers: Map<string, number>, optionTemplates: Set<string>): Cmp[] {
  const version = num(c['cflow.version']);
  const unixMs =
    (num(find(c, 'cflow.unix_secs')) ?? 0) * 1000 + Math.floor((num(find(c, 'cflow.unix_nsecs')) ?? 0) / 1e6);
  const uptimeMs = Math.round((num(c['cflow.sysuptime']) ?? 0) * 1000);
  const domain = num(c['cflow.source_id']) ?? num(c['cflow.od_id']) ?? 0;
  const out: Cmp[] = [];
  const v5rate = version === 5 ? (num(c['cflow.samplerate']) ?? 0) : 0;
  for (const [setKey, set] of Object.entries(c)) {
    if (typeof set !== 'object' || Array.isArray(set)) continue;
    for (const k of Object.keys(set)) {
      const m = /^Options Template \(Id = (\d+)\)/.exec(k);
      if (m) optionTemplates.add(`${exporter}|${domain}|${m[1]}`);
    }
    const setId = /\[id=(\d+)\]/.exec(setKey)?.[1];
    const options = setId !== undefined && optionTemplates.has(`${exporter}|${domain}|${setId}`);
    const flows =
      version === 5
        ? [[setKey, set] as const].filter(([k]) => k.startsWith('pdu '))
        : Object.entries(set).filter(([k]) => /^Flow \d+$/.test(k));
    for (const [, raw] of flows) {
      if (typeof raw !== 'object' || Array.isArray(raw)) continue;
      const f = raw;
      if (options || Object.keys(f).some((k) => k.startsWith('cflow.scope'))) {
        // Options data: a sampler's rate, keyed as the records will name it.
        const rate = psampRate(f) ?? num(f['cflow.sampling_interval']) ?? num(f['cflow.sampler_random_interval']);
        const id = num(f['cflow.sampler_id']) ?? num(f['cflow.selector_id']) ?? num(find(f, 'cflow.scope_selector_id'));
        if (rate !== undefined) samplers.set(`${exporter}|${domain}|${id ?? '*'}`, rate);
        const init = absTime(f['cflow.sys_init_time']);
        if (init !== undefined) samplers.set(`init|${exporter}|${domain}`, init);
        continue;
      }
      const r: Cmp = {};
      const set1 = (k: keyof Cmp, v: string | number | undefined): void => {
        if (v !== undefined) r[k] = v;
      };
      set1('src', address(f, 'cflow.srcaddr', 'cflow.srcaddrv6'));
      set1('dst', address(f, 'cflow.dstaddr', 'cflow.dstaddrv6'));
      const proto = num(f['cflow.protocol']);
      set1('proto', proto);
      if (proto === 1 || proto === 58) {
        const tc = num(f['cflow.icmp_type_code_ipv4']) ?? num(f['cflow.icmp_type_code_ipv6']);
        set1('dport', tc || num(f['cflow.dstport']) || tc);
        if (f['cflow.srcport'] !== undefined) set1('sport', 0);
      } else {
        set1('sport', num(f['cflow.srcport']));
        set1('dport', num(f['cflow.dstport']));
      }
      set1('bytes', num(f['cflow.octets']) ?? num(f['cflow.initiator_octets']));
      set1('packets', num(f['cflow.packets']) ?? num(f['cflow.initiator_packets']));
      set1('in', num(f['cflow.inputint']));
      set1('out', num(f['cflow.outputint']));
      set1('tos', num(f['cflow.tos']));
      const flags = num(f['cflow.tcpflags']);
      set1('flags', flags !== undefined ? flags & 0xff : undefined);
      const abs = absTime(find(f, 'cflow.abstimestart'));
      const absEnd = absTime(find(f, 'cflow.abstimeend'));
      const rel = num(find(f, 'cflow.timestart'));
      const relEnd = num(find(f, 'cflow.timeend'));
      const uptime = (t: number): number => {
        // CONVENTIONS['uptime-wrap']: a stamp far after the export's uptime is from before the 32-bit wrap.
        const ms = Math.round(t * 1000);
        return ms - uptimeMs > 2 ** 31 ? ms - 2 ** 32 : ms;
      };
      // CONVENTIONS['ipfix-uptime']: IPFIX uptime stamps count from the exporter's system init time.
      const init = version === 10 ? samplers.get(`init|${exporter}|${domain}`) : undefined;
      const since = (t: number | undefined): number | undefined =>
        t !== undefined && init !== undefined ? init + Math.round(t * 1000) : undefined;
      // CONVENTIONS['zero-uptime']: tshark prints an uptime stamp of 0 as the epoch.
      const relStart = abs === 0 ? 0 : rel;
      const relStop = absEnd === 0 ? 0 : relEnd;
      const fromRel = (t: number | undefined): number | undefined =>
        version === 10 ? since(t) : t !== undefined ? unixMs - uptimeMs + uptime(t) : undefined;
      set1('start', (abs === 0 ? undefined : abs) ?? fromRel(relStart));
      set1('end', (absEnd === 0 ? undefined : absEnd) ?? fromRel(relStop));
      const inRecord = num(f['cflow.sampling_interval']);
      const sampler = num(f['cflow.sampler_id']) ?? num(f['cflow.selector_id']);
      const rate = v5rate
        ? v5rate & 0x3fff
        : (inRecord ??
          (sampler !== undefined
            ? (samplers.get(`${exporter}|${domain}|${sampler}`) ?? samplers.get(`${exporter}|${domain}|*`))
            : undefined));
      set1('sampling', rate || undefined);
      out.push(r);
    }
  }
  return out;
}

function sflowRecords(s: Tree): Cmp[] {
  const out: Cmp[] = [];
  const samples = Object.entries(s).flatMap(([k, v]) =>
    /^(Expanded )?[Ff]low sample/.test(k) ? (Array.isArray(v) ? v : [v]) : [],
  );
  for (const sample of samples) {
    if (typeof sample !== 'object') continue;
    const h = find(sample, 'sflow_245.header_tree') as Tree | undefined;
    const r: Cmp = {
      exporter: String(first(s['sflow_245.agent'])),
      packets: 1,
      sampling: num(find(sample, 'sflow.flow_sample.sampling_rate')),
    };
    const iface = (dir: 'input' | 'output'): number | undefined => {
      const v =
        num(find(sample, `sflow.flow_sample.${dir}_interface_value`)) ??
        num(find(sample, `sflow.flow_sample.${dir}_interface`));
      return v === 0x3fffffff ? undefined : v;
    };
    const input = iface('input');
    const output = iface('output');
    if (input !== undefined) r.in = input;
    if (output !== undefined) r.out = output;
    if (h) {
      const v6 = find(h, 'ipv6') !== undefined && find(h, 'ip') === undefined;
      r.src = String(first(find(h, v6 ? 'ipv6.src' : 'ip.src')));
      r.dst = String(first(find(h, v6 ? 'ipv6.dst' : 'ip.dst')));
      const proto = num(find(h, v6 ? 'ipv6.nxt' : 'ip.proto'));
      if (proto !== undefined) r.proto = proto;
      const len = v6 ? (num(find(h, 'ipv6.plen')) ?? 0) + 40 : num(find(h, 'ip.len'));
      if (len !== undefined) r.bytes = len;
      const tos = v6 ? num(find(h, 'ipv6.tclass')) : num(find(h, 'ip.dsfield'));
      if (tos !== undefined) r.tos = tos;
      const l4 = find(h, 'tcp') ?? find(h, 'udp');
      if (l4) {
        const tcp = find(h, 'tcp') !== undefined;
        const sp = num(find(l4, tcp ? 'tcp.srcport' : 'udp.srcport'));
        const dp = num(find(l4, tcp ? 'tcp.dstport' : 'udp.dstport'));
        if (sp !== undefined) r.sport = sp;
        if (dp !== undefined) r.dport = dp;
        if (tcp) r.flags = (num(find(l4, 'tcp.flags')) ?? 0) & 0xff;
      }
      const icmp = find(h, 'icmp') ?? find(h, 'icmpv6');
      if (icmp && (proto === 1 || proto === 58)) {
        r.sport = 0;
        r.dport =
          ((num(find(icmp, proto === 1 ? 'icmp.type' : 'icmpv6.type')) ?? 0) << 8) |
          (num(find(icmp, proto === 1 ? 'icmp.code' : 'icmpv6.code')) ?? 0);
      }
    }
    out.push(r);
  }
  return out;
}

function flowdexCmp(r: FlowRecord, sflow: boolean): Cmp {
  const icmp = r.protocol === 1 || r.protocol === 58;
  const c: Cmp = {
    src: r.srcIp,
    dst: r.dstIp,
    sport: r.srcPort,
    dport: icmp && r.icmpType !== undefined ? (r.icmpType << 8) | (r.icmpCode ?? 0) : r.dstPort,
    proto: r.protocol,
    bytes: r.srcBytes,
    packets: r.srcPackets,
    in: r.inputInterface,
    out: r.outputInterface,
    tos: r.tos,
    flags: r.tcpFlags,
    start: r.start,
    end: r.end,
    sampling: r.samplingRate,
  };
  if (sflow) c.exporter = r.exporter;
  return c;
}

interface Tally {
  records: number;
  /** Records flowdex decoded that tshark could not (held data sets). */
  flowdexOnly: number;
  fields: number;
  agree: number;
  differences: string[];
}

async function compare(input: Input, dir: string, tally: Tally): Promise<void> {
  const { perFrame, decodeAs } = await flowdexSide(input.pcap);
  const file = path.join(dir, `${input.name.replace(/\W/g, '_')}.pcap`);
  writeFileSync(file, input.pcap);
  const args = ['-r', file, '-T', 'json', '--no-duplicate-keys', ...decodeAs.flatMap((d) => ['-d', d])];
  const { stdout } = await run('tshark', args, { maxBuffer: 512 * 1024 * 1024 });
  const packets = JSON.parse(stdout) as { _source: { layers: Tree } }[];
  const samplers = new Map<string, number>();
  const optionTemplates = new Set<string>();
  packets.forEach((p, frame) => {
    const layers = p._source.layers;
    const src = String(first(find(layers.ip, 'ip.src')));
    const cflow = layers.cflow as Tree | Tree[] | undefined;
    const sflow = layers.sflow as Tree | undefined;
    const theirs = sflow
      ? sflowRecords(sflow)
      : cflow
        ? (Array.isArray(cflow) ? cflow : [cflow]).flatMap((c) => cflowRecords(c, src, samplers, optionTemplates))
        : [];
    const ours = (perFrame.get(frame) ?? []).map((r) => flowdexCmp(r, sflow !== undefined));
    // Records pair up in order, or by their 5-tuple where flowdex also decoded sets tshark could
    // not (data that came before its template: CONVENTIONS['held-data']).
    const used = new Set<number>();
    const key = (c: Cmp): string => [c.src, c.dst, c.sport, c.dport, c.proto, c.start].join('|');
    theirs.forEach((t, i) => {
      let j = ours.length === theirs.length ? i : ours.findIndex((o, k) => !used.has(k) && key(o) === key(t));
      if (j < 0) j = ours.findIndex((_, k) => !used.has(k));
      if (j >= 0) used.add(j);
      const o = j >= 0 ? ours[j] : undefined;
      if (!o)
        tally.differences.push(`${input.name} frame ${frame + 1} record ${i + 1}: tshark decoded it, flowdex did not`);
      tally.records++;
      for (const [k, v] of Object.entries(t)) {
        tally.fields++;
        const mine = o?.[k as keyof Cmp];
        if (mine === v) tally.agree++;
        else
          tally.differences.push(`${input.name} frame ${frame + 1} record ${i + 1} ${k}: tshark ${v}, flowdex ${mine}`);
      }
    });
    tally.flowdexOnly += ours.length - used.size;
  });
}

const maybe = HAVE_TSHARK && HAVE_SHARED_DATA ? describe : describe.skip;
if (!HAVE_TSHARK)
  console.warn(
    'tshark differential test skipped: Debian tshark is not installed (scripts/system-deps.sh test installs it)',
  );
else if (!HAVE_SHARED_DATA) console.warn(`tshark differential test skipped: ${SHARED_DATA} is absent`);

maybe('flowdex and tshark decode the same records alike', () => {
  const tally: Tally = { records: 0, flowdexOnly: 0, fields: 0, agree: 0, differences: [] };
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'flowdex-tshark-'));
    const all = inputs();
    // Two tshark processes at a time: one per core.
    for (let i = 0; i < all.length; i += 2) await Promise.all(all.slice(i, i + 2).map((x) => compare(x, dir, tally)));
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `tshark differential: ${tally.records} records, ${tally.fields} field values compared, ${tally.agree} agree (${((100 * tally.agree) / Math.max(1, tally.fields)).toFixed(3)} %); ${tally.flowdexOnly} records only flowdex decoded`,
    );
  });

  test('tshark found records to compare in every kind of input', () => {
    expect(tally.records).toBeGreaterThan(300);
  });

  test('every compared field value agrees', () => {
    expect(tally.differences.slice(0, 200)).toEqual([]);
    expect(tally.agree).toBe(tally.fields);
  });
});
