import { ipBytes } from '../model/community-id';
import type { FlowRecord } from '../model/flow';
import { PcapWriter } from './pcap-writer';

/**
 * Export captures for the decoder conventions real exporters rely on: templates holding both
 * address families, several samplers, records that carry only a sampled frame, ICMP both ways,
 * routing and layer-2 elements, interface names from options data, and sFlow with internal
 * interfaces and bytes after the UDP datagram. Each case says which flows it encodes, so a test
 * can decode the capture and compare; the differential test also feeds them to tshark.
 */

export interface ExportCase {
  name: string;
  /** The capture: classic pcap, Ethernet/IPv4/UDP datagrams to the collector. */
  pcap: Buffer;
  /** The flows the capture holds, in order, as flowdex is expected to decode them. */
  flows: Partial<FlowRecord>[];
}

const EXPORTER = '192.0.2.20';
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const T0_S = T0 / 1000;

// ---- byte helpers -------------------------------------------------------------------------------

function ip(text: string): Buffer {
  const b = ipBytes(text);
  if (!b) throw new Error(`not an address: ${text}`);
  return b;
}

function uint(v: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = v;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = x % 256;
    x = Math.floor(x / 256);
  }
  return b;
}

function mac(text: string): Buffer {
  return Buffer.from(text.replace(/[:-]/g, ''), 'hex');
}

/** One information element of a template and its value in a record. */
interface Ie {
  id: number;
  length: number;
  enterprise?: number;
  value: Buffer;
}

const ie = (id: number, length: number, value: number | Buffer): Ie => ({
  id,
  length,
  value: typeof value === 'number' ? uint(value, length) : value,
});
/** A variable-length element (IPFIX, RFC 7011 §7). */
const varIe = (id: number, value: Buffer): Ie => ({ id, length: 65535, value });

function encodeValue(f: Ie): Buffer {
  if (f.length !== 65535) return f.value;
  return Buffer.concat([
    f.value.length < 255 ? uint(f.value.length, 1) : Buffer.from([255, f.value.length >> 8, f.value.length & 0xff]),
    f.value,
  ]);
}

function fieldSpec(f: { id: number; length: number; enterprise?: number }): Buffer {
  const head = Buffer.concat([uint(f.enterprise ? f.id | 0x8000 : f.id, 2), uint(f.length, 2)]);
  return f.enterprise ? Buffer.concat([head, uint(f.enterprise, 4)]) : head;
}

function set(id: number, body: Buffer): Buffer {
  // Sets are padded to 4 bytes, as most exporters do.
  const pad = (4 - ((body.length + 4) % 4)) % 4;
  return Buffer.concat([uint(id, 2), uint(body.length + 4 + pad, 2), body, Buffer.alloc(pad)]);
}

class Exporter {
  private sequence = 0;
  constructor(
    private readonly v9: boolean,
    private readonly domain = 1,
  ) {}

  template(id: number, fields: Ie[]): Buffer {
    return set(this.v9 ? 0 : 2, Buffer.concat([uint(id, 2), uint(fields.length, 2), ...fields.map(fieldSpec)]));
  }

  optionsTemplate(id: number, scope: { id: number; length: number }[], options: Ie[]): Buffer {
    if (this.v9) {
      const s = Buffer.concat(scope.map(fieldSpec));
      const o = Buffer.concat(options.map(fieldSpec));
      return set(1, Buffer.concat([uint(id, 2), uint(s.length, 2), uint(o.length, 2), s, o]));
    }
    return set(
      3,
      Buffer.concat([
        uint(id, 2),
        uint(scope.length + options.length, 2),
        uint(scope.length, 2),
        ...scope.map(fieldSpec),
        ...options.map(fieldSpec),
      ]),
    );
  }

  data(id: number, records: Ie[][]): Buffer {
    return set(id, Buffer.concat(records.flatMap((r) => r.map(encodeValue))));
  }

  message(sets: Buffer[], exportS = T0_S + 60, uptimeMs = 3_600_000): Buffer {
    const body = Buffer.concat(sets);
    const count = sets.length;
    this.sequence++;
    if (this.v9)
      return Buffer.concat([
        uint(9, 2),
        uint(count, 2),
        uint(uptimeMs, 4),
        uint(exportS, 4),
        uint(this.sequence, 4),
        uint(this.domain, 4),
        body,
      ]);
    return Buffer.concat([
      uint(10, 2),
      uint(16 + body.length, 2),
      uint(exportS, 4),
      uint(this.sequence, 4),
      uint(this.domain, 4),
      body,
    ]);
  }
}

function capture(messages: { payload: Buffer; trailer?: Buffer }[], exporter = EXPORTER): Buffer {
  const chunks: Buffer[] = [];
  const w = new PcapWriter(exporter, (c) => void chunks.push(Buffer.from(c)));
  messages.forEach((m, i) => w.write(m.payload, T0 + 60_000 + i, m.trailer));
  w.flush();
  return Buffer.concat(chunks);
}

// ---- packet headers for sampled sections -------------------------------------------------------

function ethernet(dst: string, src: string, type: number, tags: { tpid: number; vid: number }[] = []): Buffer {
  return Buffer.concat([
    mac(dst),
    mac(src),
    ...tags.map((t) => Buffer.concat([uint(t.tpid, 2), uint(t.vid, 2)])),
    uint(type, 2),
  ]);
}

function ipv4(src: string, dst: string, protocol: number, payload: number, tos = 0): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x45;
  b[1] = tos;
  b.writeUInt16BE(20 + payload, 2);
  b[8] = 64;
  b[9] = protocol;
  ip(src).copy(b, 12);
  ip(dst).copy(b, 16);
  return b;
}

function ipv6(src: string, dst: string, next: number, payload: number, tclass = 0): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32BE((6 << 28) | (tclass << 20), 0);
  b.writeUInt16BE(payload, 4);
  b[6] = next;
  b[7] = 64;
  ip(src).copy(b, 8);
  ip(dst).copy(b, 24);
  return b;
}

function tcp(sport: number, dport: number, flags: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b[12] = 0x50;
  b[13] = flags;
  return b;
}

function udp(sport: number, dport: number, payload: number): Buffer {
  return Buffer.concat([uint(sport, 2), uint(dport, 2), uint(8 + payload, 2), uint(0, 2)]);
}

function icmp(type: number, code: number): Buffer {
  return Buffer.concat([uint(type, 1), uint(code, 1), Buffer.alloc(6)]);
}

/** An MPLS label stack entry: label, EXP 0, bottom-of-stack bit, TTL 64. */
function mpls(label: number, bottom: boolean): Buffer {
  return uint(((label << 12) | (bottom ? 0x100 : 0) | 64) >>> 0, 4);
}

/** An SRv6 segment routing header (type 4) with one segment. */
function srh(next: number, segment: string): Buffer {
  return Buffer.concat([Buffer.from([next, 2, 4, 0, 0, 0, 0, 0]), ip(segment)]);
}

// ---- the cases ---------------------------------------------------------------------------------

const COMMON = (start: number): Ie[] => [ie(152, 8, start), ie(153, 8, start + 1500), ie(1, 8, 1500), ie(2, 8, 3)];

/** The same times and counters in either dialect; v9 gives times as uptimes (export at T0 + 60 s, one hour after boot). */
const timesAndCounters = (v9: boolean, start: number): Ie[] =>
  v9
    ? [
        ie(22, 4, 3_600_000 - 60_000 + (start - T0)),
        ie(21, 4, 3_600_000 - 60_000 + (start - T0) + 1500),
        ie(1, 8, 1500),
        ie(2, 8, 3),
      ]
    : COMMON(start);
const commonFlow = (start: number): Partial<FlowRecord> => ({
  start,
  end: start + 1500,
  srcBytes: 1500,
  srcPackets: 3,
});

/** IPFIX and v9 templates carrying IPv4 and IPv6 addresses (and next hops, NAT) at once. */
function dualStack(v9: boolean): ExportCase {
  const x = new Exporter(v9);
  const v4 = {
    src: '198.51.100.7',
    dst: '203.0.113.9',
    nh: '198.51.100.1',
    bgp: '198.51.100.254',
    nsrc: '192.0.2.77',
    ndst: '203.0.113.99',
  };
  const v6 = {
    src: '2001:db8:1::7',
    dst: '2001:db8:2::9',
    nh: '2001:db8:1::1',
    bgp: '2001:db8:ff::1',
    nsrc: '2001:db8:77::1',
    ndst: '2001:db8:99::1',
  };
  const zero4 = Buffer.alloc(4);
  const zero16 = Buffer.alloc(16);
  const rec = (a: typeof v4 | undefined, b: typeof v6 | undefined, start: number): Ie[] => [
    ie(8, 4, a ? ip(a.src) : zero4),
    ie(12, 4, a ? ip(a.dst) : zero4),
    ie(15, 4, a ? ip(a.nh) : zero4),
    ie(18, 4, a ? ip(a.bgp) : zero4),
    // IPv6 fields after the IPv4 ones: the later, all-zero family must not win.
    ie(27, 16, b ? ip(b.src) : zero16),
    ie(28, 16, b ? ip(b.dst) : zero16),
    ie(62, 16, b ? ip(b.nh) : zero16),
    ie(63, 16, b ? ip(b.bgp) : zero16),
    ...(v9
      ? []
      : [
          ie(225, 4, a ? ip(a.nsrc) : zero4),
          ie(226, 4, a ? ip(a.ndst) : zero4),
          ie(281, 16, b ? ip(b.nsrc) : zero16),
          ie(282, 16, b ? ip(b.ndst) : zero16),
          ie(227, 2, 40000),
          ie(228, 2, 8443),
        ]),
    ie(7, 2, 51000),
    ie(11, 2, 443),
    ie(4, 1, 6),
    ...timesAndCounters(v9, start),
  ];
  const records = [rec(v4, undefined, T0), rec(undefined, v6, T0 + 1000)];
  const template = records[0] ?? [];
  const flows = [v4, v6].map((a, i): Partial<FlowRecord> => ({
    ...commonFlow(T0 + i * 1000),
    srcIp: a.src,
    dstIp: a.dst,
    nextHop: a.nh,
    bgpNextHop: a.bgp,
    ...(v9 ? {} : { natSrcIp: a.nsrc, natDstIp: a.ndst, natSrcPort: 40000, natDstPort: 8443 }),
    srcPort: 51000,
    dstPort: 443,
    protocol: 6,
  }));
  return {
    name: `${v9 ? 'netflow-v9' : 'ipfix'}-dual-stack`,
    pcap: capture([{ payload: x.message([x.template(256, template), x.data(256, records)]) }]),
    flows,
  };
}

/** Two samplers of one exporter and domain, each with its rate, named by the records. */
function samplers(v9: boolean): ExportCase {
  const x = new Exporter(v9, 7);
  const sampler = v9 ? 48 : 302;
  // v9 option scopes are types (1 = system); IPFIX scopes are elements (the selector itself).
  const options = v9
    ? x.optionsTemplate(300, [{ id: 1, length: 4 }], [ie(48, 2, 0), ie(34, 4, 0)])
    : x.optionsTemplate(300, [{ id: 302, length: 2 }], [ie(305, 4, 0)]);
  const optionRecords = v9
    ? [
        [ie(1, 4, 0), ie(48, 2, 1), ie(34, 4, 100)],
        [ie(1, 4, 0), ie(48, 2, 2), ie(34, 4, 1000)],
      ]
    : [
        [ie(302, 2, 1), ie(305, 4, 100)],
        [ie(302, 2, 2), ie(305, 4, 1000)],
      ];
  const rec = (s: number, start: number): Ie[] => [
    ie(8, 4, ip('10.9.0.1')),
    ie(12, 4, ip('10.9.0.2')),
    ie(7, 2, 5000 + s),
    ie(11, 2, 53),
    ie(4, 1, 17),
    ie(sampler, 2, s),
    ...timesAndCounters(v9, start),
  ];
  const data = [rec(1, T0), rec(2, T0 + 10), rec(1, T0 + 20)];
  return {
    name: `${v9 ? 'netflow-v9' : 'ipfix'}-two-samplers`,
    pcap: capture([
      { payload: x.message([options, x.data(300, optionRecords), x.template(256, data[0] ?? []), x.data(256, data)]) },
    ]),
    flows: [1, 2, 1].map((s, i) => ({
      ...commonFlow(T0 + i * 10),
      srcIp: '10.9.0.1',
      dstIp: '10.9.0.2',
      srcPort: 5000 + s,
      dstPort: 53,
      protocol: 17,
      samplingRate: s === 1 ? 100 : 1000,
    })),
  };
}

interface Section {
  frame: Buffer;
  kind: 'link' | 'ip';
  flow: Partial<FlowRecord>;
}

function sections(): Section[] {
  const payload = 100;
  const out: Section[] = [];
  // Ethernet / IPv4 / TCP SYN.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:55', '66:77:88:99:aa:bb', 0x0800),
      ipv4('10.1.0.1', '10.2.0.2', 6, 20 + payload, 0x28),
      tcp(40001, 80, 0x02),
    ]),
    flow: {
      srcIp: '10.1.0.1',
      dstIp: '10.2.0.2',
      protocol: 6,
      srcPort: 40001,
      dstPort: 80,
      tcpFlags: 0x02,
      tos: 0x28,
      srcMac: '66778899aabb',
      dstMac: '001122334455',
    },
  });
  // 802.1Q / IPv6 / UDP.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:56', '66:77:88:99:aa:bc', 0x86dd, [{ tpid: 0x8100, vid: 42 }]),
      ipv6('2001:db8::a', '2001:db8::b', 17, 8 + payload),
      udp(5353, 53, payload),
    ]),
    flow: {
      srcIp: '2001:db8::a',
      dstIp: '2001:db8::b',
      protocol: 17,
      srcPort: 5353,
      dstPort: 53,
      vlan: 42,
      srcMac: '66778899aabc',
      dstMac: '001122334456',
    },
  });
  // QinQ / IPv4 / ICMP echo.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:57', '66:77:88:99:aa:bd', 0x0800, [
        { tpid: 0x88a8, vid: 100 },
        { tpid: 0x8100, vid: 200 },
      ]),
      ipv4('10.3.0.1', '10.4.0.1', 1, 8 + payload),
      icmp(8, 0),
    ]),
    flow: {
      srcIp: '10.3.0.1',
      dstIp: '10.4.0.1',
      protocol: 1,
      srcPort: 0,
      dstPort: 0,
      icmpType: 8,
      icmpCode: 0,
      vlan: 100,
      innerVlan: 200,
    },
  });
  // MPLS (two labels) / IPv4 / UDP.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:58', '66:77:88:99:aa:be', 0x8847),
      mpls(16010, false),
      mpls(24001, true),
      ipv4('10.5.0.1', '10.6.0.1', 17, 8 + payload),
      udp(4789, 4789, payload),
    ]),
    flow: { srcIp: '10.5.0.1', dstIp: '10.6.0.1', protocol: 17, srcPort: 4789, dstPort: 4789, mplsLabel: 16010 },
  });
  // MPLS / control word / Ethernet / IPv4 / TCP: an EVPN or pseudowire frame.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:59', '66:77:88:99:aa:bf', 0x8847),
      mpls(299776, true),
      Buffer.alloc(4),
      ethernet('02:00:00:00:00:01', '02:00:00:00:00:02', 0x0800),
      ipv4('172.16.0.1', '172.16.0.2', 6, 20 + payload),
      tcp(33000, 22, 0x18),
    ]),
    flow: {
      srcIp: '172.16.0.1',
      dstIp: '172.16.0.2',
      protocol: 6,
      srcPort: 33000,
      dstPort: 22,
      tcpFlags: 0x18,
      mplsLabel: 299776,
      srcMac: '66778899aabf',
      dstMac: '001122334459',
    },
  });
  // MPLS without control word / Ethernet whose destination MAC starts with 4 / IPv4 / UDP.
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:5a', '66:77:88:99:aa:c0', 0x8847),
      mpls(500, true),
      ethernet('45:00:00:00:00:01', '02:00:00:00:00:03', 0x0800),
      ipv4('172.16.1.1', '172.16.1.2', 17, 8 + payload),
      udp(123, 123, payload),
    ]),
    flow: { srcIp: '172.16.1.1', dstIp: '172.16.1.2', protocol: 17, srcPort: 123, dstPort: 123, mplsLabel: 500 },
  });
  // IPv6 with an SRv6 segment routing header carrying an IPv6 / TCP packet.
  const inner = Buffer.concat([ipv6('2001:db8:c::1', '2001:db8:d::1', 6, 20 + payload), tcp(44000, 443, 0x10)]);
  out.push({
    kind: 'link',
    frame: Buffer.concat([
      ethernet('00:11:22:33:44:5b', '66:77:88:99:aa:c1', 0x86dd),
      ipv6('2001:db8:ffff::1', '2001:db8:eeee::1', 43, 24 + inner.length + payload),
      srh(41, '2001:db8:eeee::1'),
      inner,
    ]),
    flow: { srcIp: '2001:db8:c::1', dstIp: '2001:db8:d::1', protocol: 6, srcPort: 44000, dstPort: 443, tcpFlags: 0x10 },
  });
  // ipHeaderPacketSection: IPv4 / UDP without layer 2.
  out.push({
    kind: 'ip',
    frame: Buffer.concat([ipv4('10.7.0.1', '10.8.0.1', 17, 8 + payload), udp(514, 514, payload)]),
    flow: { srcIp: '10.7.0.1', dstIp: '10.8.0.1', protocol: 17, srcPort: 514, dstPort: 514 },
  });
  return out;
}

/** IPFIX records holding only the first bytes of a packet (IE 315 / 313), as Juniper and SRv6 exporters send. */
function packetSections(): ExportCase {
  const x = new Exporter(false, 3);
  const all = sections();
  const rec = (s: Section, i: number): Ie[] => [
    ie(10, 4, 11),
    varIe(s.kind === 'link' ? 315 : 313, s.frame),
    ...COMMON(T0 + i * 100),
  ];
  const link = all.filter((s) => s.kind === 'link');
  const ipOnly = all.filter((s) => s.kind === 'ip');
  const payload = x.message([
    x.template(256, rec(link[0] as Section, 0)),
    x.template(257, rec(ipOnly[0] as Section, 0)),
    x.data(
      256,
      link.map((s, i) => rec(s, i)),
    ),
    x.data(
      257,
      ipOnly.map((s, i) => rec(s, link.length + i)),
    ),
  ]);
  return {
    name: 'ipfix-packet-sections',
    pcap: capture([{ payload }]),
    flows: [...link, ...ipOnly].map((s, i) => ({ ...commonFlow(T0 + i * 100), inputInterface: 11, ...s.flow })),
  };
}

/** ICMP as v5 and v9 write it (type × 256 + code in the destination port) and as IPFIX does (IE 32/139). */
function icmpCases(): ExportCase[] {
  const v5 = Buffer.alloc(24 + 48 * 2);
  v5.writeUInt16BE(5, 0);
  v5.writeUInt16BE(2, 2);
  v5.writeUInt32BE(3_600_000, 4);
  v5.writeUInt32BE(T0_S + 60, 8);
  const v5rec = (i: number, src: string, dst: string, type: number, code: number): void => {
    const o = 24 + i * 48;
    ip(src).copy(v5, o);
    ip(dst).copy(v5, o + 4);
    v5.writeUInt16BE(3, o + 12);
    v5.writeUInt16BE(4, o + 14);
    v5.writeUInt32BE(3, o + 16);
    v5.writeUInt32BE(252, o + 20);
    v5.writeUInt32BE(3_600_000 - 60_000, o + 24);
    v5.writeUInt32BE(3_600_000 - 60_000 + 1500, o + 28);
    v5.writeUInt16BE(type * 256 + code, o + 34);
    v5[o + 38] = 1;
  };
  v5rec(0, '10.10.0.1', '10.10.0.2', 8, 0);
  v5rec(1, '10.10.0.2', '10.10.0.1', 3, 3);
  const base = { start: T0, end: T0 + 1500, srcPackets: 3, srcBytes: 252, protocol: 1, srcPort: 0, dstPort: 0 };
  const v5flows: Partial<FlowRecord>[] = [
    {
      ...base,
      srcIp: '10.10.0.1',
      dstIp: '10.10.0.2',
      icmpType: 8,
      icmpCode: 0,
      inputInterface: 3,
      outputInterface: 4,
    },
    {
      ...base,
      srcIp: '10.10.0.2',
      dstIp: '10.10.0.1',
      icmpType: 3,
      icmpCode: 3,
      inputInterface: 3,
      outputInterface: 4,
    },
  ];

  const v9 = new Exporter(true, 2);
  const v9rec = (src: string, dst: string, tc: number): Ie[] => [
    ie(8, 4, ip(src)),
    ie(12, 4, ip(dst)),
    ie(7, 2, 0),
    ie(11, 2, tc),
    ie(4, 1, 1),
    ie(22, 4, 3_600_000 - 60_000),
    ie(21, 4, 3_600_000 - 58_500),
    ie(1, 4, 252),
    ie(2, 4, 3),
  ];
  const v9data = [v9rec('10.11.0.1', '10.11.0.2', 0x0800), v9rec('10.11.0.2', '10.11.0.1', 0x0b00)];
  const v9payload = v9.message([v9.template(256, v9data[0] ?? []), v9.data(256, v9data)]);

  const fix = new Exporter(false, 2);
  const fixRec = (v6: boolean, src: string, dst: string, tc: number): Ie[] => [
    ie(v6 ? 27 : 8, v6 ? 16 : 4, ip(src)),
    ie(v6 ? 28 : 12, v6 ? 16 : 4, ip(dst)),
    ie(4, 1, v6 ? 58 : 1),
    ie(v6 ? 139 : 32, 2, tc),
    ie(152, 8, T0),
    ie(153, 8, T0 + 1500),
    ie(1, 8, 252),
    ie(2, 8, 3),
  ];
  const f4 = [fixRec(false, '10.12.0.1', '10.12.0.2', 0x0000)];
  const f6 = [
    fixRec(true, '2001:db8:12::1', '2001:db8:12::2', 0x8000),
    fixRec(true, '2001:db8:12::2', '2001:db8:12::1', 0x8100),
  ];
  const fixPayload = fix.message([
    fix.template(256, f4[0] ?? []),
    fix.template(257, f6[0] ?? []),
    fix.data(256, f4),
    fix.data(257, f6),
  ]);
  const at = { start: T0, end: T0 + 1500, srcBytes: 252, srcPackets: 3, srcPort: 0, dstPort: 0 };
  return [
    { name: 'netflow-v5-icmp', pcap: capture([{ payload: v5 }]), flows: v5flows },
    {
      name: 'netflow-v9-icmp',
      pcap: capture([{ payload: v9payload }]),
      flows: [
        { ...at, srcIp: '10.11.0.1', dstIp: '10.11.0.2', protocol: 1, icmpType: 8, icmpCode: 0 },
        { ...at, srcIp: '10.11.0.2', dstIp: '10.11.0.1', protocol: 1, icmpType: 11, icmpCode: 0 },
      ],
    },
    {
      name: 'ipfix-icmp',
      pcap: capture([{ payload: fixPayload }]),
      flows: [
        { ...at, srcIp: '10.12.0.1', dstIp: '10.12.0.2', protocol: 1, icmpType: 0, icmpCode: 0 },
        { ...at, srcIp: '2001:db8:12::1', dstIp: '2001:db8:12::2', protocol: 58, icmpType: 128, icmpCode: 0 },
        { ...at, srcIp: '2001:db8:12::2', dstIp: '2001:db8:12::1', protocol: 58, icmpType: 129, icmpCode: 0 },
      ],
    },
  ];
}

/** The elements users filter on, and interface names announced in options data (IE 82/83). */
function routing(): ExportCase {
  const x = new Exporter(false, 5);
  const big = 2 ** 31 + 5;
  const names = x.optionsTemplate(
    400,
    [{ id: 10, length: 4 }],
    [varIe(82, Buffer.alloc(0)), varIe(83, Buffer.alloc(0))],
  );
  const nameRecords = [
    [ie(10, 4, 17), varIe(82, Buffer.from('xe-0/0/1')), varIe(83, Buffer.from('uplink to transit'))],
    [ie(10, 4, big), varIe(82, Buffer.from('ae0.100')), varIe(83, Buffer.from(''))],
  ];
  const rec = (i: number): Ie[] => [
    ie(8, 4, ip('198.51.100.10')),
    ie(12, 4, ip('203.0.113.20')),
    ie(7, 2, 3000 + i),
    ie(11, 2, 179),
    ie(4, 1, 6),
    ie(6, 1, 0x1b),
    ie(5, 1, 0xb8),
    ie(10, 4, i === 0 ? 17 : big),
    ie(14, 4, i === 0 ? big : 17),
    ie(252, 4, 1001),
    ie(253, 4, 2002 + i),
    ie(16, 4, 64500),
    ie(17, 4, 4200000000),
    ie(15, 4, ip('198.51.100.1')),
    ie(18, 4, ip('198.51.100.2')),
    ie(58, 2, 10),
    ie(59, 2, 20),
    ie(56, 6, mac('00:1b:21:3a:4f:5c')),
    ie(80, 6, mac('00:1b:21:3a:4f:5d')),
    ie(70, 3, uint((16004 << 4) | 1, 3)),
    ie(136, 1, i === 0 ? 1 : 3),
    ie(234, 4, 7),
    ie(235, 4, 4000000000),
    ...COMMON(T0 + i),
  ];
  const data = [rec(0), rec(1)];
  const payload = x.message([names, x.data(400, nameRecords), x.template(256, data[0] ?? []), x.data(256, data)]);
  const flows = [0, 1].map((i): Partial<FlowRecord> => ({
    ...commonFlow(T0 + i),
    srcIp: '198.51.100.10',
    dstIp: '203.0.113.20',
    srcPort: 3000 + i,
    dstPort: 179,
    protocol: 6,
    tcpFlags: 0x1b,
    tos: 0xb8,
    inputInterface: i === 0 ? 17 : big,
    outputInterface: i === 0 ? big : 17,
    inputInterfaceName: i === 0 ? 'xe-0/0/1' : 'ae0.100',
    outputInterfaceName: i === 0 ? 'ae0.100' : 'xe-0/0/1',
    inputPhysicalInterface: 1001,
    outputPhysicalInterface: 2002 + i,
    srcAs: 64500,
    dstAs: 4200000000,
    nextHop: '198.51.100.1',
    bgpNextHop: '198.51.100.2',
    vlan: 10,
    postVlan: 20,
    srcMac: '001b213a4f5c',
    dstMac: '001b213a4f5d',
    mplsLabel: 16004,
    endReason: i === 0 ? 'idle timeout' : 'end of flow',
    ingressVrf: 7,
    egressVrf: 4000000000,
  }));
  return { name: 'ipfix-routing-fields', pcap: capture([{ payload }]), flows };
}

/** sFlow v5: an agent other than the UDP source, internal (0x3FFFFFFF) interfaces, bytes after the datagram. */
function sflow(): ExportCase {
  const agent = '192.0.2.55';
  const frame = Buffer.concat([
    ethernet('00:aa:bb:cc:dd:01', '00:aa:bb:cc:dd:02', 0x0800, [{ tpid: 0x8100, vid: 7 }]),
    ipv4('10.20.0.1', '10.20.0.2', 6, 20 + 1000, 0x10),
    tcp(443, 50000, 0x10),
  ]);
  const frameLength = frame.length + 1000 + 4; // the frame as sampled: payload and FCS beyond the header
  const rawHeader = (): Buffer => {
    const pad = (4 - (frame.length % 4)) % 4;
    const body = Buffer.concat([
      uint(1, 4),
      uint(frameLength, 4),
      uint(4, 4),
      uint(frame.length, 4),
      frame,
      Buffer.alloc(pad),
    ]);
    return Buffer.concat([uint(1, 4), uint(body.length, 4), body]);
  };
  const gateway = (): Buffer => {
    const body = Buffer.concat([
      uint(1, 4),
      ip('10.20.0.254'),
      uint(65000, 4),
      uint(64496, 4),
      uint(64497, 4),
      uint(1, 4),
      uint(2, 4),
      uint(2, 4),
      uint(64497, 4),
      uint(64499, 4),
      uint(0, 4),
      uint(0, 4),
    ]);
    return Buffer.concat([uint(1003, 4), uint(body.length, 4), body]);
  };
  let sequence = 0;
  const compact = (input: number, output: number): Buffer => {
    const records = [rawHeader(), gateway()];
    const body = Buffer.concat([
      uint(++sequence, 4),
      uint(11, 4),
      uint(512, 4),
      uint(100, 4),
      uint(0, 4),
      uint(input, 4),
      uint(output, 4),
      uint(records.length, 4),
      ...records,
    ]);
    return Buffer.concat([uint(1, 4), uint(body.length, 4), body]);
  };
  const expanded = (input: number, output: number): Buffer => {
    const records = [rawHeader()];
    const body = Buffer.concat([
      uint(++sequence, 4),
      uint(0, 4),
      uint(11, 4),
      uint(1024, 4),
      uint(200, 4),
      uint(0, 4),
      uint(0, 4),
      uint(input, 4),
      uint(0, 4),
      uint(output, 4),
      uint(records.length, 4),
      ...records,
    ]);
    return Buffer.concat([uint(3, 4), uint(body.length, 4), body]);
  };
  const samples = [compact(0x3fffffff, 5), expanded(0x3fffffff, 9), compact(6, 0x3fffffff)];
  const datagram = Buffer.concat([
    uint(5, 4),
    uint(1, 4),
    ip(agent),
    uint(0, 4),
    uint(1, 4),
    uint(1_000_000, 4),
    uint(samples.length, 4),
    ...samples,
  ]);
  const flow = (
    rate: number,
    input: number | undefined,
    output: number | undefined,
    gatewayFields: boolean,
  ): Partial<FlowRecord> => ({
    start: T0 + 60_000,
    srcIp: '10.20.0.1',
    dstIp: '10.20.0.2',
    srcPort: 443,
    dstPort: 50000,
    protocol: 6,
    tcpFlags: 0x10,
    tos: 0x10,
    srcBytes: 20 + 20 + 1000,
    srcPackets: 1,
    samplingRate: rate,
    exporter: agent,
    sender: EXPORTER,
    ...(input !== undefined ? { inputInterface: input } : {}),
    ...(output !== undefined ? { outputInterface: output } : {}),
    vlan: 7,
    ...(gatewayFields ? { bgpNextHop: '10.20.0.254', srcAs: 64496, dstAs: 64499 } : {}),
  });
  return {
    name: 'sflow-internal-interfaces',
    pcap: capture([{ payload: datagram, trailer: Buffer.from('trailing bytes that are not sFlow') }]),
    flows: [flow(512, undefined, 5, true), flow(1024, undefined, 9, false), flow(512, 6, undefined, true)],
  };
}

/** Every case, in a stable order. */
export function exportCases(): ExportCase[] {
  return [
    dualStack(false),
    dualStack(true),
    samplers(false),
    samplers(true),
    packetSections(),
    ...icmpCases(),
    routing(),
    sflow(),
  ];
}
