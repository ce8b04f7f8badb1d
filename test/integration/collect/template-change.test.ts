import path from 'node:path';
import { testCluster } from '../../support/opensearch';
import { useStore } from '../../support/store';
import {
  indexTotals,
  sendDatagrams,
  settled,
  startCollector,
  sumTotals,
  tempDir,
  tupleKey,
  waitFor,
  type Totals,
} from './support';

/**
 * An exporter redefines a template id mid-stream (another field order and other field sizes), and
 * the collector restarts after the redefinition: every record must decode with the definition in
 * force when it was sent — the old one before, the new one after, the persisted new one after the
 * restart before the exporter repeats it. A record read with the wrong layout would index other
 * addresses, ports and counters, so per-5-tuple totals tell.
 */
const tc = testCluster(__filename);
const tmp = tempDir('collect-template-change');
useStore(tc, tmp);

const EXPORTER_DOMAIN = 7;
const TEMPLATE = 300;

interface Flow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  bytes: number;
  packets: number;
  start: number;
}

/** [IANA element id, length] in record order. */
type Layout = [number, number][];
const OLD: Layout = [
  [8, 4], // sourceIPv4Address
  [12, 4], // destinationIPv4Address
  [7, 2], // sourceTransportPort
  [11, 2], // destinationTransportPort
  [4, 1], // protocolIdentifier
  [1, 8], // octetDeltaCount
  [2, 8], // packetDeltaCount
  [152, 8], // flowStartMilliseconds
  [153, 8], // flowEndMilliseconds
];
/** Same elements, other order and narrower counters: 8 bytes shorter per record. */
const NEW: Layout = [
  [12, 4],
  [8, 4],
  [11, 2],
  [7, 2],
  [4, 1],
  [2, 4],
  [1, 4],
  [152, 8],
  [153, 8],
];

function put(b: Buffer, o: number, len: number, v: number): void {
  if (len === 8) b.writeBigUInt64BE(BigInt(v), o);
  else b.writeUIntBE(v, o, len);
}

function ip4(a: string): number {
  return a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
}

function record(layout: Layout, f: Flow): Buffer {
  const b = Buffer.alloc(layout.reduce((n, [, l]) => n + l, 0));
  let o = 0;
  const value: Record<number, number> = {
    8: ip4(f.src),
    12: ip4(f.dst),
    7: f.sport,
    11: f.dport,
    4: f.proto,
    1: f.bytes,
    2: f.packets,
    152: f.start,
    153: f.start + 1500,
  };
  for (const [id, len] of layout) {
    put(b, o, len, value[id] ?? 0);
    o += len;
  }
  return b;
}

function set(id: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

function templateSet(layout: Layout): Buffer {
  const b = Buffer.alloc(4 + layout.length * 4);
  b.writeUInt16BE(TEMPLATE, 0);
  b.writeUInt16BE(layout.length, 2);
  layout.forEach(([id, len], i) => {
    b.writeUInt16BE(id, 4 + i * 4);
    b.writeUInt16BE(len, 6 + i * 4);
  });
  return set(2, b);
}

/** IPFIX messages of one exporter (observation domain 7), numbering data records as RFC 7011 says. */
class Exporter {
  private sequence = 0;

  message(layout: Layout, flows: Flow[], withTemplate: boolean): Buffer {
    const sets = [
      ...(withTemplate ? [templateSet(layout)] : []),
      set(TEMPLATE, Buffer.concat(flows.map((f) => record(layout, f)))),
    ];
    const h = Buffer.alloc(16);
    const body = Buffer.concat(sets);
    h.writeUInt16BE(10, 0);
    h.writeUInt16BE(16 + body.length, 2);
    h.writeUInt32BE(Math.floor((flows[0]?.start ?? 0) / 1000) + 60, 4);
    h.writeUInt32BE(this.sequence, 8);
    h.writeUInt32BE(EXPORTER_DOMAIN, 12);
    this.sequence += flows.length;
    return Buffer.concat([h, body]);
  }
}

const T0 = Date.UTC(2024, 4, 2, 10);

function flows(n: number, seed: number): Flow[] {
  return Array.from({ length: n }, (_, i) => ({
    src: `10.${seed}.${(i >> 8) & 255}.${i & 255}`,
    dst: `192.0.2.${(i * 7 + seed) % 250}`,
    sport: 1024 + ((i * 13 + seed) % 60000),
    dport: [53, 80, 443, 22][i % 4] ?? 80,
    proto: i % 3 === 0 ? 17 : 6,
    bytes: 40 + i * 97 + seed,
    packets: 1 + (i % 50),
    start: T0 + seed * 60_000 + i * 10,
  }));
}

function expected(all: Flow[]): Map<string, Totals> {
  const m = new Map<string, Totals>();
  for (const f of all) {
    const k = tupleKey(f.src, f.dst, f.sport, f.dport, f.proto);
    const t = m.get(k) ?? { flows: 0, bytes: 0, packets: 0 };
    t.flows++;
    t.bytes += f.bytes;
    t.packets += f.packets;
    m.set(k, t);
  }
  return m;
}

/** Messages of 20 flows; the template goes with the first only when `announce`. */
function messages(exp: Exporter, layout: Layout, fs: Flow[], announce: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < fs.length; i += 20) out.push(exp.message(layout, fs.slice(i, i + 20), announce && i === 0));
  return out;
}

test('a template id redefined mid-stream, then a restart before the exporter repeats it: every record decodes with the definition in force, exact totals', async () => {
  const exp = new Exporter();
  const before = flows(400, 1);
  const after = flows(400, 2);
  const afterRestart = flows(400, 3);
  const spool = path.join(tmp, 'spool');
  const one = await startCollector(tc.client, tc.config, spool);
  const first = [...messages(exp, OLD, before, true), ...messages(exp, NEW, after, true)];
  await sendDatagrams(one.ports[0] ?? 0, first);
  await waitFor(
    'the first collector to index both definitions’ data',
    () => {
      const s = one.stats();
      return settled(s, first.length) && s.totals.flows + s.totals.bad_datagrams >= before.length + after.length;
    },
    60_000,
    () => one.stats(),
  );
  const s1 = one.stats();
  expect(s1.totals.bad_datagrams).toBe(0);
  expect(s1.totals.flows).toBe(before.length + after.length);
  expect(s1.exporters[0]?.sequence.lost).toBe(0);
  await one.stop();

  // The restarted collector knows only what was persisted: the redefined template.
  const two = await startCollector(tc.client, tc.config, spool);
  try {
    const rest = messages(exp, NEW, afterRestart, false);
    await sendDatagrams(two.ports[0] ?? 0, rest);
    await waitFor(
      'the restarted collector to index data sent without a template',
      () => {
        const s = two.stats();
        return settled(s, rest.length) && s.totals.flows + s.totals.bad_datagrams >= afterRestart.length;
      },
      60_000,
      () => two.stats(),
    );
    const s2 = two.stats();
    expect(s2.totals.bad_datagrams).toBe(0);
    expect(s2.totals.flows).toBe(afterRestart.length);
    expect(s2.totals.indexed + s2.totals.duplicates).toBe(afterRestart.length);
    expect(s2.exporters[0]?.held_sets).toBe(0);
  } finally {
    await two.stop();
  }
  const got = await indexTotals(tc.client, tc.prefix);
  const want = expected([...before, ...after, ...afterRestart]);
  expect(sumTotals(got)).toEqual(sumTotals(want));
  expect(got).toEqual(want);
});
