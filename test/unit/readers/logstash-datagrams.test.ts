import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DecoderSession, ExportDecoder } from '../../../src/readers/export-decoder';
import { readFlows } from '../../../src/readers';
import type { ReadItem } from '../../../src/readers/types';
import { describeWithData, SHARED_DATA } from './shared-data';

interface Group {
  name: string;
  files: string[];
  data_records: number;
  option_records: number;
}

const DIR = path.join(SHARED_DATA, 'datagrams/logstash-codec-netflow');

/**
 * Groups where the bytes, read by hand, disagree with the independent counter:
 * - ipfix.dat is three IPFIX messages back to back (lengths 484 + 64 + 240 = 788 bytes) holding
 *   6 + 1 + 5 records of template 1024 (44-byte records); the counter stopped after the first.
 * - the H3C varstring data set (88 bytes) is exactly one 80-byte fixed part plus a variable-length
 *   VRF name encoded with the 3-byte long form (ff 0001) and one byte: one NetBIOS flow
 *   20.20.20.20 → 20.20.255.255 udp/137, which the counter could not decode.
 */
const BY_HAND: Record<string, number> = { IPFIX: 12, 'Netflow 9 H3C Netstream with varstring': 1 };

describeWithData('logstash-codec-netflow datagrams', () => {
  const groups = JSON.parse(readFileSync(path.join(DIR, 'groups.json'), 'utf8')) as Group[];

  test.each(groups.map((g) => [g.name, g] as const))('%s', (_name, g) => {
    const decoder = new ExportDecoder();
    let flows = 0;
    for (const f of g.files) {
      const payload = readFileSync(path.join(DIR, f));
      for (const item of decoder.decode(payload, { file: f, base: 0 })) if (item.kind === 'flow') flows++;
    }
    for (const item of decoder.finish()) if (item.kind === 'flow') flows++;
    expect({ data: flows, options: decoder.counters.optionRecords }).toEqual({
      data: BY_HAND[g.name] ?? g.data_records,
      options: g.option_records,
    });
  });

  test.each(groups.filter((g) => g.files.length > 1).map((g) => [g.name, g] as const))(
    '%s: files read one by one through readFlows share templates via a session',
    async (_name, g) => {
      const session = new DecoderSession();
      const items: ReadItem[] = [];
      for (const f of g.files) for await (const item of readFlows(path.join(DIR, f), { session })) items.push(item);
      items.push(...session.finish());
      const flows = items.filter((i) => i.kind === 'flow').length;
      expect(flows).toBe(BY_HAND[g.name] ?? g.data_records);
    },
  );

  test('without a session each file is on its own: data in a later file has no template', async () => {
    const tpl = path.join(DIR, 'netflow9_test_h3c_netstream_varstring_tpl3281.dat');
    const data = path.join(DIR, 'netflow9_test_h3c_netstream_varstring_data3281.dat');
    const alone: ReadItem[] = [];
    for (const f of [tpl, data]) for await (const item of readFlows(f)) alone.push(item);
    expect(alone.map((i) => i.kind)).toEqual(['reject']);
    expect(alone[0]?.kind === 'reject' && alone[0].error.describe()).toMatch(/data3281\.dat@\d+: no template 3281/);
    // With a session the same data set decodes, and a data file read first waits for the template file.
    const session = new DecoderSession();
    const shared: ReadItem[] = [];
    for (const f of [data, tpl]) for await (const item of readFlows(f, { session })) shared.push(item);
    expect(shared.map((i) => i.kind)).toEqual(['flow']);
    expect(session.finish()).toEqual([]);
  });

  test('ipfix.dat: the first message alone has the 6 records the counter found', () => {
    const buf = readFileSync(path.join(DIR, 'ipfix.dat'));
    const decoder = new ExportDecoder();
    const items = decoder.decode(buf.subarray(0, buf.readUInt16BE(2)), { file: 'ipfix.dat', base: 0 });
    expect(items.filter((i) => i.kind === 'flow')).toHaveLength(6);
  });

  test('H3C varstring record decodes to the hand-read flow', () => {
    const decoder = new ExportDecoder();
    decoder.decode(readFileSync(path.join(DIR, 'netflow9_test_h3c_netstream_varstring_tpl3281.dat')), {
      file: 'tpl',
      base: 0,
    });
    const [item] = decoder.decode(readFileSync(path.join(DIR, 'netflow9_test_h3c_netstream_varstring_data3281.dat')), {
      file: 'data',
      base: 0,
    });
    expect(item?.kind === 'flow' && item.record).toMatchObject({
      srcIp: '20.20.20.20',
      dstIp: '20.20.255.255',
      srcPort: 137,
      dstPort: 137,
      protocol: 17,
    });
  });

  test('v5 datagram whose count lies: the 30 records present decode, one reject names the offset', () => {
    const buf = readFileSync(path.join(DIR, 'netflow5_test_invalid01.dat'));
    const decoder = new ExportDecoder();
    const items = decoder.decode(buf, { file: 'invalid01.dat', base: 0 });
    // Header count 0xd91e = 55582, but 1464 bytes = 24 + 30 × 48 hold 30 records.
    expect(buf.readUInt16BE(2)).toBe(55582);
    expect(items.filter((i) => i.kind === 'flow')).toHaveLength(30);
    const rejects = items.filter((i) => i.kind === 'reject');
    expect(rejects).toHaveLength(1);
    expect(rejects[0]?.loc.offset).toBe(1464);
    expect(rejects[0]?.kind === 'reject' && rejects[0].error.describe()).toMatch(/^invalid01\.dat@1464: .*55582.*30/);
  });
});
