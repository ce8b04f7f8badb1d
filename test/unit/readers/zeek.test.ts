import path from 'node:path';
import { zeekReader } from '../../../src/readers/zeek';
import { HAVE_SHARED_DATA, readFile, readText, SHARED_DATA } from './support';

const FLOWS = path.join(SHARED_DATA, 'flows');

(HAVE_SHARED_DATA ? describe : describe.skip)('real Zeek conn logs', () => {
  // Record counts: lines not starting with '#' (grep -vc '^\s*#'), none of them blank.
  test.each([
    ['zeek-wrccdc/conn.log', 92],
    ['stratosphere/test10-mixed-zeek-dir/conn.log', 141],
    ['stratosphere/port-scans/horizontal/conn.log', 41],
    ['stratosphere/port-scans/vertical/conn.log', 50],
    ['stratosphere/test9-mixed-zeek-dir/conn.log', 576],
    ['stratosphere/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled', 766],
  ])('%s: %i records, none rejected', async (file, count) => {
    const got = await readFile(path.join(FLOWS, file));
    expect(got.formats).toEqual(['zeek']);
    expect(got.rejects).toEqual([]);
    expect(got.flows.length).toBe(count);
  });

  test('TSV record read by hand (wrccdc line 9)', async () => {
    // 1521911721.255387 C8Tful1TvM3Zf5x8fl 10.164.94.120 39681 10.47.3.155 3389 tcp - 0.004266 97 19 RSTR - - 0 ShADTdtr 10 730 6 342 -
    const got = await readFile(path.join(FLOWS, 'zeek-wrccdc/conn.log'));
    expect(got.flows[0]?.line).toBe(9);
    expect(got.flows[0]?.doc).toEqual(
      expect.objectContaining({
        '@timestamp': '2018-03-24T17:15:21.255Z',
        event: { end: '2018-03-24T17:15:21.259Z', duration: 4_000_000 },
        source: { ip: '10.164.94.120', port: 39681, packets: 10, bytes: 730 },
        destination: { ip: '10.47.3.155', port: 3389, packets: 6, bytes: 342 },
      }),
    );
    expect(got.flows[0]?.doc.network).toMatchObject({ transport: 'tcp', iana_number: 6, bytes: 1072, packets: 16 });
    expect(got.flows[0]?.doc.network.protocol).toBeUndefined();
  });

  test('JSON record read by hand, service kept as app, relative time shifted', async () => {
    // {"ts":279.103822,… "10.0.2.15":44927 → "1.1.1.1":80 tcp http, duration 0.527…, orig_pkts 7, orig_ip_bytes 952, resp_pkts 14, resp_ip_bytes 12878}
    const offset = Date.UTC(2020, 0, 1);
    const got = await readFile(path.join(FLOWS, 'stratosphere/test15-malicious-zeek-dir/conn.log'), {
      timeOffsetMs: offset,
    });
    expect(got.flows.length).toBe(2);
    expect(got.flows[0]?.doc).toMatchObject({
      '@timestamp': '2020-01-01T00:04:39.104Z',
      source: { ip: '10.0.2.15', port: 44927, packets: 7, bytes: 952 },
      destination: { ip: '1.1.1.1', port: 80, packets: 14, bytes: 12878 },
      network: { transport: 'tcp', protocol: 'http' },
    });
    // The second has "service":"" — no application.
    expect(got.flows[1]?.doc.network.protocol).toBeUndefined();
  });

  test('labelled log: label columns are ignored, IPv6 addresses kept', async () => {
    const got = await readFile(path.join(FLOWS, 'stratosphere/test10-mixed-zeek-dir/conn.log'));
    // Line 10: 2001:718:2:1663:dc58:6d9:ef13:51a5 54170 → 2001:718:2:1611:0:1:0:90 53 udp dns, 1/85, 1/125
    expect(got.flows[0]?.doc).toMatchObject({
      source: { ip: '2001:718:2:1663:dc58:6d9:ef13:51a5', port: 54170, packets: 1, bytes: 85 },
      destination: { ip: '2001:718:2:1611:0:1:0:90', port: 53, packets: 1, bytes: 125 },
      network: { type: 'ipv6', transport: 'udp', protocol: 'dns' },
    });
  });
});

describe('Zeek TSV edge cases', () => {
  const header = [
    '#separator \\x09',
    '#unset_field\t-',
    '#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_ip_bytes\tresp_ip_bytes\torig_pkts\tresp_pkts',
    '#types\ttime\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tcount\tcount',
  ];
  test('bad rows are rejected with line and field; good rows around them decode', async () => {
    const text = [
      ...header,
      '1.5\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\t-\t-\t-\t1\t0',
      'garbage',
      '2.5\t10.0.0.1\t1\tnot-an-ip\t2\tudp\t-\t-\t10\t0\t1\t0',
      '3.5\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\t-5\t10\t0\t1\t0',
      '4.5\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\t0.5\t-10\t0\t1\t0',
      '5.5\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\tssl,http\t0.5\t100\t50\t2\t1',
      '#close\t2020-01-01-00-00-00',
    ].join('\n');
    const got = await readText(zeekReader, text, {}, 'conn.log');
    expect(got.flows.map((f) => f.line)).toEqual([5, 10]);
    expect(got.flows[0]?.doc.event).toEqual({});
    expect(got.flows[0]?.doc.source).toEqual({ ip: '10.0.0.1', port: 1, packets: 1 });
    expect(got.flows[1]?.doc.network).toMatchObject({ protocol: 'ssl', bytes: 150, packets: 3 });
    expect(got.rejects.map((r) => [r.line, r.field])).toEqual([
      [6, 'line'],
      [7, 'id.resp_h'],
      [8, 'duration'],
      [9, 'orig_ip_bytes'],
    ]);
    expect(got.rejects.every((r) => r.file === 'conn.log')).toBe(true);
  });

  test('detects TSV by #fields and JSON by its keys, not other text', () => {
    expect(zeekReader.detect(Buffer.from(header.join('\n') + '\n'), 'x')).toBe(true);
    expect(zeekReader.detect(Buffer.from('{"ts":1,"id.orig_h":"1.2.3.4","id.resp_h":"1.2.3.5"}\n'), 'x')).toBe(true);
    expect(zeekReader.detect(Buffer.from('{"ts":1,"src":"1.2.3.4"}\n'), 'x')).toBe(false);
    expect(zeekReader.detect(Buffer.from('#fields\tts\tuid\tquery\n'), 'dns.log')).toBe(false);
  });
});
