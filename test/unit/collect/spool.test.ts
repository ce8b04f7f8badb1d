import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeSegment, encodeRecord, Spool, type SpooledDatagram } from '../../../src/collect/spool';
import { parseListen, parseProcUdp, exporterAddress } from '../../../src/collect/listener';
import { reasonKey } from '../../../src/collect/exporters';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const d = (i: number, address = '192.0.2.1'): SpooledDatagram => ({
  receivedMs: 1_700_000_000_000 + i,
  address,
  port: 1000 + i,
  listener: i % 3,
  payload: Buffer.from(`payload ${i}`),
});

test('records round-trip with receive time, exporter and listener', () => {
  const recs = [d(1), d(2, '2001:db8::1'), d(3)];
  const out = decodeSegment(Buffer.concat(recs.map(encodeRecord)));
  expect(out.partialBytes).toBe(0);
  expect(out.datagrams).toEqual(recs);
});

test('a record torn by kill -9 is reported, the ones before it kept', () => {
  const whole = encodeRecord(d(1));
  const torn = encodeRecord(d(2)).subarray(0, 9);
  const out = decodeSegment(Buffer.concat([whole, torn]));
  expect(out.datagrams).toHaveLength(1);
  expect(out.partialBytes).toBe(9);
});

test('segments seal by size, are read in order, and survive a reopen', async () => {
  const sdir = path.join(dir, 'a');
  const s = new Spool({ dir: sdir, segmentBytes: 100, segmentMs: 60_000 });
  s.open();
  for (let i = 0; i < 10; i++) {
    s.append(d(i));
    s.flush();
  }
  s.close();
  const again = new Spool({ dir: sdir });
  again.open();
  const got: SpooledDatagram[] = [];
  for (const n of again.sealed()) got.push(...(await again.read(n)).datagrams);
  expect(got.map((x) => x.receivedMs)).toEqual(Array.from({ length: 10 }, (_, i) => d(i).receivedMs));
  for (const n of again.sealed()) again.remove(n);
  again.close();
  expect(readdirSync(sdir).filter((f) => f.endsWith('.seg'))).toEqual([]);
});

test('over the cap, datagrams are refused, counted and warned about once', () => {
  const warnings: number[] = [];
  const s = new Spool({ dir: path.join(dir, 'b'), maxBytes: 100, onFull: (b) => warnings.push(b) });
  s.open();
  const accepted = Array.from({ length: 10 }, (_, i) => s.append(d(i))).filter(Boolean).length;
  s.close();
  expect(accepted).toBeGreaterThan(0);
  expect(s.stats().refused).toBe(10 - accepted);
  expect(warnings).toHaveLength(1);
});

test('a segment appended to after a crash is still read up to its last whole record', async () => {
  const sdir = path.join(dir, 'c');
  const s = new Spool({ dir: sdir });
  s.open();
  s.append(d(1));
  s.close();
  const [n] = s.sealed();
  appendFileSync(s.segmentPath(n ?? 0), Buffer.from([0, 0, 0]));
  const r = await s.read(n ?? 0);
  expect(r.datagrams).toHaveLength(1);
  expect(r.partialBytes).toBe(3);
});

describe('listen addresses', () => {
  test.each([
    ['0.0.0.0:2055', { host: '0.0.0.0', port: 2055 }],
    [':4739', { host: undefined, port: 4739 }],
    ['[::1]:6343', { host: '::1', port: 6343 }],
    ['9995', { host: undefined, port: 9995 }],
  ])('%s', (text, want) => expect(parseListen(text)).toMatchObject(want));
  test.each(['host:2055', '1.2.3.4:70000', '[::1]', ''])('%s is refused', (text) =>
    expect(() => parseListen(text)).toThrow(/--listen/),
  );
  test('IPv4 exporters on a dual-stack socket show as IPv4', () => {
    expect(exporterAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(exporterAddress('2001:db8::7')).toBe('2001:db8::7');
  });
});

test('kernel drops per port from /proc/net/udp', () => {
  const text = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  120: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 2 0000000000000000 17',
    '  121: 00000000:1283 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12346 2 0000000000000000 0',
  ].join('\n');
  expect([...parseProcUdp(text)]).toEqual([
    [2055, 17],
    [4739, 0],
  ]);
});

test('bad-datagram reasons group without their numbers', () => {
  expect(reasonKey('v5 datagram declares 31 records but holds 2')).toBe(
    reasonKey('v5 datagram declares 7 records but holds 1'),
  );
  expect(reasonKey('no template 300 for exporter 10.0.0.1 observation domain 1; data set undecodable')).toBe(
    'no template',
  );
});
