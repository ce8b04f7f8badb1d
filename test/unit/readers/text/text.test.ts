import { guessDelimiter, splitCsvLine } from '../../../../src/readers/text/csv';
import { splitLines } from '../../../../src/readers/text/lines';
import { epochToMs, parseDateTime } from '../../../../src/readers/text/values';

async function lines(parts: (string | Buffer)[]): Promise<[string, number][]> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const p of parts) yield Buffer.isBuffer(p) ? p : Buffer.from(p);
  }
  const out: [string, number][] = [];
  for await (const batch of splitLines(chunks())) for (const l of batch) out.push([l.text, l.no]);
  return out;
}

test('lines: CRLF, BOM, a multi-byte character split across chunks, no final newline', async () => {
  const euro = Buffer.from('€'); // 3 bytes
  expect(
    await lines([
      '\ufeffa,b\r\n',
      'x',
      euro.subarray(0, 1),
      Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]),
    ]),
  ).toEqual([
    ['a,b', 1],
    ['x€', 2],
    ['', 3],
    ['last', 4],
  ]);
});

test('csv: quoted delimiters, doubled quotes, unbalanced quotes', () => {
  expect(splitCsvLine('a,"b,c",d', ',')).toEqual(['a', 'b,c', 'd']);
  expect(splitCsvLine('"say ""hi""",2', ',')).toEqual(['say "hi"', '2']);
  expect(splitCsvLine('"",x,', ',')).toEqual(['', 'x', '']);
  expect(splitCsvLine('a,"open', ',')).toBeUndefined();
  expect(guessDelimiter('a|b|c')).toBe('|');
  expect(guessDelimiter('a\tb,c\td')).toBe('\t');
});

test('times: ISO with and without zone, nfdump and Argus forms, epoch magnitudes', () => {
  // 1700000000 s = 2023-11-14T22:13:20Z (date -u -d @1700000000).
  expect(parseDateTime('2023-11-14T22:13:20Z')).toBe(1700000000000);
  expect(parseDateTime('2023-11-14 22:13:20')).toBe(1700000000000);
  expect(parseDateTime('2023/11/14 22:13:20.250000')).toBe(1700000000250);
  expect(parseDateTime('2023-11-14T23:13:20+01:00')).toBe(1700000000000);
  expect(parseDateTime('2023-11-14T17:13:20.5-0500')).toBe(1700000000500);
  expect(parseDateTime('yesterday')).toBeUndefined();
  expect(epochToMs(1700000000.5)).toBe(1700000000500);
  expect(epochToMs(1700000000500)).toBe(1700000000500);
  expect(epochToMs(1700000000500000)).toBe(1700000000500);
  expect(epochToMs(1)).toBe(1000);
});
