import { FlowdexError, type ErrorCode } from '../../../src/errors';
import { analyse } from '../../../src/query/analyse';
import { tokenize } from '../../../src/query/lexer';
import { parseQuery, renderCaret } from '../../../src/query/parser';

const NOW = 1714564800000;

function errorOf(query: string): FlowdexError {
  try {
    parseQuery(query, NOW);
  } catch (e) {
    if (e instanceof FlowdexError) return e;
    throw e;
  }
  throw new Error(`"${query}" parsed without error`);
}

// query, code, position, a part of the message
const errors: [string, ErrorCode, number, string][] = [
  ['dport:', 'QUERY_SYNTAX', 6, 'expected a value after "dport:" at 6'],
  ['dport: and proto:tcp', 'QUERY_SYNTAX', 7, 'expected a value after "dport:"'],
  ['sport:>', 'QUERY_SYNTAX', 7, 'expected a value after ">"'],
  ['bytes>', 'QUERY_SYNTAX', 6, 'expected a value after ">"'],
  ['(dport:22', 'QUERY_SYNTAX', 9, 'unclosed "(" at 0'],
  ['(dport:22 or (sport:1)', 'QUERY_SYNTAX', 22, 'unclosed "("'],
  ['dport:22)', 'QUERY_SYNTAX', 8, 'unmatched ")" at 8'],
  ['()', 'QUERY_SYNTAX', 0, 'empty parentheses'],
  ['sni:"abc', 'QUERY_SYNTAX', 4, 'unclosed quote starting at 4'],
  ['sni:"abc\\', 'QUERY_SYNTAX', 4, 'unclosed quote'],
  ['and dport:22', 'QUERY_SYNTAX', 0, 'expected a condition at 0, got "and"'],
  ['dport:22 and', 'QUERY_SYNTAX', 12, 'expected a condition after "and" at 12, got the end of the query'],
  ['dport:22 or or dport:23', 'QUERY_SYNTAX', 12, 'expected a condition after "or"'],
  ['not', 'QUERY_SYNTAX', 3, 'expected a condition after "not"'],
  ['dport:22 , dport:23', 'QUERY_SYNTAX', 9, 'expected "and", "or" or the end of the query at 9, got ","'],
  ['dport:(22 or 23) "x"', 'QUERY_SYNTAX', 17, 'got a quoted string'],
  ['dport:(22 "23")', 'QUERY_SYNTAX', 10, 'got a quoted string'],
  ['"just text"', 'QUERY_SYNTAX', 0, 'name a field'],
  ['foo', 'QUERY_SYNTAX', 0, 'expected field:value at 0, got "foo"'],
  ['dport', 'QUERY_SYNTAX', 5, 'expected ":" or a comparison after field "dport" at 5'],
  [':22', 'QUERY_SYNTAX', 0, 'expected a field name before ":"'],
  ['dport:()', 'QUERY_SYNTAX', 7, 'empty list'],
  ['dport:(22', 'QUERY_SYNTAX', 9, 'unclosed "(" at 6'],
  ['dport:(22 and 23)', 'QUERY_SYNTAX', 10, 'expected "or", "," or ")" in the list at 10, got "and"'],
  ['dport:(22 or)', 'QUERY_SYNTAX', 12, 'expected a value in the list at 12'],
  ['dprot:22', 'QUERY_UNKNOWN_FIELD', 0, 'unknown field "dprot" at 0; did you mean "dport"?'],
  ['proto:tcp destinaton.port:22', 'QUERY_UNKNOWN_FIELD', 10, 'did you mean "destination.port"?'],
  ['zzzzzzzzzz:1', 'QUERY_UNKNOWN_FIELD', 0, 'unknown field "zzzzzzzzzz" at 0'],
  ['flow.latency.client_ms>3', 'QUERY_UNKNOWN_FIELD', 0, 'not searchable'],
  ['src:10.0.0.256', 'QUERY_BAD_VALUE', 4, '"10.0.0.256" is not an IP address'],
  // A name (example.com) searches device names instead; a broken address is still refused.
  ['src:10.1.x', 'QUERY_BAD_VALUE', 4, 'not an IP address or CIDR block for src'],
  ['src:10.0.0.0/33', 'QUERY_BAD_VALUE', 4, 'prefix length must be 0-32'],
  ['ip:2001:db8::/129', 'QUERY_BAD_VALUE', 3, 'prefix length must be 0-128'],
  ['10.0.0.0/40', 'QUERY_BAD_VALUE', 0, 'prefix length must be 0-32'],
  ['10.1.2', 'QUERY_BAD_VALUE', 0, 'not an IP address'],
  ['src:10.0.*', 'QUERY_BAD_VALUE', 4, 'use a CIDR block'],
  ['dport:http', 'QUERY_BAD_VALUE', 6, '"http" is not a whole number for dport'],
  ['dport:1.5', 'QUERY_BAD_VALUE', 6, 'not a whole number'],
  ['dport:1k', 'QUERY_BAD_VALUE', 6, 'not a whole number'],
  ['dport:70000', 'QUERY_BAD_VALUE', 6, 'out of range for dport (0 to 65535)'],
  ['protocol:256', 'QUERY_BAD_VALUE', 9, 'out of range'],
  ['flags:40000', 'QUERY_BAD_VALUE', 6, 'out of range for flags (-32768 to 32767)'],
  ['bytes>1X', 'QUERY_BAD_VALUE', 6, 'is not a byte count'],
  ['bytes>1.5', 'QUERY_BAD_VALUE', 6, 'is not a byte count'],
  ['packets>1KiB', 'QUERY_BAD_VALUE', 8, 'is not a count'],
  ['duration>30', 'QUERY_BAD_VALUE', 9, 'is not a duration'],
  ['duration>30x', 'QUERY_BAD_VALUE', 9, 'is not a duration'],
  ['protocol:nosuch', 'QUERY_BAD_VALUE', 9, 'protocol'],
  ['dport:2000..1000', 'QUERY_BAD_VALUE', 6, 'range "2000..1000" is empty'],
  ['dport:1000..', 'QUERY_BAD_VALUE', 6, 'needs both ends'],
  ['dport:1*', 'QUERY_BAD_VALUE', 6, 'wildcards work on name fields only'],
  ['app>dns', 'QUERY_BAD_VALUE', 4, 'cannot be compared'],
  ['proto:>=tcp', 'QUERY_BAD_VALUE', 8, 'cannot be compared'],
  ['source.geo.location:1', 'QUERY_BAD_VALUE', 20, 'cannot be matched by value'],
  ['time>yesterday', 'QUERY_BAD_TIME', 5, 'at 5'],
  ['time:2024-02-30', 'QUERY_BAD_TIME', 5, 'is not a time'],
];

describe('parse errors', () => {
  it.each(errors)('%s → %s at %d', (query, code, position, message) => {
    const e = errorOf(query);
    expect(e.code).toBe(code);
    expect(e.context.position).toBe(position);
    expect(e.message).toContain(message);
  });

  it('unknown fields carry the name and the suggestion in the context', () => {
    expect(errorOf('dprot:22').context).toEqual({ position: 0, field: 'dprot', suggestion: 'dport' });
  });

  it('bad values name the field they were given for', () => {
    expect(errorOf('sport:>1023 dport:x').context).toEqual({ position: 18, field: 'dport' });
  });
});

describe('renderCaret', () => {
  it('points under the position', () => {
    expect(renderCaret('dport: and x', 7)).toBe('dport: and x\n       ^');
  });

  it('can point just past the end and flattens newlines', () => {
    expect(renderCaret('a\nb', 3)).toBe('a b\n   ^');
  });

  it('renders the position of a real error', () => {
    const q = 'proto:tcp dprot:22';
    expect(renderCaret(q, errorOf(q).context.position as number)).toBe('proto:tcp dprot:22\n          ^');
  });
});

describe('tokenize', () => {
  it('gives kinds and offsets', () => {
    expect(tokenize('not(a:1)>=!"x\\"y",OR').map((t) => [t.kind, t.value, t.pos, t.end])).toEqual([
      ['not', 'not', 0, 3],
      ['lparen', '(', 3, 4],
      ['word', 'a:1', 4, 7],
      ['rparen', ')', 7, 8],
      ['cmp', '>=', 8, 10],
      ['not', '!', 10, 11],
      ['string', 'x"y', 11, 17],
      ['comma', ',', 17, 18],
      ['or', 'OR', 18, 20],
      ['eof', '', 20, 20],
    ]);
  });
});

describe('parseQuery AST', () => {
  it('keeps positions and the name as written', () => {
    expect(parseQuery('proto:tcp  dport:22', NOW)).toEqual({
      kind: 'and',
      children: [
        {
          kind: 'pred',
          name: 'proto',
          fields: ['network.transport'],
          type: 'keyword',
          test: { op: 'eq', values: ['tcp'] },
          pos: 0,
          end: 9,
        },
        {
          kind: 'pred',
          name: 'dport',
          fields: ['destination.port'],
          type: 'integer',
          test: { op: 'eq', values: [22] },
          pos: 11,
          end: 19,
        },
      ],
    });
  });
});

describe('analyse', () => {
  it.each([
    ['', []],
    ['src:10.0.0.1', ['source.ip']],
    ['ip:10.0.0.1', ['destination.ip', 'source.ip']],
    [
      'not (proto:tcp or bytes>1M) host:*.x',
      ['dns.question.name', 'network.bytes', 'network.transport', 'tls.client.server_name', 'url.domain'],
    ],
    ['dport:22 or destination.port:23', ['destination.port']],
    ['time>now-1h', ['@timestamp']],
  ])('%s', (query, fields) => {
    expect([...analyse(parseQuery(query, NOW))].sort()).toEqual(fields);
  });
});
