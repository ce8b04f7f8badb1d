import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PcapWriter } from '../../../src/generate/pcap-writer';
import type { FlowRecord } from '../../../src/model/flow';
import { normalize } from '../../../src/model/normalize';
import { DecoderSession, ExportDecoder } from '../../../src/readers/export-decoder';
import { TemplateCache } from '../../../src/readers/netflow/templates';
import type { ReadItem } from '../../../src/readers/types';
import { describeWithData, SHARED_DATA } from './shared-data';
import { haveCommand } from '../../support/commands';

/**
 * sFlow counter samples teach flowdex interface speeds (generic interface counters) and names
 * (port name counters), which go on the flows of those interfaces. Real datagrams are checked
 * against tshark's dissection of the same bytes; built ones cover what the captures lack.
 */

const TELEGRAF = path.join(SHARED_DATA, 'datagrams/telegraf');
const CAPTURE_MS = Date.UTC(2024, 0, 1);

function decodeAll(datagrams: Buffer[], decoder = new ExportDecoder()): ReadItem[] {
  return [
    ...datagrams.flatMap((d, i) => decoder.decode(d, { file: `d${i}`, base: 0, captureMs: CAPTURE_MS })),
    ...decoder.finish(),
  ];
}

const flowsOf = (items: ReadItem[]): FlowRecord[] => items.flatMap((i) => (i.kind === 'flow' ? [i.record] : []));

/** ifIndex → ifSpeed of every generic interface counter record, as tshark dissects the datagrams. */
function tsharkSpeeds(datagrams: Buffer[]): Map<number, number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowdex-sflow-'));
  try {
    const chunks: Buffer[] = [];
    const w = new PcapWriter('192.0.2.1', (c) => chunks.push(c));
    for (const d of datagrams) w.write(d, CAPTURE_MS);
    w.flush();
    const file = path.join(dir, 'sflow.pcap');
    writeFileSync(file, Buffer.concat(chunks));
    const out = execFileSync('tshark', [
      '-r',
      file,
      '-d',
      'udp.port==2055,sflow',
      '-T',
      'fields',
      '-e',
      'sflow_245.ifindex',
      '-e',
      'sflow_245.ifspeed',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=;',
    ]).toString();
    const speeds = new Map<number, number>();
    for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
      const [indices = '', values = ''] = line.split('\t');
      const ifs = indices.split(';').filter((x) => x !== '');
      const bps = values.split(';');
      ifs.forEach((ifIndex, k) => speeds.set(Number(ifIndex), Number(bps[k])));
    }
    return speeds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithData('sFlow counter samples against tshark', () => {
  const cases = readdirSync(TELEGRAF).filter((c) => c.startsWith('sflow'));
  const datagramsOf = (c: string) =>
    readdirSync(path.join(TELEGRAF, c))
      .filter((f) => f.endsWith('.bin'))
      .sort()
      .map((f) => readFileSync(path.join(TELEGRAF, c, f)));
  const run = haveCommand('tshark', '-v') ? it : it.skip;

  run('gives every flow on an interface tshark reports a speed for that speed, and no other flow one', () => {
    let withSpeed = 0;
    let counted = 0;
    for (const c of cases) {
      const datagrams = datagramsOf(c);
      const speeds = tsharkSpeeds(datagrams);
      counted += speeds.size;
      for (const f of flowsOf(decodeAll(datagrams))) {
        const want = (ifIndex: number | undefined) => (ifIndex === undefined ? undefined : speeds.get(ifIndex));
        expect([c, f.inputInterfaceSpeed, f.outputInterfaceSpeed]).toEqual([
          c,
          want(f.inputInterface),
          want(f.outputInterface),
        ]);
        if (f.inputInterfaceSpeed !== undefined || f.outputInterfaceSpeed !== undefined) withSpeed++;
      }
    }
    // tshark dissects two of the three counter samples: it does not know the port name record
    // (format 1005) of sflow_v5_example and loses its place in the generic counters after it.
    expect(counted).toBe(2);
    expect(withSpeed).toBe(2);
  });

  it('learns the name and speed of the sample tshark cannot dissect (port name "eno1", 1 Gb/s)', () => {
    const session = new DecoderSession();
    decodeAll(datagramsOf('sflow_v5_example'), new ExportDecoder({ session }));
    const snap = session.templates.snapshot();
    expect(snap.interfaceNames).toEqual([['192.168.119.184|sflow#3', 'eno1']]);
    expect(snap.interfaceSpeeds).toEqual([['192.168.119.184|sflow#3', 1_000_000_000]]);
  });

  it('stores the speeds on the flow document', () => {
    const flows = flowsOf(decodeAll(datagramsOf('sflow_issue_15918')));
    const docs = flows.map((f) => normalize(f).doc.flow.interface_speed);
    expect(docs.filter((s) => s !== undefined)).toEqual([{ ingress: 1_000_000_000 }, { egress: 1_000_000_000 }]);
  });
});

/* Datagrams built here: what the captures lack (port names, learning across datagrams, damage). */

function xdrString(s: string): Buffer {
  const bytes = Buffer.from(s);
  const out = Buffer.alloc(4 + Math.ceil(bytes.length / 4) * 4);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

function record(tag: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(tag, 0);
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Generic interface counters (format 1): ifIndex, ifType, ifSpeed, then counters left zero. */
function genericCounters(ifIndex: number, speed: bigint): Buffer {
  const b = Buffer.alloc(88);
  b.writeUInt32BE(ifIndex, 0);
  b.writeUInt32BE(6, 4);
  b.writeBigUInt64BE(speed, 8);
  return record(1, b);
}

/** An expanded counter sample (format 4) of data source ifIndex `source`. */
function counterSample(source: number, records: Buffer[]): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.writeUInt32BE(0, 4);
  head.writeUInt32BE(source, 8);
  head.writeUInt32BE(records.length, 12);
  return record(4, Buffer.concat([head, ...records]));
}

/** A flow sample (format 1) of one IPv4/UDP packet from `input` to `output`. */
function flowSample(input: number, output: number): Buffer {
  const fixed = Buffer.alloc(32);
  fixed.writeUInt32BE(1, 0); // sequence
  fixed.writeUInt32BE(input, 4); // source id
  fixed.writeUInt32BE(100, 8); // sampling rate
  fixed.writeUInt32BE(1000, 12); // sample pool
  fixed.writeUInt32BE(input, 20);
  fixed.writeUInt32BE(output, 24);
  fixed.writeUInt32BE(1, 28); // records
  const ip = Buffer.alloc(28);
  ip[0] = 0x45;
  ip.writeUInt16BE(200, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from([10, 0, 0, 1]).copy(ip, 12);
  Buffer.from([10, 0, 0, 2]).copy(ip, 16);
  ip.writeUInt16BE(5000, 20);
  ip.writeUInt16BE(53, 22);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(11, 0); // header protocol: IPv4
  header.writeUInt32BE(200, 4); // frame length
  header.writeUInt32BE(0, 8); // stripped
  header.writeUInt32BE(ip.length, 12);
  return record(1, Buffer.concat([fixed, record(1, Buffer.concat([header, ip]))]));
}

function datagram(samples: Buffer[]): Buffer {
  const head = Buffer.alloc(28);
  head.writeUInt32BE(5, 0);
  head.writeUInt32BE(1, 4);
  Buffer.from([192, 0, 2, 9]).copy(head, 8);
  head.writeUInt32BE(samples.length, 24);
  return Buffer.concat([head, ...samples]);
}

describe('sFlow interface facts from built counter samples', () => {
  const counters = counterSample(7, [genericCounters(7, 10_000_000_000n), record(1005, xdrString('xe-0/0/7'))]);

  it('names an interface from its port name record and carries what it learned to later datagrams', () => {
    const flows = flowsOf(decodeAll([datagram([flowSample(7, 8), counters]), datagram([flowSample(9, 7)])]));
    expect(flows.map((f) => [f.inputInterfaceName, f.inputInterfaceSpeed, f.outputInterfaceName])).toEqual([
      ['xe-0/0/7', 10_000_000_000, undefined],
      [undefined, undefined, 'xe-0/0/7'],
    ]);
    expect(flows[1]?.outputInterfaceSpeed).toBe(10_000_000_000);
  });

  it('keeps learning per agent: another agent with the same ifIndex learns nothing', () => {
    const other = datagram([flowSample(7, 8)]);
    other.set([192, 0, 2, 10], 8);
    const flows = flowsOf(decodeAll([datagram([counters]), other]));
    expect(flows.map((f) => [f.exporter, f.inputInterfaceSpeed])).toEqual([['192.0.2.10', undefined]]);
  });

  it('ignores a speed of 0 (unknown)', () => {
    const unknown = counterSample(7, [genericCounters(7, 0n)]);
    const flows = flowsOf(decodeAll([datagram([unknown, flowSample(7, 8)])]));
    expect(flows[0]?.inputInterfaceSpeed).toBeUndefined();
  });

  it('rejects a damaged counter sample with its offset and still decodes the flows beside it', () => {
    const damaged = Buffer.from(counters);
    damaged.writeUInt32BE(9, 8 + 12); // counts 9 records, holds 2
    const items = decodeAll([datagram([damaged, flowSample(7, 8)])]);
    const rejects = items.flatMap((i) => (i.kind === 'reject' ? [i.error.describe()] : []));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatch(/counter sample counts 9 records but ends after 2/);
    // Where: the datagram's file and the offset of the record header that ran out.
    expect(rejects[0]).toMatch(/^d0@168: /);
    // What the sample said before the damage is still learned.
    expect(flowsOf(items).map((f) => f.inputInterfaceSpeed)).toEqual([10_000_000_000]);
  });

  it('keeps learned speeds across a snapshot, and reads snapshots written before speeds existed', () => {
    const session = new DecoderSession();
    const cache = session.templates;
    decodeAll([datagram([counters])], new ExportDecoder({ session }));
    const restored = new TemplateCache();
    restored.restore(cache.snapshot());
    const r: FlowRecord = { format: 'sflow', inputInterface: 7 } as FlowRecord;
    restored.describeInterfaces(r, '192.0.2.9|sflow');
    expect([r.inputInterfaceName, r.inputInterfaceSpeed]).toEqual(['xe-0/0/7', 10_000_000_000]);
    const { interfaceSpeeds: _, ...older } = cache.snapshot();
    expect(() => new TemplateCache().restore(older)).not.toThrow();
  });
});
