import { SequenceTracker, sequencePoint } from '../../../src/collect/sequence';

function v5(sequence: number, count: number, uptime = 10_000, engine = 0): Buffer {
  const b = Buffer.alloc(24 + count * 48);
  b.writeUInt16BE(5, 0);
  b.writeUInt16BE(count, 2);
  b.writeUInt32BE(uptime, 4);
  b.writeUInt32BE(sequence, 16);
  b[21] = engine;
  return b;
}

describe('sequencePoint', () => {
  test('NetFlow v5 counts flows per engine', () => {
    expect(sequencePoint(v5(120, 30, 5000, 2), 'netflow-v5')).toEqual({
      stream: 'v5/0.2',
      sequence: 120,
      units: 30,
      uptimeMs: 5000,
    });
  });
  test('IPFIX numbers data records per observation domain, counted after decoding', () => {
    const b = Buffer.alloc(16);
    b.writeUInt16BE(10, 0);
    b.writeUInt32BE(77, 8);
    b.writeUInt32BE(3, 12);
    expect(sequencePoint(b, 'ipfix')).toEqual({ stream: 'ipfix/3', sequence: 77 });
  });
  test('sFlow numbers datagrams per agent and sub-agent', () => {
    const b = Buffer.alloc(28);
    b.writeUInt32BE(5, 0);
    b.writeUInt32BE(1, 4);
    b.set([10, 0, 0, 1], 8);
    b.writeUInt32BE(7, 12);
    b.writeUInt32BE(900, 16);
    expect(sequencePoint(b, 'sflow')).toMatchObject({ stream: 'sflow/10.0.0.1/7', sequence: 900, units: 1 });
  });
  test('too short for its header: no point', () => {
    expect(sequencePoint(Buffer.alloc(10), 'netflow-v9')).toBeUndefined();
  });
});

describe('SequenceTracker', () => {
  test('contiguous: nothing lost', () => {
    const t = new SequenceTracker();
    for (let s = 0; s < 300; s += 30) t.see(s, 30);
    expect(t.counts()).toEqual({ lost: 0, reordered: 0, resets: 0 });
  });
  test('a gap is the units never seen', () => {
    const t = new SequenceTracker();
    t.see(0, 30);
    t.see(60, 30);
    expect(t.counts().lost).toBe(30);
  });
  test('a late datagram fills its gap and counts as reordered', () => {
    const t = new SequenceTracker();
    t.see(0, 1);
    t.see(2, 1);
    t.see(1, 1);
    expect(t.counts()).toEqual({ lost: 0, reordered: 1, resets: 0 });
  });
  test('wrapping past 2^32 is not a reset', () => {
    const t = new SequenceTracker();
    t.see(4294967290, 6);
    t.see(0, 6);
    expect(t.counts()).toEqual({ lost: 0, reordered: 0, resets: 0 });
  });
  test('an exporter reboot (uptime back, sequence back) is a reset, and the old epoch keeps its losses', () => {
    const t = new SequenceTracker();
    t.see(0, 30, 50_000);
    t.see(90, 30, 51_000);
    t.see(0, 30, 200);
    t.see(30, 30, 1200);
    expect(t.counts()).toEqual({ lost: 60, reordered: 0, resets: 1 });
  });
  test('a far jump back without uptime is a reset too', () => {
    const t = new SequenceTracker();
    t.see(1_000_000, 1);
    t.see(5, 1);
    expect(t.counts().resets).toBe(1);
  });
  test('IPFIX: records counted after decoding, template-only messages share the next number', () => {
    const t = new SequenceTracker();
    t.see(0, 0);
    t.see(0, 0);
    t.addUnits(10);
    t.see(10, 0);
    t.addUnits(5);
    t.see(20, 0);
    t.addUnits(5);
    expect(t.counts().lost).toBe(5);
  });
  test('IPFIX: records held for their template and released later still count', () => {
    const t = new SequenceTracker();
    t.see(0, 0); // 10 records held: no template yet
    t.see(10, 0);
    t.addUnits(15); // template came: 10 held + 5 own
    t.see(15, 0);
    expect(t.counts().lost).toBe(0);
  });
});
