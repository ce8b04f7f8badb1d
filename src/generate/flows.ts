import type { FlowRecord } from '../model/flow';
import { ipv6String } from '../readers/binary';
import { Prng, Zipf } from './prng';

/**
 * Synthetic but realistically shaped traffic: Zipf host popularity, a few web servers, DNS to two
 * resolvers, a port scanner, a diurnal rate curve, ~5% IPv6, L7 names and per-direction counters.
 */

export interface GenerateOptions {
  flows: number;
  /** First flow start, epoch ms. */
  start: number;
  spanMs: number;
  seed: number;
}

export const GENERATED_FORMAT = 'generated';
export const GENERATOR_EXPORTER = '192.0.2.10';

const INTERNAL_HOSTS = 3000;
const EXTERNAL_HOSTS = 2000;
const WEB_SERVERS = ['10.0.1.10', '10.0.1.11', '10.0.1.12', '10.0.1.13', '10.0.1.14'];
const RESOLVERS = ['10.0.0.53', '10.0.0.54'];
const SCANNER = '10.66.6.6';
const MAIL = '10.0.2.25';
const SITES = [
  'example.com',
  'intranet.example.org',
  'cdn.example.net',
  'mail.example.com',
  'api.example.io',
  'news.example',
  'video.example.tv',
  'updates.example.com',
];
const HTTP_METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'HEAD'];
const HTTP_STATUS = [200, 200, 200, 200, 304, 301, 404, 500];

/** Hour-of-day weight: quiet at night, a peak mid-afternoon. */
function diurnal(ms: number): number {
  const hour = (ms / 3_600_000) % 24;
  return 1.2 + Math.sin(((hour - 9) / 24) * 2 * Math.PI);
}

/** Inverse CDF of the rate curve over the span, sampled in bins, so flow i gets its time in order. */
function timeline(start: number, spanMs: number): (u: number) => number {
  const bins = 1440;
  const cdf = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) cdf[i + 1] = (cdf[i] ?? 0) + diurnal(start + ((i + 0.5) / bins) * spanMs);
  const total = cdf[bins] ?? 1;
  let bin = 0;
  return (u: number) => {
    const target = u * total;
    while (bin < bins - 1 && (cdf[bin + 1] ?? total) < target) bin++;
    const lo = cdf[bin] ?? 0;
    const width = (cdf[bin + 1] ?? total) - lo || 1;
    return start + Math.floor(((bin + (target - lo) / width) / bins) * spanMs);
  };
}

function internal(i: number): string {
  return `10.1.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

function external(i: number): string {
  return `${[93, 104, 151, 172, 185, 203][i % 6]}.${(i * 7) & 255}.${(i * 13) & 255}.${1 + (i % 250)}`;
}

/** Host addresses built once: every flow then shares the same strings (no formatting per flow). */
const INTERNAL = Array.from({ length: INTERNAL_HOSTS }, (_, i) => internal(i));
const EXTERNAL = Array.from({ length: EXTERNAL_HOSTS }, (_, i) => external(i));

/** The IPv4 host's twin in 2001:db8::/32, written canonically (RFC 5952) as decoders print it. */
function v6(ip: string): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0x20010db8, 0);
  ip.split('.').forEach((x, i) => (b[i < 2 ? 5 + i * 2 : 12 + i] = Number(x)));
  return ipv6String(b, 0);
}

/** Twins are asked for again and again from the same small host pool. */
const V6_TWINS = new Map<string, string>();
function v6Twin(ip: string): string {
  let twin = V6_TWINS.get(ip);
  if (twin === undefined) V6_TWINS.set(ip, (twin = v6(ip)));
  return twin;
}

/** One unanswered TCP SYN (a scanner's probe), as the generators emit it. */
export function synProbe(start: number, srcIp: string, dstIp: string, srcPort: number, dstPort: number): FlowRecord {
  return {
    format: GENERATED_FORMAT,
    start,
    end: start,
    srcIp,
    dstIp,
    srcPort,
    dstPort,
    protocol: 6,
    tcpFlags: 0x02,
    srcBytes: 44,
    srcPackets: 1,
    dstBytes: 0,
    dstPackets: 0,
  };
}

export function* generateFlows(opts: GenerateOptions): Generator<FlowRecord> {
  const rng = new Prng(opts.seed);
  const inZipf = new Zipf(INTERNAL_HOSTS, 1.1);
  const exZipf = new Zipf(EXTERNAL_HOSTS, 1.0);
  const time = timeline(opts.start, opts.spanMs);
  const scanTarget = internal(7);
  for (let i = 0; i < opts.flows; i++) {
    const start = time((i + rng.float()) / opts.flows);
    const client = INTERNAL[inZipf.sample(rng)] ?? '';
    const remote = EXTERNAL[exZipf.sample(rng)] ?? '';
    const kind = rng.float();
    const sport = rng.int(32768, 60999);
    let r: FlowRecord;
    if (kind < 0.3) {
      // Outbound web browsing.
      const tls = rng.float() < 0.75;
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: client,
        dstIp: remote,
        srcPort: sport,
        dstPort: tls ? 443 : 80,
        protocol: 6,
        app: tls ? 'tls' : 'http',
      };
    } else if (kind < 0.45) {
      // Inbound to the handful of web servers.
      const tls = rng.float() < 0.7;
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: remote,
        dstIp: rng.pick(WEB_SERVERS),
        srcPort: sport,
        dstPort: tls ? 443 : 80,
        protocol: 6,
        app: tls ? 'tls' : 'http',
      };
    } else if (kind < 0.7) {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: client,
        dstIp: rng.pick(RESOLVERS),
        srcPort: sport,
        dstPort: 53,
        protocol: 17,
        app: 'dns',
        dnsQuery: `${rng.pick(['www', 'api', 'mail', 'cdn'])}.${rng.pick(SITES)}`,
      };
    } else if (kind < 0.75) {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: client,
        dstIp: INTERNAL[inZipf.sample(rng)] ?? '',
        srcPort: sport,
        dstPort: 22,
        protocol: 6,
        app: 'ssh',
      };
    } else if (kind < 0.78) {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: remote,
        dstIp: MAIL,
        srcPort: sport,
        dstPort: 25,
        protocol: 6,
        app: 'smtp',
      };
    } else if (kind < 0.8) {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: client,
        dstIp: remote,
        srcPort: 123,
        dstPort: 123,
        protocol: 17,
        app: 'ntp',
      };
    } else if (kind < 0.85) {
      // The scanner: one SYN per port, no answer.
      r = synProbe(start, SCANNER, scanTarget, sport, rng.int(1, 10000));
    } else if (kind < 0.87) {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: client,
        dstIp: remote,
        srcPort: 0,
        dstPort: 0,
        icmpType: 8,
        icmpCode: 0,
        protocol: 1,
        app: 'icmp',
      };
    } else {
      r = {
        format: GENERATED_FORMAT,
        start,
        srcIp: remote,
        dstIp: client,
        srcPort: sport,
        dstPort: rng.int(1024, 65000),
        protocol: rng.float() < 0.6 ? 17 : 6,
      };
    }
    if (r.srcBytes === undefined) fillCounters(rng, r);
    if (r.app === 'http') {
      r.httpHost = rng.pick(SITES);
      r.httpMethod = rng.pick(HTTP_METHODS);
      r.httpStatus = rng.pick(HTTP_STATUS);
    } else if (r.app === 'tls') r.tlsServerName = `www.${rng.pick(SITES)}`;
    if (rng.float() < 0.05 && r.srcIp && r.dstIp) {
      r.srcIp = v6Twin(r.srcIp);
      r.dstIp = v6Twin(r.dstIp);
      if (r.protocol === 1) r.protocol = 58;
      if (r.protocol === 58) r.icmpType = 128;
    }
    r.exporter = GENERATOR_EXPORTER;
    r.inputInterface = r.srcIp?.startsWith('10.') || r.srcIp?.startsWith('2001:db8:a:') ? 1 : 2;
    r.outputInterface = r.inputInterface === 1 ? 2 : 1;
    yield r;
  }
}

function fillCounters(rng: Prng, r: FlowRecord): void {
  const app = r.app;
  const reqMedian = app === 'dns' ? 70 : app === 'ntp' ? 76 : app === 'icmp' ? 84 : 600;
  const respMedian =
    app === 'dns' ? 160 : app === 'ntp' ? 76 : app === 'icmp' ? 84 : app === 'http' || app === 'tls' ? 12000 : 3000;
  const srcBytes = Math.max(40, Math.round(rng.logNormal(reqMedian, app === 'dns' ? 0.3 : 1.2)));
  const dstBytes = Math.max(40, Math.round(rng.logNormal(respMedian, app === 'dns' ? 0.4 : 1.8)));
  r.srcBytes = srcBytes;
  r.dstBytes = dstBytes;
  r.srcPackets = Math.max(1, Math.round(srcBytes / rng.int(60, 600)));
  r.dstPackets = Math.max(1, Math.round(dstBytes / rng.int(200, 1400)));
  const meanMs = app === 'dns' || app === 'ntp' || app === 'icmp' ? 30 : app === 'ssh' ? 120_000 : 4_000;
  r.end = r.start + Math.round(rng.exponential(meanMs));
  if (r.protocol === 6) r.tcpFlags = 0x1b;
}
