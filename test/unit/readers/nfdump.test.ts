import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nfdumpReader, parseNfdumpFlags } from '../../../src/readers/nfdump';
import { HAVE_SHARED_DATA, readFile, readText, SHARED_DATA } from './support';
import { haveCommand } from '../../support/commands';

const HAVE_NFDUMP = haveCommand('nfdump', '-V');
if (!HAVE_NFDUMP)
  console.warn('skipping nfdump comparison: the nfdump binary is not installed (Debian package nfdump)');

const NFCAPD = path.join(SHARED_DATA, 'flows/stratosphere/test1-malicious.nfdump');

describe('nfdump flags', () => {
  test('CEUAPRSF characters map to bits', () => {
    expect(parseNfdumpFlags('......S.')).toBe(0x02);
    expect(parseNfdumpFlags('...A.R..')).toBe(0x14);
    expect(parseNfdumpFlags('CEUAPRSF')).toBe(0xff);
    expect(parseNfdumpFlags('........')).toBe(0);
    expect(parseNfdumpFlags('S')).toBeUndefined();
  });
});

(HAVE_SHARED_DATA && HAVE_NFDUMP ? describe : describe.skip)('nfdump output of a real nfcapd file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-nfdump-'));
    for (const mode of ['csv', 'json']) {
      const out = execFileSync('nfdump', ['-r', NFCAPD, '-o', mode], {
        env: { ...process.env, TZ: 'UTC' },
        maxBuffer: 64 << 20,
      });
      writeFileSync(path.join(dir, `flows.${mode}`), out);
    }
    // -q: the records alone, no header line and no summary.
    writeFileSync(
      path.join(dir, 'flows.quiet.csv'),
      execFileSync('nfdump', ['-r', NFCAPD, '-q', '-o', 'csv'], {
        env: { ...process.env, TZ: 'UTC' },
        maxBuffer: 64 << 20,
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Totals from nfdump's own statistics (test1-malicious.nfdump.stat.txt).
  test.each(['csv', 'json'])('-o %s: totals equal nfdump -s', async (mode) => {
    const got = await readFile(path.join(dir, `flows.${mode}`));
    expect(got.formats).toEqual(['nfdump']);
    expect(got.rejects).toEqual([]);
    expect(got.flows.length).toBe(4593);
    const sum = (f: (d: (typeof got.flows)[number]['doc']) => number | undefined): number =>
      got.flows.reduce((a, x) => a + (f(x.doc) ?? 0), 0);
    expect(sum((d) => d.network.packets)).toBe(4652);
    expect(sum((d) => d.network.bytes)).toBe(241025);
    expect(got.flows.filter((x) => x.doc.network.transport === 'tcp')).toHaveLength(4576);
    expect(got.flows.filter((x) => x.doc.network.transport === 'udp')).toHaveLength(17);
  });

  test('-q -o csv (no header line) reads as the csv with its header', async () => {
    const quiet = await readFile(path.join(dir, 'flows.quiet.csv'));
    const full = await readFile(path.join(dir, 'flows.csv'));
    expect(quiet.formats).toEqual(['nfdump']);
    expect(quiet.rejects).toEqual([]);
    expect(quiet.flows.map((f) => f.doc)).toEqual(full.flows.map((f) => f.doc));
    expect(quiet.flows).toHaveLength(4593);
  });

  test('first record, read off the csv by hand', async () => {
    const got = await readFile(path.join(dir, 'flows.csv'));
    // 2018-01-12 15:37:30,…,147.32.80.119,147.32.82.62,52324,902,TCP,......S.,…,ipkt 1,ibyt 60,…,ra 147.32.82.62
    expect(got.flows[0]?.doc).toMatchObject({
      '@timestamp': '2018-01-12T15:37:30.000Z',
      source: { ip: '147.32.80.119', port: 52324, packets: 1, bytes: 60 },
      destination: { ip: '147.32.82.62', port: 902 },
      network: { transport: 'tcp', bytes: 60, packets: 1 },
      flow: { tcp_flags: 2, format: 'nfdump' },
      observer: { ip: '147.32.82.62' },
    });
    expect(got.flows[0]?.doc.destination.bytes).toBeUndefined();
    const json = await readFile(path.join(dir, 'flows.json'));
    // The JSON output keeps milliseconds: "first" : "2018-01-12T15:37:30.942".
    expect(json.flows[0]?.doc['@timestamp']).toBe('2018-01-12T15:37:30.942Z');
  });
});

describe('nfdump csv edge cases', () => {
  const header = 'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,ra';
  test('icmp type.code, bad address and bad flags are rejected with line and field, trailer ignored', async () => {
    const text = [
      header,
      '2020-01-01 00:00:00,2020-01-01 00:00:01,1.000,10.0.0.1,10.0.0.2,0,8.0,ICMP,........,0,0,1,84,0,0,1,2,192.0.2.1',
      '2020-01-01 00:00:00,2020-01-01 00:00:01,1.000,10.0.0.999,10.0.0.2,1,2,TCP,........,0,0,1,84,0,0,1,2,192.0.2.1',
      '2020-01-01 00:00:00,2020-01-01 00:00:01,1.000,10.0.0.1,10.0.0.2,1,2,TCP,..X,0,0,1,84,0,0,1,2,192.0.2.1',
      '2020-01-01 00:00:02,2020-01-01 00:00:03,1.000,2001:db8::1,2001:db8::2,1000,53,UDP,........,0,0,2,200,1,100,0,0,192.0.2.1',
      '',
      'Summary',
      'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
      '4,1,1,1,1,1',
    ].join('\n');
    const got = await readText(nfdumpReader, text, {}, 'x.csv');
    expect(got.flows.map((f) => f.line)).toEqual([2, 5]);
    // Two exports concatenated: the second one's records are read past the first one's summary.
    const twice = await readText(nfdumpReader, `${text}\n${text}`, {}, 'x.csv');
    expect(twice.flows.map((f) => f.line)).toEqual([2, 5, 11, 14]);
    expect(twice.rejects.map((r) => r.line)).toEqual([3, 4, 12, 13]);
    expect(got.flows[0]?.doc.source.port).toBe(0);
    expect(got.flows[0]?.doc.destination.port).toBe(0);
    expect(got.flows[0]?.doc.flow.icmp).toEqual({ type: 8, code: 0 });
    expect(got.flows[1]?.doc.network).toMatchObject({ bytes: 300, packets: 3, type: 'ipv6' });
    expect(got.rejects).toEqual([
      expect.objectContaining({ file: 'x.csv', line: 3, field: 'sa' }),
      expect.objectContaining({ file: 'x.csv', line: 4, field: 'flg' }),
    ]);
  });
});
