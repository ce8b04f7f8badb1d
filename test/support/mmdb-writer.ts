/**
 * A minimal MaxMind DB (MMDB v2) writer for test fixtures: an IPv6 tree (IPv4 networks under
 * ::/96, as MaxMind's own databases hold them), 32-bit records, and a data section of maps,
 * strings, doubles and unsigned integers. Spec: https://maxmind.github.io/MaxMind-DB/
 */
import { isIPv4 } from 'node:net';

export type MmdbValue = string | number | boolean | MmdbDouble | MmdbValue[] | { [key: string]: MmdbValue };

/** Forces an integer to be written as a double (coordinates that happen to be whole). */
export class MmdbDouble {
  constructor(readonly value: number) {}
}

function control(type: number, size: number): Buffer {
  const head: number[] = [];
  const ext: number[] = [];
  let sizeBits: number;
  if (size < 29) sizeBits = size;
  else if (size < 29 + 256) {
    sizeBits = 29;
    ext.push(size - 29);
  } else if (size < 285 + 65536) {
    sizeBits = 30;
    const n = size - 285;
    ext.push(n >> 8, n & 0xff);
  } else {
    sizeBits = 31;
    const n = size - 65821;
    ext.push((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.from([...head, ...ext]);
}

function uint(type: number, n: number): Buffer {
  const bytes: number[] = [];
  let v = BigInt(n);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

export function encodeValue(v: MmdbValue): Buffer {
  if (v instanceof MmdbDouble || (typeof v === 'number' && !Number.isInteger(v))) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v instanceof MmdbDouble ? v.value : v);
    return Buffer.concat([control(3, 8), b]);
  }
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([control(2, s.length), s]);
  }
  if (typeof v === 'boolean') return control(14, v ? 1 : 0);
  if (typeof v === 'number') {
    if (v < 0) throw new Error('negative integers are not needed by the fixtures');
    return uint(v <= 0xffff ? 5 : v <= 0xffffffff ? 6 : 9, v);
  }
  if (Array.isArray(v)) return Buffer.concat([control(11, v.length), ...v.map(encodeValue)]);
  const entries = Object.entries(v);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, x]) => [encodeValue(k), encodeValue(x)])]);
}

/** A network and its record; IPv4 or IPv6 CIDR. */
export interface MmdbEntry {
  network: string;
  data: { [key: string]: MmdbValue };
}

function bits(network: string): boolean[] {
  const [addr = '', len = ''] = network.split('/');
  const out: boolean[] = [];
  if (isIPv4(addr)) {
    for (let i = 0; i < 96; i++) out.push(false);
    for (const part of addr.split('.')) for (let b = 7; b >= 0; b--) out.push(((Number(part) >> b) & 1) === 1);
    return out.slice(0, 96 + Number(len || 32));
  }
  const [head = '', tail = ''] = addr.split('::');
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const t = words(tail);
  const all = addr.includes('::') ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  for (const w of all) for (let b = 15; b >= 0; b--) out.push(((w >> b) & 1) === 1);
  return out.slice(0, Number(len || 128));
}

interface Node {
  children: [Node | number | undefined, Node | number | undefined];
}

/** Builds an MMDB file holding the entries (more specific networks may sit inside larger ones). */
/** A city record the enrichment tests share: 81.2.69.0/24 in London. */
export const LONDON: MmdbEntry = {
  network: '81.2.69.0/24',
  data: {
    country: { iso_code: 'GB' },
    city: { names: { en: 'London' } },
    location: { latitude: 51.5142, longitude: -0.0931 },
  },
};

export function writeMmdb(entries: readonly MmdbEntry[], databaseType = 'flowdex-test'): Buffer {
  // Data section: each entry's record once; records are addressed by their offset.
  const records: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  for (const e of entries) {
    const b = encodeValue(e.data);
    offsets.push(size);
    records.push(b);
    size += b.length;
  }
  const root: Node = { children: [undefined, undefined] };
  // Larger networks first, so smaller ones split them afterwards.
  const order = entries.map((e, i) => ({ path: bits(e.network), i })).sort((a, b) => a.path.length - b.path.length);
  const DATA = (i: number) => -(i + 1); // placeholder for "data of entry i" until node numbers are known
  for (const { path, i } of order) {
    let node = root;
    for (let d = 0; d < path.length; d++) {
      const side = path[d] ? 1 : 0;
      if (d === path.length - 1) {
        node.children[side] = DATA(i);
        break;
      }
      let next = node.children[side];
      if (typeof next !== 'object') {
        // Splitting a shorter network: both halves keep its data.
        const inherited = next;
        next = { children: [inherited, inherited] };
        node.children[side] = next;
      }
      node = next;
    }
  }
  const nodes: Node[] = [];
  const number = new Map<Node, number>();
  const queue: Node[] = [root];
  while (queue.length > 0) {
    const n = queue.shift() as Node;
    number.set(n, nodes.length);
    nodes.push(n);
    for (const c of n.children) if (typeof c === 'object') queue.push(c);
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 8);
  nodes.forEach((n, k) => {
    n.children.forEach((c, side) => {
      let v: number;
      if (c === undefined) v = nodeCount;
      else if (typeof c === 'object') v = number.get(c) as number;
      else v = nodeCount + 16 + (offsets[-c - 1] as number);
      tree.writeUInt32BE(v, k * 8 + side * 4);
    });
  });
  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: 32,
    ip_version: 6,
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1700000000,
    description: { en: 'flowdex test fixture' },
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...records,
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from('MaxMind.com'),
    metadata,
  ]);
}
