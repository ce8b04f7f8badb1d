import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lanlReader } from '../../../src/readers/lanl';
import { ndpiName } from '../../../src/readers/ndpi';
import { FIXTURES, readFile, readText } from './support';

interface Expected {
  timeOffsetMs?: number;
  flows: { line: number; doc: Record<string, unknown> }[];
  rejects: { line: number; field: string }[];
}

// Hand-written inputs with hand-checked expectations (`*.expected.json` beside each).
test.each([
  ['nprobe/flows.jsonl', 'nprobe/flows.expected.json', 'nprobe'],
  ['nprobe/flows.csv', 'nprobe/flows.csv.expected.json', 'nprobe'],
  ['lanl/netflow-headerless.csv', 'lanl/netflow-headerless.expected.json', 'lanl'],
  ['lanl/flows.jsonl', 'lanl/flows.expected.json', 'lanl'],
])('%s decodes as expected', async (input, expectedFile, format) => {
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, expectedFile), 'utf8')) as Expected;
  const got = await readFile(path.join(FIXTURES, input), { timeOffsetMs: expected.timeOffsetMs });
  expect(got.formats).toEqual([format]);
  expect(got.rejects.map((r) => ({ line: r.line, field: r.field }))).toEqual(expected.rejects);
  expect(got.rejects.every((r) => r.code === 'INPUT_BAD_RECORD' && r.file === path.join(FIXTURES, input))).toBe(true);
  expect(got.flows.map((f) => f.line)).toEqual(expected.flows.map((f) => f.line));
  expected.flows.forEach((e, i) => expect(got.flows[i]?.doc).toMatchObject(e.doc));
  // Counts add up: every non-blank line is a flow or a reject.
  const lines = readFileSync(path.join(FIXTURES, input), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
  const header = input.endsWith('flows.csv') ? 1 : 0;
  expect(got.flows.length + got.rejects.length).toBe(lines - header);
});

test('nDPI ids map to names, master.app joined like nDPI prints them', () => {
  expect(ndpiName('7')).toBe('HTTP');
  expect(ndpiName('7.178')).toBe('HTTP.Amazon');
  expect(ndpiName('91.126')).toBe('TLS.Google');
  expect(ndpiName('92.0')).toBe('SSH');
  expect(ndpiName('0.0')).toBeUndefined();
  expect(ndpiName('5.5')).toBe('DNS');
  expect(ndpiName('7.9999')).toBe('HTTP.9999');
  expect(ndpiName('Skype')).toBe('Skype');
});

test('LANL CSV with a header, in any column order', async () => {
  const text =
    'srcdevice,dstdevice,time,duration,protocol,srcport,dstport,srcpackets,dstpackets,srcbytes,dstbytes\n' +
    'C1,C2,10,1,6,Port9,443,1,2,3,4\n';
  const got = await readText(lanlReader, text);
  expect(got.rejects).toEqual([]);
  expect(got.flows[0]?.doc).toMatchObject({
    '@timestamp': '1970-01-01T00:00:10.000Z',
    source: { address: 'C1', packets: 1, bytes: 3 },
    destination: { address: 'C2', port: 443, packets: 2, bytes: 4 },
  });
  expect(got.flows[0]?.doc.source.port).toBeUndefined();
});

test('LANL detection: a header, or headerless rows of 11 columns; not other CSV', () => {
  expect(lanlReader.detect(Buffer.from('time,duration,srcdevice,dstdevice\n'), 'x')).toBe(true);
  expect(lanlReader.detect(Buffer.from('1,0,C1,C2,6,Port1,80,1,0,60,0\n'), 'x')).toBe(true);
  expect(lanlReader.detect(Buffer.from('a,b,c\n1,2,3\n'), 'x')).toBe(false);
});
