import { compileQuery, compileFilter, allOf } from '../../../src/query/compile';
import { parseQuery } from '../../../src/query/parser';
import type { QueryDsl } from '../../../src/query/dsl';

// 2024-05-01T12:00:00Z
const NOW = 1714564800000;

/** Every compiled query is wrapped in a filter-context bool. */
const root = (...filter: QueryDsl[]): QueryDsl => ({ bool: { filter } });

// Expected DSL written from the OpenSearch query DSL reference (term, terms, range, wildcard,
// exists, bool), not from the compiler's output.
const cases: [string, QueryDsl][] = [
  ['', { match_all: {} }],
  ['   ', { match_all: {} }],
  ['src:10.1.2.3', root({ term: { 'source.ip': '10.1.2.3' } })],
  ['dst:10.0.0.0/8', root({ term: { 'destination.ip': '10.0.0.0/8' } })],
  ['source.ip:10.1.2.3', root({ term: { 'source.ip': '10.1.2.3' } })],
  ['SRC:10.1.2.3', root({ term: { 'source.ip': '10.1.2.3' } })],
  ['src:2001:DB8::1', root({ term: { 'source.ip': '2001:db8::1' } })],
  [
    'ip:2001:db8::/32',
    root({
      bool: {
        should: [{ term: { 'source.ip': '2001:db8::/32' } }, { term: { 'destination.ip': '2001:db8::/32' } }],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    '10.1.2.3',
    root({
      bool: {
        should: [{ term: { 'source.ip': '10.1.2.3' } }, { term: { 'destination.ip': '10.1.2.3' } }],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    '192.168.0.0/16',
    root({
      bool: {
        should: [{ term: { 'source.ip': '192.168.0.0/16' } }, { term: { 'destination.ip': '192.168.0.0/16' } }],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    'fe80::1',
    root({
      bool: {
        should: [{ term: { 'source.ip': 'fe80::1' } }, { term: { 'destination.ip': 'fe80::1' } }],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    '::ffff:10.0.0.1',
    root({
      bool: {
        should: [{ term: { 'source.ip': '::ffff:10.0.0.1' } }, { term: { 'destination.ip': '::ffff:10.0.0.1' } }],
        minimum_should_match: 1,
      },
    }),
  ],
  ['dport:443', root({ term: { 'destination.port': 443 } })],
  ['destination.port:22', root({ term: { 'destination.port': 22 } })],
  ['dport: 443', root({ term: { 'destination.port': 443 } })],
  ['sport:>1023', root({ range: { 'source.port': { gt: 1023 } } })],
  ['sport>1023', root({ range: { 'source.port': { gt: 1023 } } })],
  ['sport >= 1024', root({ range: { 'source.port': { gte: 1024 } } })],
  ['sport:<1024', root({ range: { 'source.port': { lt: 1024 } } })],
  ['sport<=1023', root({ range: { 'source.port': { lte: 1023 } } })],
  ['dport:1000..2000', root({ range: { 'destination.port': { gte: 1000, lte: 2000 } } })],
  [
    'port:(80 or 443)',
    root({
      bool: {
        should: [{ terms: { 'source.port': [80, 443] } }, { terms: { 'destination.port': [80, 443] } }],
        minimum_should_match: 1,
      },
    }),
  ],
  ['dport:(80, 443, 8080)', root({ terms: { 'destination.port': [80, 443, 8080] } })],
  ['dport:(80 OR 80)', root({ term: { 'destination.port': 80 } })],
  ['dport:(22)', root({ term: { 'destination.port': 22 } })],
  [
    'dport:(22 or 1000..2000)',
    root({
      bool: {
        should: [{ term: { 'destination.port': 22 } }, { range: { 'destination.port': { gte: 1000, lte: 2000 } } }],
        minimum_should_match: 1,
      },
    }),
  ],
  ['src:(10.0.0.1 or 10.0.0.0/24)', root({ terms: { 'source.ip': ['10.0.0.1', '10.0.0.0/24'] } })],
  ['proto:tcp', root({ term: { 'network.transport': 'tcp' } })],
  ['proto:TCP', root({ term: { 'network.transport': 'tcp' } })],
  ['proto:6', root({ term: { 'network.transport': 'tcp' } })],
  ['proto:17', root({ term: { 'network.transport': 'udp' } })],
  ['proto:(tcp or udp)', root({ terms: { 'network.transport': ['tcp', 'udp'] } })],
  ['protocol:tcp', root({ term: { 'network.iana_number': 6 } })],
  ['protocol:58', root({ term: { 'network.iana_number': 58 } })],
  ['app:dns', root({ term: { 'network.protocol': 'dns' } })],
  ['app:DNS', root({ term: { 'network.protocol': 'dns' } })],
  ['ipversion:IPv6', root({ term: { 'network.type': 'ipv6' } })],
  ['srcdevice:Comp576843', root({ term: { 'source.address': 'Comp576843' } })],
  ['bytes>1M', root({ range: { 'network.bytes': { gt: 1000000 } } })],
  ['bytes>=1.5k', root({ range: { 'network.bytes': { gte: 1500 } } })],
  ['bytes>10KB', root({ range: { 'network.bytes': { gt: 10000 } } })],
  ['bytes<2KiB', root({ range: { 'network.bytes': { lt: 2048 } } })],
  ['bytes>1GiB', root({ range: { 'network.bytes': { gt: 1073741824 } } })],
  ['sbytes:1500', root({ term: { 'source.bytes': 1500 } })],
  ['packets<=3', root({ range: { 'network.packets': { lte: 3 } } })],
  ['packets>2k', root({ range: { 'network.packets': { gt: 2000 } } })],
  ['duration>30s', root({ range: { 'event.duration': { gt: 30000000000 } } })],
  ['duration<500ms', root({ range: { 'event.duration': { lt: 500000000 } } })],
  ['duration>=2m', root({ range: { 'event.duration': { gte: 120000000000 } } })],
  ['duration:0', root({ term: { 'event.duration': 0 } })],
  [
    'country:CN',
    root({
      bool: {
        should: [
          { term: { 'source.geo.country_iso_code': 'CN' } },
          { term: { 'destination.geo.country_iso_code': 'CN' } },
        ],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    'asn:15169',
    root({
      bool: {
        should: [{ term: { 'source.as.number': 15169 } }, { term: { 'destination.as.number': 15169 } }],
        minimum_should_match: 1,
      },
    }),
  ],
  ['exporter:192.0.2.1', root({ term: { 'observer.ip': '192.0.2.1' } })],
  // The hash's first 8 bytes are 84 ef ac 37 81 fe 30 6e: as a signed 64-bit number 0x84efac3781fe306e − 2^64
  // = −8867679786865119122, whose top 53 bits (÷ 2^11, rounded down) are −4329921770930234.
  ['community_id:"1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="', root({ term: { 'flow.community_hash': -4329921770930234 } })],
  ['community_id:1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', root({ term: { 'flow.community_hash': -4329921770930234 } })],
  [
    'host:*.example.com',
    root({
      bool: {
        should: [
          { wildcard: { 'dns.question.name': { value: '*.example.com' } } },
          { wildcard: { 'url.domain': { value: '*.example.com' } } },
          { wildcard: { 'tls.client.server_name': { value: '*.example.com' } } },
        ],
        minimum_should_match: 1,
      },
    }),
  ],
  ['sni:www.exampl?.org', root({ wildcard: { 'tls.client.server_name': { value: 'www.exampl?.org' } } })],
  ['sni:"a*b"', root({ term: { 'tls.client.server_name': 'a*b' } })],
  ['sni:"say \\"hi\\" \\\\ bye"', root({ term: { 'tls.client.server_name': 'say "hi" \\ bye' } })],
  ['app:http*', root({ wildcard: { 'network.protocol': { value: 'http*' } } })],
  [
    'app:(dns or tls*)',
    root({
      bool: {
        should: [{ term: { 'network.protocol': 'dns' } }, { wildcard: { 'network.protocol': { value: 'tls*' } } }],
        minimum_should_match: 1,
      },
    }),
  ],
  ['dns:*', root({ exists: { field: 'dns.question.name' } })],
  ['source.geo.location:*', root({ exists: { field: 'source.geo.location' } })],
  ['time>now-1h', root({ range: { '@timestamp': { gt: NOW - 3600000, format: 'epoch_millis' } } })],
  [
    'time:2024-05-01..2024-05-02',
    root({ range: { '@timestamp': { gte: 1714521600000, lte: 1714608000000, format: 'epoch_millis' } } }),
  ],
  ['end<"2024-05-01 10:00:00"', root({ range: { 'event.end': { lt: 1714557600000, format: 'epoch_millis' } } })],
  ['src:10.0.0.1..10.0.0.9', root({ range: { 'source.ip': { gte: '10.0.0.1', lte: '10.0.0.9' } } })],
  ['src>10.0.0.1', root({ range: { 'source.ip': { gt: '10.0.0.1' } } })],
  ['proto:tcp dport:22', root({ term: { 'network.transport': 'tcp' } }, { term: { 'destination.port': 22 } })],
  ['proto:tcp and dport:22', root({ term: { 'network.transport': 'tcp' } }, { term: { 'destination.port': 22 } })],
  [
    'proto:tcp AND dport:22 and sport:1',
    root(
      { term: { 'network.transport': 'tcp' } },
      { term: { 'destination.port': 22 } },
      { term: { 'source.port': 1 } },
    ),
  ],
  [
    'dport:22 or dport:23',
    root({
      bool: {
        should: [{ term: { 'destination.port': 22 } }, { term: { 'destination.port': 23 } }],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    'dport:22 OR dport:23 or dport:24',
    root({
      bool: {
        should: [
          { term: { 'destination.port': 22 } },
          { term: { 'destination.port': 23 } },
          { term: { 'destination.port': 24 } },
        ],
        minimum_should_match: 1,
      },
    }),
  ],
  ['not dport:22', root({ bool: { must_not: [{ term: { 'destination.port': 22 } }] } })],
  ['NOT dport:22', root({ bool: { must_not: [{ term: { 'destination.port': 22 } }] } })],
  ['!dport:22', root({ bool: { must_not: [{ term: { 'destination.port': 22 } }] } })],
  ['not not dport:22', root({ bool: { must_not: [{ bool: { must_not: [{ term: { 'destination.port': 22 } }] } }] } })],
  [
    'not ip:10.0.0.0/8',
    root({
      bool: {
        must_not: [
          {
            bool: {
              should: [{ term: { 'source.ip': '10.0.0.0/8' } }, { term: { 'destination.ip': '10.0.0.0/8' } }],
              minimum_should_match: 1,
            },
          },
        ],
      },
    }),
  ],
  [
    // and binds tighter than or
    'sport:1 or dport:2 dport:3',
    root({
      bool: {
        should: [
          { term: { 'source.port': 1 } },
          { bool: { filter: [{ term: { 'destination.port': 2 } }, { term: { 'destination.port': 3 } }] } },
        ],
        minimum_should_match: 1,
      },
    }),
  ],
  [
    '(sport:1 or dport:2) dport:3',
    root(
      {
        bool: {
          should: [{ term: { 'source.port': 1 } }, { term: { 'destination.port': 2 } }],
          minimum_should_match: 1,
        },
      },
      { term: { 'destination.port': 3 } },
    ),
  ],
  [
    'not dst:192.168.0.0/16 (src:10.1.2.3 or src:10.1.2.4) and dport:445',
    root(
      { bool: { must_not: [{ term: { 'destination.ip': '192.168.0.0/16' } }] } },
      {
        bool: {
          should: [{ term: { 'source.ip': '10.1.2.3' } }, { term: { 'source.ip': '10.1.2.4' } }],
          minimum_should_match: 1,
        },
      },
      { term: { 'destination.port': 445 } },
    ),
  ],
  ['((dport:22))', root({ term: { 'destination.port': 22 } })],
  [
    'not (dport:22 or dport:23)',
    root({
      bool: {
        must_not: [
          {
            bool: {
              should: [{ term: { 'destination.port': 22 } }, { term: { 'destination.port': 23 } }],
              minimum_should_match: 1,
            },
          },
        ],
      },
    }),
  ],
];

describe('compileQuery', () => {
  it.each(cases)('%s', (query, expected) => {
    expect(compileQuery(parseQuery(query, NOW))).toEqual(expected);
  });

  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
});

describe('compileFilter / allOf', () => {
  const range = { from: 1000, to: 2000 };
  const time = { range: { '@timestamp': { gte: 1000, lt: 2000, format: 'epoch_millis' } } };

  it('adds the time range to a flat filter', () => {
    expect(compileFilter(parseQuery('proto:tcp dport:22'), range)).toEqual({
      bool: { filter: [{ term: { 'network.transport': 'tcp' } }, { term: { 'destination.port': 22 } }, time] },
    });
  });

  it('keeps or and not as one clause beside the range', () => {
    expect(compileFilter(parseQuery('not dport:22'), range)).toEqual({
      bool: { filter: [{ bool: { must_not: [{ term: { 'destination.port': 22 } }] } }, time] },
    });
  });

  it('an empty query is just the range', () => {
    expect(compileFilter(parseQuery(''), range)).toEqual({ bool: { filter: [time] } });
  });

  it('allOf of nothing matches everything', () => {
    expect(allOf({ match_all: {} })).toEqual({ match_all: {} });
  });
});
