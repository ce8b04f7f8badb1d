import { FlowdexError } from '../../../src/errors';
import { compileQuery } from '../../../src/query/compile';
import { alignedBuckets } from '../../../src/query/indices';
import { isDailyIndex } from '../../../src/store/indices';
import {
  bucketCount,
  checkBucketCount,
  MAX_CONDITIONS,
  MAX_LIST_VALUES,
  MAX_NESTING,
  MAX_QUERY_LENGTH,
  MAX_RANGE_DAYS,
  MAX_TIME_MS,
  MAX_WILDCARDS,
} from '../../../src/query/limits';
import { parseQuery } from '../../../src/query/parser';
import { reportByName, seriesInterval } from '../../../src/query/reports';
import { parseSort } from '../../../src/report/search';
import { parseTime, parseTimeRange } from '../../../src/query/time';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function failure(fn: () => unknown): FlowdexError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlowdexError) return e;
    throw e;
  }
  throw new Error('expected a FlowdexError');
}

describe('query language bounds', () => {
  test('nesting deeper than the limit is a syntax error at the first level too deep, not a stack overflow', () => {
    expect(() => parseQuery(`${'('.repeat(MAX_NESTING)}dport:1${')'.repeat(MAX_NESTING)}`)).not.toThrow();
    const parens = failure(() => parseQuery(`${'('.repeat(2000)}dport:1${')'.repeat(2000)}`));
    expect(parens.code).toBe('QUERY_SYNTAX');
    expect(parens.context.position).toBe(MAX_NESTING);
    const nots = failure(() => parseQuery(`${'!'.repeat(2000)}dport:1`));
    expect(nots.code).toBe('QUERY_SYNTAX');
    expect(nots.context.position).toBe(MAX_NESTING);
  });

  test('query length, list length and condition count are bounded', () => {
    expect(failure(() => parseQuery('x'.repeat(MAX_QUERY_LENGTH + 1))).code).toBe('QUERY_BAD_VALUE');
    const list = failure(() =>
      parseQuery(`dport:(${Array.from({ length: MAX_LIST_VALUES + 1 }, (_, i) => i).join(',')})`),
    );
    expect(list.code).toBe('QUERY_SYNTAX');
    expect(list.message).toContain(`more than ${MAX_LIST_VALUES} values`);
    // Either-side names count twice: port: is source.port or destination.port.
    const ors = Array.from({ length: MAX_CONDITIONS / 2 + 1 }, (_, i) => `port:${i}`).join(' or ');
    expect(failure(() => parseQuery(ors)).code).toBe('QUERY_BAD_VALUE');
    expect(() =>
      parseQuery(Array.from({ length: MAX_CONDITIONS / 2 }, (_, i) => `port:${i}`).join(' or ')),
    ).not.toThrow();
  });

  test('wildcard bombs are refused before any DSL exists; ordinary patterns pass, runs of * collapse', () => {
    const bomb = failure(() => parseQuery(`host:${'*a'.repeat(300)}*`));
    expect(bomb.code).toBe('QUERY_BAD_VALUE');
    expect(bomb.context.position).toBe(5);
    expect(failure(() => parseQuery(`app:${'a?'.repeat(MAX_WILDCARDS + 1)}`)).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => parseQuery(`host:*${'a'.repeat(200)}*`)).code).toBe('QUERY_BAD_VALUE');
    expect(JSON.stringify(compileQuery(parseQuery('host:*.example.com')))).toContain('"value":"*.example.com"');
    expect(JSON.stringify(compileQuery(parseQuery('app:**ssh***')))).toContain('"value":"*ssh*"');
  });

  test('names of Object.prototype are unknown fields, units and keywords', () => {
    for (const q of ['constructor:1', '__proto__:1', 'toString:x', 'hasOwnProperty:1'])
      expect(failure(() => parseQuery(q)).code).toBe('QUERY_UNKNOWN_FIELD');
    expect(failure(() => parseQuery('bytes>1constructor')).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => parseQuery('duration>1__proto__')).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => reportByName('constructor')).code).toBe('REPORT_UNKNOWN');
    expect(failure(() => reportByName('__proto__')).code).toBe('REPORT_UNKNOWN');
  });

  test('addresses OpenSearch would refuse are client errors', () => {
    expect(failure(() => parseQuery('src>1.2.3.4/32')).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => parseQuery('src:10.0.0.0/8..10.0.0.9')).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => parseQuery('src:::ffff:1.2.3.4/64')).message).toContain('96-128');
    expect(failure(() => parseQuery('ip:fe80::1%eth0')).code).toBe('QUERY_BAD_VALUE');
    // A block on IPv4-mapped addresses is the IPv4 block OpenSearch understands.
    expect(compileQuery(parseQuery('src:::ffff:10.0.0.0/104'))).toEqual({
      bool: { filter: [{ term: { 'source.ip': '10.0.0.0/8' } }] },
    });
    expect(compileQuery(parseQuery('src:::ffff:1.2.3.4/96'))).toEqual({
      bool: { filter: [{ term: { 'source.ip': '1.2.3.4/0' } }] },
    });
  });

  test('numbers beyond what the field type holds are refused', () => {
    expect(failure(() => parseQuery(`bytes>${'9'.repeat(400)}`)).code).toBe('QUERY_BAD_VALUE');
    expect(failure(() => parseQuery('time>18446744073709551616')).code).toBe('QUERY_BAD_TIME');
  });

  test('sorting on a field that is computed on read is refused', () => {
    expect(failure(() => parseSort('community_id')).code).toBe('QUERY_BAD_VALUE');
  });
});

describe('time bounds', () => {
  test.each([
    'now-99999999999w',
    '99999999999w',
    'now-14000000w',
    'now+99999999999d',
    '18446744073709551616',
    '0000-01-01',
    '1969-12-31',
  ])('%s is a bad time naming the parameter', (t) => {
    const e = failure(() => parseTimeRange(t, undefined, NOW));
    expect(e.code).toBe('QUERY_BAD_TIME');
    expect(e.context.field).toBe('from');
    expect(failure(() => parseTimeRange('0', t, NOW)).context.field).toBe('to');
  });

  test('a range longer than MAX_RANGE_DAYS is refused before any index list or day slice is built', () => {
    const e = failure(() => parseTimeRange('1970-01-01', '9999-12-31', NOW));
    expect([e.code, e.context.field]).toEqual(['QUERY_BAD_TIME', 'from']);
    const widest = parseTimeRange('0', String((MAX_RANGE_DAYS * 86400000) / 1000), NOW);
    expect(widest.to - widest.from).toBe(MAX_RANGE_DAYS * 86400000);
  });

  test('the ends of the accepted span are accepted', () => {
    expect(parseTime('1970-01-01', NOW)).toBe(0);
    expect(parseTime('9999-12-31T23:59:59.999Z', NOW)).toBe(MAX_TIME_MS);
  });
});

describe('bucket counts before arrays', () => {
  test('the count equals the buckets built, for aligned and unaligned ranges', () => {
    for (const [from, to, ms] of [
      [0, 86400000, 3600000],
      [1234, 86400000 + 5, 900000],
      [59_999, 60_001, 60_000],
    ] as const) {
      expect(bucketCount(from, to, ms)).toBe(alignedBuckets({ from, to }, ms).length);
    }
  });

  test('1 s over ten years is refused without building the buckets', () => {
    const range = parseTimeRange('now-3650d', undefined, NOW);
    const e = failure(() => seriesInterval(range, '1s'));
    expect([e.code, e.context.field]).toEqual(['QUERY_BAD_VALUE', 'interval']);
    expect(() => alignedBuckets(range, 1000)).toThrow(FlowdexError);
    expect(() => checkBucketCount(0, MAX_TIME_MS, 1000, '1s')).toThrow(FlowdexError);
  });
});

describe('daily index names', () => {
  test('exactly <prefix>flows-YYYY.MM.DD of a real day', () => {
    expect(isDailyIndex('flowdex-', 'flowdex-flows-2024.05.01')).toBe(true);
    for (const name of [
      'flowdex-flows-x,other-flows-2026.11.20',
      'flowdex-flows-x,*',
      'flowdex-flows-*',
      'flowdex-saved-queries',
      'other-flows-2024.05.01',
      'flowdex-flows-2024.13.45',
      'flowdex-flows-2024.02.30',
      'flowdex-flows-2024.05.01,flowdex-flows-2024.05.02',
      'flowdex-flows-2024.05.1',
    ]) {
      expect([name, isDailyIndex('flowdex-', name)]).toEqual([name, false]);
    }
  });
});
