import { FlowdexError, type ErrorCode } from '../../../src/errors';
import type { Ast } from '../../../src/query/ast';
import { compileQuery } from '../../../src/query/compile';
import { flagColumn, maskOfValues, valuesWithFlags } from '../../../src/query/flags';
import { parseNfdump } from '../../../src/query/nfdump';
import { parseQuery } from '../../../src/query/parser';
import { printQuery } from '../../../src/query/print';
import { parseAnyQuery, withSyntax } from '../../../src/query/syntax';

const NOW = 1714564800000;

/** The AST without offsets and alias spellings: what two front ends must agree on. */
function shape(a: Ast): unknown {
  if (a.kind === 'pred') return { fields: a.fields, test: a.test };
  if (a.kind === 'not') return { not: shape(a.child) };
  if (a.kind === 'all') return 'all';
  return { [a.kind]: a.children.map(shape) };
}

const shapeOf = (text: string): unknown => shape(parseAnyQuery(text, NOW).ast);

function errorOf(fn: () => unknown): FlowdexError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlowdexError) return e;
    throw e;
  }
  throw new Error('no error');
}

// nfdump filter → the same question written in the flowdex language.
const equivalents: [string, string][] = [
  ['src ip 10.0.0.1 and dst port 443', 'src:10.0.0.1 dport:443'],
  ['SRC IP 10.0.0.1', 'src:10.0.0.1'],
  ['ip 10.0.0.1', 'ip:10.0.0.1'],
  ['host 2001:db8::1', 'ip:2001:db8::1'],
  ['src or dst ip 10.0.0.1', 'ip:10.0.0.1'],
  ['src and dst ip 10.0.0.1', 'src:10.0.0.1 and dst:10.0.0.1'],
  ['ip in [10.0.0.1 10.0.0.2]', 'ip:(10.0.0.1 or 10.0.0.2)'],
  ['dst ip in [ 10.0.0.1, 10.0.0.2 ]', 'dst:(10.0.0.1, 10.0.0.2)'],
  ['net 10.0.0.0/8', 'ip:10.0.0.0/8'],
  ['src net 10.1.2.3/24', 'src:10.1.2.0/24'],
  ['dst net 10.1/16', 'dst:10.1.0.0/16'],
  ['net 172.16.0.0 255.240.0.0', 'ip:172.16.0.0/12'],
  ['net 2001:db8::/32', 'ip:2001:db8::/32'],
  ['port 80', 'port:80'],
  ['dst port 443', 'dport:443'],
  ['src port > 1023', 'sport>1023'],
  ['port gt 1023', 'port>1023'],
  ['port ge 1024', 'port>=1024'],
  ['port le 1023', 'port<=1023'],
  ['port eq 53', 'port:53'],
  ['port == 53', 'port:53'],
  ['port = 53', 'port:53'],
  ['port in [ 80 443 ]', 'port:(80 or 443)'],
  ['dst port in [80, 443, 80]', 'dport:(80 or 443)'],
  ['proto tcp', 'protocol:6'],
  ['proto 17', 'protocol:udp'],
  ['proto icmp6', 'protocol:58'],
  ['bytes > 1M', 'bytes>1000000'],
  ['bytes gt 1k', 'bytes>1000'],
  ['bytes < 2G', 'bytes<2000000000'],
  ['bytes 1500', 'bytes:1500'],
  ['packets < 3', 'packets<3'],
  ['packets >= 0x10', 'packets>=16'],
  ['duration > 1000', 'duration>1s'],
  ['duration lt 250', 'duration<250ms'],
  ['flags S', 'protocol:tcp flags:S'],
  ['flags AS', 'protocol:tcp flags:SA'],
  ['flags X', 'protocol:tcp flags:UAPRSF'],
  ['flags 18', 'protocol:tcp flags:18'],
  ['flags 0', 'protocol:tcp flags:0'],
  ['as 15169', 'as:15169'],
  ['src as 15169', 'src_asn:15169'],
  ['dst as gt 64511', 'dst_asn>64511'],
  ['as in [1 2]', 'as:(1 or 2)'],
  ['if 3', 'if:3'],
  ['in if 3', 'in_if:3'],
  ['out if 4', 'out_if:4'],
  ['tos 0', 'tos:0'],
  ['icmp-type 8', 'icmp_type:8 protocol:(1 or 58)'],
  ['icmp-code 3', 'icmp_code:3 protocol:(icmp, ipv6-icmp)'],
  ['inet', 'ipversion:ipv4'],
  ['ipv6', 'ipversion:ipv6'],
  ['host EnterpriseAppServer', 'address:EnterpriseAppServer'],
  ['dst host Comp123', 'dstaddr:Comp123'],
  ['not port 80', 'not port:80'],
  ['! port 80', '!port:80'],
  ['not not port 80', 'not not port:80'],
  ['port 80 && proto udp', 'port:80 protocol:udp'],
  ['port 80 || port 443', 'port:80 or port:443'],
  ['port 80 or port 443 and proto udp', 'port:80 or (port:443 protocol:udp)'],
  ['(port 80 or port 443) and proto udp', '(port:80 or port:443) protocol:udp'],
  ['not (src net 10.0.0.0/8 or dst net 10.0.0.0/8) and bytes > 1M', 'not (src:10.0.0.0/8 or dst:10.0.0.0/8) bytes>1M'],
  ['any', ''],
  ['', ''],
];

describe('nfdump filters build the flowdex AST', () => {
  it.each(equivalents)('%s ≡ %s', (nfdump, flowdex) => {
    expect(shape(parseNfdump(nfdump))).toEqual(shape(parseQuery(flowdex, NOW)));
  });

  it.each(equivalents)('%s prints as flowdex text that parses back to the same AST', (nfdump) => {
    const ast = parseNfdump(nfdump);
    expect(shape(parseQuery(printQuery(ast), NOW))).toEqual(shape(ast));
  });

  it('prints readable flowdex', () => {
    expect(printQuery(parseNfdump('src ip 10.0.0.1 and (dst port 443 or dst port 80) and not flags S'))).toBe(
      'src:10.0.0.1 and (dport:443 or dport:80) and not (protocol:tcp and flags:S)',
    );
    expect(printQuery(parseNfdump('duration > 90000 and bytes > 1M'))).toBe('duration>90s and bytes>1000000');
    expect(printQuery(parseQuery('sni:"a b" or app:dns', NOW))).toBe('sni:"a b" or app:dns');
    expect(printQuery(parseQuery('dport:1000..2000 time>=2024-05-01T00:00:00Z', NOW))).toBe(
      'dport:1000..2000 and time>=2024-05-01T00:00:00.000Z',
    );
  });

  it('keeps the meaning of "any" inside a filter', () => {
    const ast = parseNfdump('any and port 80');
    expect(compileQuery(parseQuery(printQuery(ast), NOW))).toEqual(
      compileQuery(parseQuery('@timestamp:* port:80', NOW)),
    );
  });
});

const LONG_LIST = `port in [${Array.from({ length: 300 }, (_, i) => i).join(' ')}]`;
const MANY_PORTS = Array.from({ length: 300 }, (_, i) => `port ${i}`).join(' or ');

const nfdumpErrors: [string, ErrorCode, number, string][] = [
  ['port 80 port 443', 'QUERY_SYNTAX', 8, 'expected "and", "or" or the end of the filter at 8'],
  ['port 80 and', 'QUERY_SYNTAX', 11, 'got the end of the filter'],
  ['(port 80', 'QUERY_SYNTAX', 8, 'unclosed "(" at 0'],
  ['port 80)', 'QUERY_SYNTAX', 7, 'unmatched ")"'],
  ['port != 80', 'QUERY_SYNTAX', 5, 'expected a number at 5, got "!"'],
  ['port 80 & proto tcp', 'QUERY_SYNTAX', 8, 'use "&&"'],
  ['src ip 10.0.0.256', 'QUERY_BAD_VALUE', 7, 'not an IP address'],
  ['ip 10.0.0.0/8', 'QUERY_BAD_VALUE', 3, 'use "net"'],
  ['net 10.0.0.0/33', 'QUERY_BAD_VALUE', 4, 'not a network'],
  ['net 10.0.0.0 255.0.255.0', 'QUERY_BAD_VALUE', 13, 'not contiguous'],
  ['port 70000', 'QUERY_BAD_VALUE', 5, 'out of range (0 to 65535)'],
  ['as 4294967296', 'QUERY_BAD_VALUE', 3, 'out of range'],
  ['bytes > 1.5k', 'QUERY_BAD_VALUE', 8, 'not a whole number'],
  ['duration > 1s', 'QUERY_BAD_VALUE', 11, 'not a whole number'],
  ['proto foo', 'QUERY_BAD_VALUE', 6, 'unknown protocol "foo"'],
  ['proto 300', 'QUERY_BAD_VALUE', 6, 'above 255'],
  ['flags C', 'QUERY_BAD_VALUE', 6, 'not a set of TCP flags'],
  ['flags s', 'QUERY_BAD_VALUE', 6, 'not a set of TCP flags'],
  ['flags 64', 'QUERY_BAD_VALUE', 6, 'not a set of TCP flags'],
  ['in if gt 3', 'QUERY_SYNTAX', 6, 'expected an interface index'],
  ['if in [1 2]', 'QUERY_BAD_VALUE', 3, '"in" at 3 is not a whole number'],
  ['port in []', 'QUERY_SYNTAX', 9, 'empty list'],
  ['port in [80', 'QUERY_SYNTAX', 11, 'unclosed "["'],
  ['src proto tcp', 'QUERY_SYNTAX', 4, 'takes no src/dst qualifier'],
  ['bps > 1k', 'QUERY_SYNTAX', 0, 'has no flowdex field'],
  ['frobnicate 3', 'QUERY_SYNTAX', 0, 'not an nfdump filter primitive'],
  // The same bounds as the flowdex language (src/query/limits.ts).
  [`${'('.repeat(40)}port 80${')'.repeat(40)}`, 'QUERY_SYNTAX', 32, 'nesting deeper than 32'],
  [`${'not '.repeat(40)}port 80`, 'QUERY_SYNTAX', 128, 'nesting deeper than 32'],
  [LONG_LIST, 'QUERY_SYNTAX', LONG_LIST.indexOf(' 256 ') + 1, 'more than 256 values'],
  [MANY_PORTS, 'QUERY_BAD_VALUE', MANY_PORTS.indexOf('port 256'), 'more than 512 conditions'],
  [`host ${'a'.repeat(1100)}`, 'QUERY_BAD_VALUE', 5, 'longer than 1024'],
  ['port 1 or '.repeat(500) + 'port 2', 'QUERY_BAD_VALUE', 4096, 'longer than 4096'],
];

describe('nfdump filter errors', () => {
  it.each(nfdumpErrors)('%s → %s at %d', (text, code, position, message) => {
    const e = errorOf(() => parseNfdump(text));
    expect(e.code).toBe(code);
    expect(e.context.position).toBe(position);
    expect(e.message).toContain(message);
  });
});

describe('one search box, two syntaxes', () => {
  it.each([
    ['src:10.0.0.1 dport:443', 'flowdex'],
    ['10.0.0.1', 'flowdex'],
    ['bytes>1M', 'flowdex'],
    ['bytes > 1M or packets < 3', 'flowdex'],
    ['', 'flowdex'],
    ['src ip 10.0.0.1 and dst port 443', 'nfdump'],
    ['proto tcp', 'nfdump'],
    ['duration > 1000', 'nfdump'],
    ['not port 80', 'nfdump'],
    ['(net 10.0.0.0/8)', 'nfdump'],
  ])('%s reads as %s', (text, syntax) => {
    expect(parseAnyQuery(text, NOW).syntax).toBe(syntax);
  });

  it('a prefix forces the syntax and error positions still point into the text as typed', () => {
    expect(parseAnyQuery('nfdump: port 80', NOW)).toMatchObject({ syntax: 'nfdump', flowdex: 'port:80' });
    expect(parseAnyQuery('NFDUMP:port>1023', NOW).syntax).toBe('nfdump');
    expect(parseAnyQuery('flowdex: bytes>1M', NOW)).toMatchObject({ syntax: 'flowdex', flowdex: 'bytes>1M' });
    expect(errorOf(() => parseAnyQuery('nfdump: port 70000', NOW)).context.position).toBe(13);
    expect(errorOf(() => parseAnyQuery('flowdex: ip 10.0.0.1', NOW)).code).toBe('QUERY_SYNTAX');
  });

  it('text both syntaxes read alike is read once, as flowdex', () => {
    // `bytes > 1M` is valid in both and means the same; the ambiguity error is for texts that do not.
    expect(shapeOf('bytes > 1M')).toEqual(shape(parseNfdump('bytes > 1M')));
  });

  it('when neither reads the text, the error is the one of the syntax it starts like', () => {
    expect(errorOf(() => parseAnyQuery('src ip 10.0.0.256', NOW)).message).toContain('use "net"');
    expect(errorOf(() => parseAnyQuery('dport:70000', NOW)).message).toContain('out of range for dport');
  });

  it('the toggle travels as the prefix', () => {
    expect(withSyntax('port 80', 'nfdump')).toBe('nfdump:port 80');
    expect(withSyntax('nfdump:port 80', 'nfdump')).toBe('nfdump:port 80');
    expect(withSyntax('port:80', 'auto')).toBe('port:80');
    expect(withSyntax('port:80', undefined)).toBe('port:80');
  });
});

describe('tcp flags', () => {
  it('letters as nfdump prints them', () => {
    expect(flagColumn(0x1b)).toBe('...AP.SF');
    expect(flagColumn(0)).toBe('........');
    expect(flagColumn(0xff)).toBe('CEUAPRSF');
  });

  it('a mask becomes the values that contain it, and back', () => {
    expect(valuesWithFlags(0x12)).toHaveLength(64);
    expect(valuesWithFlags(0x12).every((v) => (v & 0x12) === 0x12)).toBe(true);
    expect(maskOfValues(valuesWithFlags(0x12))).toBe(0x12);
    expect(maskOfValues([18, 19])).toBeUndefined();
    expect(maskOfValues([0])).toBeUndefined();
  });
});

describe('a name where an address is expected searches device names', () => {
  it.each([
    ['dst:EnterpriseAppServer', 'dstaddr:EnterpriseAppServer'],
    ['src:Comp576843', 'srcaddr:Comp576843'],
    ['ip:Comp576843', 'address:Comp576843'],
    ['dst:(Comp1 or Comp2)', 'dstaddr:(Comp1 or Comp2)'],
    ['dst host EnterpriseAppServer', 'dstaddr:EnterpriseAppServer'],
  ])('%s ≡ %s', (forgiving, explicit) => {
    expect(compileQuery(parseAnyQuery(forgiving, NOW).ast)).toEqual(compileQuery(parseQuery(explicit, NOW)));
  });

  it('addresses and broken addresses are read as before', () => {
    expect(shape(parseQuery('dst:10.0.0.1', NOW))).toMatchObject({ fields: ['destination.ip'] });
    expect(errorOf(() => parseQuery('dst:10.0.0.256', NOW)).code).toBe('QUERY_BAD_VALUE');
  });
});
