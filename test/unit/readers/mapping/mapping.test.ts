import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlowdexError } from '../../../../src/errors';
import { columnsOf, evaluate, parseExpr } from '../../../../src/readers/mapping/expr';
import { compileMapping } from '../../../../src/readers/mapping/mapping';
import { collect } from '../support';
import { readFlows } from '../../../../src/readers';

const ev = (src: string, row: Record<string, string | number> = {}) => evaluate(parseExpr(src), (c) => row[c], 'f');

describe('expression language', () => {
  test.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['12 / 4 / 3', 1],
    ['-2 * -3', 6],
    ['1.5e3 / 10', 150],
  ])('%s = %d', (src, value) => expect(ev(src)).toBe(value));

  test('columns, backticks, strings and numbers from text', () => {
    expect(ev('in_bytes + out_bytes', { in_bytes: '10', out_bytes: 5 })).toBe(15);
    expect(ev('`src addr`', { 'src addr': '10.0.0.1' })).toBe('10.0.0.1');
    expect(ev('id.orig_h', { 'id.orig_h': '::1' })).toBe('::1');
    expect(ev('"tcp"')).toBe('tcp');
    expect(columnsOf(parseExpr('(a + `b c`) * a / 2'))).toEqual(['a', 'b c', 'a']);
  });

  test('a missing operand gives nothing; text in arithmetic and division by zero reject naming the field', () => {
    expect(ev('a + 1', {})).toBeUndefined();
    expect(() => ev('a + 1', { a: 'x' })).toThrow(/f: "x" is not a number/);
    const e = (() => {
      try {
        ev('a / (b - b)', { a: 1, b: 2 });
      } catch (err) {
        return err as FlowdexError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('INPUT_BAD_RECORD');
    expect(e?.context.field).toBe('f');
    expect(e?.message).toMatch(/division by zero/);
  });

  test.each([
    ['1 +', 'expression ends too early at position 4'],
    ['(a + b', 'missing ) at position 7'],
    ['a b', 'unexpected "b" at position 3'],
    ['a % b', 'unexpected character "%" at position 3'],
    ['"open', 'unterminated string at position 1'],
    ['', 'empty expression at position 1'],
  ])('syntax error in %j: %s', (src, message) => {
    expect(() => parseExpr(src)).toThrow(message);
  });
});

describe('mapping files', () => {
  test('bad mappings name the file and the field', () => {
    expect(() => compileMapping({ fields: { start: 'ts', sourceIp: 'a' } }, 'm.json')).toThrow(
      /mapping m.json: unknown target field "sourceIp"/,
    );
    expect(() => compileMapping({ fields: { start: 'ts * ' } }, 'm.json')).toThrow(
      /mapping m.json: start: expression ends too early/,
    );
    expect(() => compileMapping({ fields: { srcIp: 'a' } }, 'm.json')).toThrow(/must give "start"/);
    expect(() => compileMapping({ fields: { start: { expr: 'ts', unit: 'h' } } }, 'm.json')).toThrow(
      /start: unknown unit "h"/,
    );
    expect(() => compileMapping({ fields: { start: { expr: 'ts', type: 'date' } } }, 'm.json')).toThrow(
      /start: unknown type "date"/,
    );
  });

  describe('reading through a mapping', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-mapped-'));
      writeFileSync(
        path.join(dir, 'map.json'),
        JSON.stringify({
          fields: {
            start: { expr: 'ts_ms', unit: 'ms' },
            end: { expr: 'ts_ms + dur_s * 1000', unit: 'ms' },
            srcIp: 'src',
            dstIp: 'dst',
            dstPort: 'dport',
            transport: '"tcp"',
            bytes: 'bits / 8',
            packets: 'bits / bits_per_packet',
          },
        }),
      );
      writeFileSync(path.join(dir, 'bad-column.json'), JSON.stringify({ fields: { start: 'ts_ms', srcIp: 'source' } }));
      writeFileSync(
        path.join(dir, 'flows.csv'),
        [
          'ts_ms,dur_s,src,dst,dport,bits,bits_per_packet',
          '1700000000000,2,10.0.0.1,10.0.0.2,443,8000,800',
          '1700000001000,1,10.0.0.1,10.0.0.2,443,800,0',
          '1700000002000,1,10.0.0.1,10.0.0.300,443,800,800',
          '"1700000003000",0.5,"10.0.0.1","10.0.0.2",80,1600,"1,600"',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dir, 'flows.jsonl'),
        '{"ts_ms":1700000000000,"dur_s":2,"src":"10.0.0.1","dst":"10.0.0.2","dport":443,"bits":8000,"bits_per_packet":800}\n',
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('CSV: arithmetic, constants and coercion; bad records rejected with line and field', async () => {
      const got = await collect(readFlows(path.join(dir, 'flows.csv'), { mappingFile: path.join(dir, 'map.json') }));
      expect(got.flows.map((f) => f.line)).toEqual([2]);
      expect(got.flows[0]?.doc).toMatchObject({
        '@timestamp': '2023-11-14T22:13:20.000Z',
        event: { end: '2023-11-14T22:13:22.000Z' },
        source: { ip: '10.0.0.1' },
        destination: { ip: '10.0.0.2', port: 443 },
        network: { transport: 'tcp', bytes: 1000, packets: 10 },
        flow: { format: 'mapped' },
      });
      expect(got.rejects.map((r) => [r.line, r.field])).toEqual([
        [3, 'packets'],
        [4, 'dstIp'],
        [5, 'packets'],
      ]);
      expect(got.rejects[0]?.message).toMatch(/division by zero/);
    });

    test('JSON lines through the same mapping', async () => {
      const got = await collect(
        readFlows(path.join(dir, 'flows.jsonl'), { format: 'mapped', mappingFile: path.join(dir, 'map.json') }),
      );
      expect(got.rejects).toEqual([]);
      expect(got.flows[0]?.doc.network).toMatchObject({ bytes: 1000, packets: 10 });
    });

    test('a column the input lacks stops the read, naming mapping and field', async () => {
      for (const input of ['flows.csv', 'flows.jsonl']) {
        await expect(
          collect(readFlows(path.join(dir, input), { mappingFile: path.join(dir, 'bad-column.json') })),
        ).rejects.toMatchObject({
          code: 'MAPPING_INVALID',
          message: expect.stringMatching(/bad-column.json: unknown column "source" in srcIp/),
        });
      }
    });
  });
});
