import { hash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the 5-tuple that
 * is the same from both directions, so flows can be joined with Zeek, Suricata and others.
 */

// ICMP types that have a reply counterpart; those without one make the flow "one-way".
const ICMP4_PAIRS: Record<number, number> = {
  8: 0,
  0: 8,
  13: 14,
  14: 13,
  15: 16,
  16: 15,
  10: 9,
  9: 10,
  17: 18,
  18: 17,
};
const ICMP6_PAIRS: Record<number, number> = {
  128: 129,
  129: 128,
  133: 134,
  134: 133,
  135: 136,
  136: 135,
  130: 131,
  131: 130,
  144: 145,
  145: 144,
};

const PORTED = new Set([6, 17, 132, 1, 58]);

export function ipBytes(ip: string): Buffer | undefined {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  let addr = ip;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4 && v4[1]) {
    const b = v4[1].split('.').map(Number);
    addr =
      addr.slice(0, -v4[1].length) +
      `${(((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16)}:${(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = addr.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(fill).fill('0'), ...tailParts];
  const out = Buffer.alloc(16);
  parts.forEach((p, i) => out.writeUInt16BE(parseInt(p, 16) || 0, i * 2));
  return out;
}

/**
 * `ipBytes` of addresses seen recently (flows repeat the same hosts; parsing dominates the ID's
 * cost). Only `communityId` uses it, which never writes into the bytes. Starts over when full.
 */
const IP_BYTES = new Map<string, Buffer | undefined>();
const IP_BYTES_MAX = 65536;

function cachedIpBytes(ip: string): Buffer | undefined {
  if (IP_BYTES.has(ip)) return IP_BYTES.get(ip);
  const b = ipBytes(ip);
  if (IP_BYTES.size >= IP_BYTES_MAX) IP_BYTES.clear();
  IP_BYTES.set(ip, b);
  return b;
}

export function communityId(
  srcIp: string,
  dstIp: string,
  proto: number,
  srcPort = 0,
  dstPort = 0,
  seed = 0,
): string | undefined {
  const s = cachedIpBytes(srcIp);
  const d = cachedIpBytes(dstIp);
  if (!s || !d || s.length !== d.length) return undefined;
  const sport = srcPort;
  let dport = dstPort;
  let oneWay = false;
  if (proto === 1 || proto === 58) {
    const pairs = proto === 1 ? ICMP4_PAIRS : ICMP6_PAIRS;
    const reply = pairs[sport];
    if (reply === undefined) oneWay = true;
    else dport = reply;
  }
  let a = s,
    b = d,
    pa = sport,
    pb = dport;
  const cmp = Buffer.compare(s, d);
  const ordered = cmp < 0 || (cmp === 0 && sport <= dport);
  if (!oneWay && !ordered) {
    a = d;
    b = s;
    pa = dport;
    pb = sport;
  }
  const hasPorts = PORTED.has(proto);
  const buf = Buffer.alloc(2 + a.length * 2 + 2 + (hasPorts ? 4 : 0));
  let o = buf.writeUInt16BE(seed, 0);
  o += a.copy(buf, o);
  o += b.copy(buf, o);
  o = buf.writeUInt8(proto, o);
  o = buf.writeUInt8(0, o);
  if (hasPorts) {
    o = buf.writeUInt16BE(pa & 0xffff, o);
    buf.writeUInt16BE(pb & 0xffff, o);
  }
  return '1:' + hash('sha1', buf, 'base64');
}

/**
 * The stored stand-in for a Community ID: the top 53 bits of its hash as a signed integer (an
 * OpenSearch `long` that survives JSON in JavaScript exactly). A 28-character random string costs
 * ~90 bytes per flow on disk; this costs ~9, and the ID itself is recomputed from the 5-tuple on read.
 */
export function communityHash(id: string): number | undefined {
  const m = /^1:([A-Za-z0-9+/]{27}=)$/.exec(id.trim());
  if (!m || !m[1]) return undefined;
  return Number(Buffer.from(m[1], 'base64').readBigInt64BE(0) >> 11n);
}
