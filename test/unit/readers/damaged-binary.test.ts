import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlowdexError } from '../../../src/errors';
import { PcapWriter } from '../../../src/generate/pcap-writer';
import type { FlowRecord } from '../../../src/model/flow';
import { readFlows } from '../../../src/readers';
import { datagramReader } from '../../../src/readers/datagram';
import { pcapReader } from '../../../src/readers/pcap';
import type { FlowReader, ReadItem } from '../../../src/readers/types';

/**
 * Damaged binary input, each case built here byte by byte: one clear reject naming file@offset,
 * the good records around it still decoded, decoded + rejected = records put in, and no hang.
 */

const TIMEOUT = 10_000;
const T0 = Date.UTC(2024, 2, 1);
const EXPORTER = '192.0.2.10';

interface Result {
  flows: FlowRecord[];
  rejects: { message: string; file?: string; offset?: number }[];
}

async function drain(items: AsyncIterable<ReadItem>): Promise<Result> {
  const out: Result = { flows: [], rejects: [] };
  for await (const item of items) {
    if (item.kind === 'flow') out.flows.push(item.record);
    else
      out.rejects.push({
        message: item.error.message,
        file: item.error.context.file,
        offset: item.error.context.offset,
      });
  }
  return out;
}

/** Fed in 100-byte chunks so frames and datagrams straddle chunk boundaries. */
function decode(reader: FlowReader, buf: Buffer, name = 'bad.pcap'): Promise<Result> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += 100) yield buf.subarray(i, i + 100);
  }
  return drain(reader.read({ name, chunks: chunks(), mtimeMs: T0 }, {}));
}

// ---- byte builders --------------------------------------------------------------------------

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const ip = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

/** Record i of every case: distinct addresses and counters, so a decoded flow names its origin. */
const src = (i: number): string => `10.0.0.${i}`;
const dst = (i: number): string => `10.9.9.${i}`;
const bytesOf = (i: number): number => 1000 + i;

function v5(records: number[], count = records.length): Buffer {
  const head = Buffer.concat([u16(5), u16(count), u32(3_600_000), u32(T0 / 1000), u32(0), u32(0), Buffer.alloc(4)]);
  const recs = records.map((i) => {
    const r = Buffer.alloc(48);
    ip(src(i)).copy(r, 0);
    ip(dst(i)).copy(r, 4);
    r.writeUInt32BE(1, 16);
    r.writeUInt32BE(bytesOf(i), 20);
    r.writeUInt32BE(3_500_000, 24);
    r.writeUInt32BE(3_500_000, 28);
    r.writeUInt16BE(40000 + i, 32);
    r.writeUInt16BE(443, 34);
    r[38] = 6;
    return r;
  });
  return Buffer.concat([head, ...recs]);
}

type Layout = [id: number, length: number][];
const LAYOUT_A: Layout = [
  [8, 4],
  [12, 4],
  [1, 4],
  [2, 4],
  [4, 1],
];
/** The same elements in another order: data decoded with the wrong layout would swap addresses. */
const LAYOUT_B: Layout = [
  [12, 4],
  [8, 4],
  [4, 1],
  [1, 4],
  [2, 4],
];

function fieldValue(id: number, i: number): Buffer {
  switch (id) {
    case 8:
      return ip(src(i));
    case 12:
      return ip(dst(i));
    case 1:
      return u32(bytesOf(i));
    case 2:
      return u32(1);
    case 4:
      return Buffer.from([17]);
    default:
      return Buffer.alloc(0);
  }
}

const records = (layout: Layout, ids: number[]): Buffer =>
  Buffer.concat(ids.flatMap((i) => layout.map(([id, len]) => fieldValue(id, i).subarray(0, len))));
const set = (id: number, body: Buffer, length = body.length + 4): Buffer => Buffer.concat([u16(id), u16(length), body]);
const templateSet = (setId: number, id: number, layout: Layout): Buffer =>
  set(
    setId,
    Buffer.concat([u16(id), u16(layout.length), ...layout.map(([f, len]) => Buffer.concat([u16(f), u16(len)]))]),
  );

/** v9 and IPFIX differ here only in headers and set ids; the cases run on both. */
interface Flavor {
  name: string;
  templateSetId: number;
  message(sets: Buffer[], domain?: number, length?: number): Buffer;
  /** How the no-template reject names the scope. */
  domainWord: string;
}

const V9: Flavor = {
  name: 'netflow-v9',
  templateSetId: 0,
  message: (sets, domain = 7) =>
    Buffer.concat([u16(9), u16(sets.length), u32(3_600_000), u32(T0 / 1000), u32(0), u32(domain), ...sets]),
  domainWord: 'source id',
};

const IPFIX: Flavor = {
  name: 'ipfix',
  templateSetId: 2,
  message: (sets, domain = 7, length) => {
    const body = Buffer.concat(sets);
    return Buffer.concat([u16(10), u16(length ?? 16 + body.length), u32(T0 / 1000), u32(0), u32(domain), body]);
  },
  domainWord: 'observation domain',
};

const headerLength = (f: Flavor): number => (f === V9 ? 20 : 16);

function pcapOf(payloads: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const w = new PcapWriter(EXPORTER, (c) => void parts.push(Buffer.from(c)));
  for (const p of payloads) w.write(p, T0);
  w.flush();
  return Buffer.concat(parts);
}

/** 24-byte file header; per frame a 16-byte record header, then Ethernet 14 + IPv4 20 + UDP 8. */
const FRAME_OVERHEAD = 16 + 14 + 20 + 8;
function payloadAt(payloads: Buffer[], i: number): number {
  let o = 24;
  for (let j = 0; j < i; j++) o += FRAME_OVERHEAD + (payloads[j]?.length ?? 0);
  return o + FRAME_OVERHEAD;
}
const frameAt = (payloads: Buffer[], i: number): number => payloadAt(payloads, i) - FRAME_OVERHEAD;

function sortedSources(r: Result): string[] {
  return r.flows.map((f) => f.srcIp ?? '').sort();
}
const sourcesOf = (ids: number[]): string[] => ids.map(src).sort();

// ---- capture framing -------------------------------------------------------------------------

describe('damaged captures', () => {
  test(
    'content that is no known format is refused as unknown, at offset 0',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'flowdex-bad-'));
      const file = path.join(dir, 'noise.bin');
      // Neither pcap/pcapng magic nor a NetFlow/IPFIX/sFlow version, and not text either.
      writeFileSync(file, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7]));
      try {
        await expect(drain(readFlows(file))).rejects.toMatchObject({
          code: 'INPUT_UNKNOWN_FORMAT',
          context: { file, offset: 0 },
        });
        await expect(drain(readFlows(file))).rejects.toThrow(/cannot tell the format/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );

  test(
    'forced --format pcap on a wrong magic: one reject at 0',
    async () => {
      const got = await decode(pcapReader, Buffer.concat([u32(0x01020304), Buffer.alloc(60)]));
      expect(got.flows).toHaveLength(0);
      expect(got.rejects).toEqual([
        { file: 'bad.pcap', offset: 0, message: expect.stringMatching(/not a pcap file \(magic 0x1020304\)/) },
      ]);
    },
    TIMEOUT,
  );

  test(
    'forced --format datagram on an unknown version: one reject at 0',
    async () => {
      const got = await decode(datagramReader, Buffer.concat([u16(7), Buffer.alloc(40)]), 'bad.dat');
      expect(got).toEqual({
        flows: [],
        rejects: [{ file: 'bad.dat', offset: 0, message: expect.stringMatching(/unknown version field/) }],
      });
    },
    TIMEOUT,
  );

  test(
    'truncated pcap global header',
    async () => {
      const whole = pcapOf([v5([1])]);
      const got = await decode(pcapReader, whole.subarray(0, 20));
      expect(got).toEqual({
        flows: [],
        rejects: [{ file: 'bad.pcap', offset: 0, message: 'pcap global header truncated' }],
      });
    },
    TIMEOUT,
  );

  test(
    'truncated record header after good frames: every record decoded, one reject at the cut header',
    async () => {
      const payloads = [v5([1, 2]), v5([3])];
      const whole = pcapOf(payloads);
      const got = await decode(pcapReader, Buffer.concat([whole, Buffer.alloc(10, 0x11)]));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 3]));
      expect(got.rejects).toEqual([
        { file: 'bad.pcap', offset: whole.length, message: 'truncated frame header (10 of 16 bytes)' },
      ]);
    },
    TIMEOUT,
  );

  test(
    'captured length runs past the end of file: records before decode, the cut frame is one reject',
    async () => {
      const payloads = [v5([1, 2]), v5([3, 4, 5]), v5([6])];
      const whole = pcapOf(payloads);
      const got = await decode(pcapReader, whole.subarray(0, whole.length - 5));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 3, 4, 5]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: frameAt(payloads, 2),
          message: expect.stringMatching(/truncated frame: header says \d+ bytes/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(6);
    },
    TIMEOUT,
  );

  test(
    'UDP datagram cut by the snap length: its whole records decode, the cut one is one reject',
    async () => {
      const payloads = [v5([1]), v5([2, 3, 4]), v5([5])];
      const whole = pcapOf(payloads);
      // Shorten frame 1's captured length by 20 bytes (inside record 4); IP and UDP still declare the full size.
      const frame = frameAt(payloads, 1);
      const incl = whole.readUInt32LE(frame + 8);
      const head = Buffer.from(whole.subarray(0, frame + 16));
      head.writeUInt32LE(incl - 20, frame + 8);
      const rest = frame + 16 + incl;
      const cut = Buffer.concat([head, whole.subarray(frame + 16, rest - 20), whole.subarray(rest)]);
      const got = await decode(pcapReader, cut);
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 3, 5]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 1) + 24 + 2 * 48,
          message: expect.stringMatching(/counts 3 records but the datagram holds 2/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(5);
    },
    TIMEOUT,
  );
});

// ---- pcapng ----------------------------------------------------------------------------------

const le32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const SHB = Buffer.concat([
  le32(0x0a0d0d0a),
  le32(28),
  le32(0x1a2b3c4d),
  Buffer.from([1, 0, 0, 0]),
  Buffer.alloc(8, 0xff),
  le32(28),
]);
const IDB = Buffer.concat([le32(1), le32(20), Buffer.from([1, 0, 0, 0]), le32(65535), le32(20)]);

/** The Ethernet frames PcapWriter builds, re-framed as enhanced packet blocks. */
function ethernetFrames(payloads: Buffer[]): Buffer[] {
  const pcap = pcapOf(payloads);
  return payloads.map((_, i) => {
    const at = frameAt(payloads, i);
    return pcap.subarray(at + 16, at + 16 + pcap.readUInt32LE(at + 8));
  });
}

function epb(frame: Buffer, iface = 0, length?: number): Buffer {
  const padded = Buffer.concat([frame, Buffer.alloc((4 - (frame.length % 4)) % 4)]);
  const total = 32 + padded.length;
  return Buffer.concat([
    le32(6),
    le32(length ?? total),
    le32(iface),
    le32(0),
    le32(0),
    le32(frame.length),
    le32(frame.length),
    padded,
    le32(total),
  ]);
}

describe('damaged pcapng', () => {
  test(
    'a packet block naming an undescribed interface is one reject; blocks around it decode',
    async () => {
      const [a, b, c] = ethernetFrames([v5([1]), v5([2]), v5([3])]);
      const blocks = [SHB, IDB, epb(a!), epb(b!, 3), epb(c!)];
      const got = await decode(pcapReader, Buffer.concat(blocks), 'bad.pcapng');
      expect(sortedSources(got)).toEqual(sourcesOf([1, 3]));
      const at = SHB.length + IDB.length + blocks[2]!.length;
      expect(got.rejects).toEqual([
        { file: 'bad.pcapng', offset: at, message: 'packet block names interface 3, which was never described' },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(3);
    },
    TIMEOUT,
  );

  test(
    'a block length that is no multiple of 4 ends the file with one reject after the good blocks',
    async () => {
      const [a, b] = ethernetFrames([v5([1, 2]), v5([3])]);
      const blocks = [SHB, IDB, epb(a!), epb(b!, 0, 33)];
      const got = await decode(pcapReader, Buffer.concat(blocks), 'bad.pcapng');
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcapng',
          offset: SHB.length + IDB.length + blocks[2]!.length,
          message: 'pcapng block length 33 is invalid; rest of file skipped',
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(3);
    },
    TIMEOUT,
  );

  test(
    'a block cut by the end of file is one reject',
    async () => {
      const [a, b] = ethernetFrames([v5([1]), v5([2])]);
      const whole = Buffer.concat([SHB, IDB, epb(a!), epb(b!)]);
      const got = await decode(pcapReader, whole.subarray(0, whole.length - 6), 'bad.pcapng');
      expect(sortedSources(got)).toEqual(sourcesOf([1]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcapng',
          offset: whole.length - epb(b!).length,
          message: expect.stringMatching(/truncated pcapng block/),
        },
      ]);
    },
    TIMEOUT,
  );
});

// ---- NetFlow v5 ----------------------------------------------------------------------------

describe('NetFlow v5 count that lies', () => {
  test(
    'count larger than the records present: present ones decode, one reject where the missing one should start',
    async () => {
      const payloads = [v5([1]), v5([2, 3], 3), v5([4])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 3, 4]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 1) + 24 + 2 * 48,
          message: expect.stringMatching(/counts 3 records but the datagram holds 2/),
        },
      ]);
    },
    TIMEOUT,
  );

  test(
    'count smaller than the records present: the extra record is one reject, not silently dropped',
    async () => {
      const payloads = [v5([1, 2, 3], 2), v5([4])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 4]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + 24 + 2 * 48,
          message: expect.stringMatching(/holds 3 records but its header counts 2/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(4);
    },
    TIMEOUT,
  );
});

// ---- NetFlow v9 and IPFIX --------------------------------------------------------------------

describe.each([V9, IPFIX])('$name sets', (f) => {
  const tpl = (id: number, layout: Layout): Buffer => templateSet(f.templateSetId, id, layout);
  const H = headerLength(f);

  test(
    'a set length that lies: sets before decode, the lying set is one reject, the next datagram decodes',
    async () => {
      const t = tpl(256, LAYOUT_A);
      const good = set(256, records(LAYOUT_A, [1, 2]));
      const lying = set(256, records(LAYOUT_A, [3]), 400);
      const payloads = [f.message([t, good, lying]), f.message([set(256, records(LAYOUT_A, [4]))])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 4]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + H + t.length + good.length,
          message: expect.stringMatching(/set 256 claims 400 bytes/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(4);
    },
    TIMEOUT,
  );

  test(
    'a zero-length field in a template is skipped; records decode around it',
    async () => {
      const layout: Layout = [
        [8, 4],
        [96, 0],
        [12, 4],
        [1, 4],
        [2, 4],
        [4, 1],
      ];
      const payloads = [f.message([tpl(256, layout), set(256, records(layout, [1, 2, 3]))])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(got.rejects).toEqual([]);
      expect(got.flows.map((r) => [r.srcIp, r.dstIp, r.srcBytes])).toEqual(
        [1, 2, 3].map((i) => [src(i), dst(i), bytesOf(i)]),
      );
    },
    TIMEOUT,
  );

  test(
    'a template of only zero-length fields: its data set is one reject, other sets decode',
    async () => {
      const empty = tpl(300, [[96, 0]]);
      const t = tpl(256, LAYOUT_A);
      const bad = set(300, Buffer.alloc(8, 0x55));
      const payloads = [f.message([empty, t, bad, set(256, records(LAYOUT_A, [1]))])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + H + empty.length + t.length + 4,
          message: expect.stringMatching(/template 300 describes empty records/),
        },
      ]);
    },
    TIMEOUT,
  );

  test(
    'zero padding after the last set and inside a data set is not an error',
    async () => {
      const data = set(256, Buffer.concat([records(LAYOUT_A, [1, 2]), Buffer.alloc(3)]));
      const payloads = [f.message([tpl(256, LAYOUT_A), data, Buffer.alloc(8)])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(got.rejects).toEqual([]);
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2]));
    },
    TIMEOUT,
  );

  test(
    'a template redefined mid-stream: later data decodes with the new layout',
    async () => {
      const payloads = [
        f.message([tpl(256, LAYOUT_A), set(256, records(LAYOUT_A, [1, 2]))]),
        f.message([tpl(256, LAYOUT_B), set(256, records(LAYOUT_B, [3]))]),
        f.message([set(256, records(LAYOUT_B, [4]))]),
      ];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(got.rejects).toEqual([]);
      expect(got.flows.map((r) => [r.srcIp, r.dstIp, r.srcBytes, r.protocol])).toEqual(
        [1, 2, 3, 4].map((i) => [src(i), dst(i), bytesOf(i), 17]),
      );
    },
    TIMEOUT,
  );

  test(
    'data whose template never arrives: one reject at the end naming exporter, domain and template',
    async () => {
      const t = tpl(256, LAYOUT_A);
      const orphanFirst = set(999, Buffer.alloc(20, 0x42));
      const payloads = [
        f.message([t, set(256, records(LAYOUT_A, [1]))], 7),
        f.message([orphanFirst, set(256, records(LAYOUT_A, [2]))], 7),
      ];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 1) + H + 4,
          message: `no template 999 for exporter ${EXPORTER} ${f.domainWord} 7; data set undecodable`,
        },
      ]);
    },
    TIMEOUT,
  );
});

describe('IPFIX message length that lies', () => {
  test(
    'shorter than the datagram: the sets outside the message are one reject',
    async () => {
      const t = templateSet(2, 256, LAYOUT_A);
      const inside = set(256, records(LAYOUT_A, [1, 2]));
      const outside = set(256, records(LAYOUT_A, [3]));
      const msg = IPFIX.message([t, inside, outside], 7, 16 + t.length + inside.length);
      const payloads = [msg, IPFIX.message([set(256, records(LAYOUT_A, [4]))])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 4]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + 16 + t.length + inside.length,
          message: expect.stringMatching(/after the IPFIX message are not another message/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(4);
    },
    TIMEOUT,
  );

  test(
    'longer than the datagram (a set lost): sets present decode, one reject at the length field',
    async () => {
      const t = templateSet(2, 256, LAYOUT_A);
      const present = set(256, records(LAYOUT_A, [1, 2]));
      const lost = set(256, records(LAYOUT_A, [3]));
      const msg = IPFIX.message([t, present], 7, 16 + t.length + present.length + lost.length);
      const payloads = [msg, IPFIX.message([set(256, records(LAYOUT_A, [4]))])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2, 4]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + 2,
          message: expect.stringMatching(/IPFIX message length \d+ disagrees with the \d+ bytes present/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(4);
    },
    TIMEOUT,
  );
});

describe('IPFIX message cut short inside a set', () => {
  test(
    'whole records before the cut decode, the cut record is one reject where the bytes end',
    async () => {
      const t = templateSet(2, 256, LAYOUT_A);
      const msg = IPFIX.message([t, set(256, records(LAYOUT_A, [1, 2, 3]))]);
      // Cut 5 bytes into record 3 (17 bytes per LAYOUT_A record).
      const cutAt = 16 + t.length + 4 + 2 * 17 + 5;
      const got = await decode(datagramReader, msg.subarray(0, cutAt), 'cut.dat');
      expect(sortedSources(got)).toEqual(sourcesOf([1, 2]));
      expect(got.rejects).toEqual([
        {
          file: 'cut.dat',
          offset: cutAt,
          message: expect.stringMatching(
            /IPFIX message cut short: \d+ of its \d+ bytes present, set 256 lacks its last 12/,
          ),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(3);
    },
    TIMEOUT,
  );
});

// ---- sFlow -----------------------------------------------------------------------------------

function sflowSample(i: number, length?: number): Buffer {
  const rec = Buffer.concat([
    u32(3),
    u32(32),
    u32(100),
    u32(17),
    ip(src(i)),
    ip(dst(i)),
    u32(5000 + i),
    u32(53),
    u32(0),
    u32(0),
  ]);
  const body = Buffer.concat([u32(i), u32(1), u32(64), u32(0), u32(0), u32(1), u32(2), u32(1), rec]);
  return Buffer.concat([u32(1), u32(length ?? body.length), body]);
}
const sflow = (samples: Buffer[]): Buffer =>
  Buffer.concat([u32(5), u32(1), ip('192.0.2.1'), u32(0), u32(1), u32(1000), u32(samples.length), ...samples]);

describe('sFlow', () => {
  test(
    'a sample with a bogus length: samples before and the next datagram decode, one reject at the sample',
    async () => {
      const first = sflowSample(1);
      const payloads = [sflow([first, sflowSample(2, 5000)]), sflow([sflowSample(3)])];
      const got = await decode(pcapReader, pcapOf(payloads));
      expect(sortedSources(got)).toEqual(sourcesOf([1, 3]));
      expect(got.rejects).toEqual([
        {
          file: 'bad.pcap',
          offset: payloadAt(payloads, 0) + 28 + first.length,
          message: expect.stringMatching(/sample 2 claims 5000 bytes/),
        },
      ]);
      expect(got.flows.length + got.rejects.length).toBe(3);
    },
    TIMEOUT,
  );
});

test('FlowdexError describes file@offset', () => {
  expect(new FlowdexError('INPUT_BAD_RECORD', 'x', { file: 'a.pcap', offset: 42 }).describe()).toContain('a.pcap@42');
});
