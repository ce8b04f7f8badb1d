import { compileQuery } from '../../../src/query/compile';
import { allOfAsts, hostTerm, term } from '../../../src/query/build';
import { parseQuery } from '../../../src/query/parser';
import { readQuery } from '../../../src/query/syntax';
import type { Ast } from '../../../src/query/ast';
import { factPivots, hostPlan, hostSearch } from '../../../src/report/host';
import { pivots } from '../../../src/report/pivots';
import type { FlowDoc } from '../../../src/model/flow';

const NOW = Date.UTC(2024, 4, 2);

/** The DSL a query means: what decides whether two ways of writing it are the same search. */
const dsl = (ast: Ast) => compileQuery(ast);

describe('host report composition', () => {
  test('each part is the user filter and the host on its side, combined as ASTs', () => {
    const plan = hostPlan({ address: '10.1.2.3', query: 'dport:443 or proto:udp', from: 'now-1h' }, NOW);
    const user = '(dport:443 or proto:udp)';
    const cases: [Parameters<typeof readQuery>[2], string][] = [
      [plan.traffic.filter, `${user} and ip:10.1.2.3`],
      [plan.destinations.filter, `${user} and src:10.1.2.3`],
      [plan.sources.filter, `${user} and dst:10.1.2.3`],
      [plan.offered.filter, `${user} and server_ip:10.1.2.3`],
      [plan.used.filter, `${user} and ip:10.1.2.3 and not server_ip:10.1.2.3`],
      [plan.latest.filter, `${user} and ip:10.1.2.3`],
    ];
    for (const [filter, expected] of cases)
      expect(dsl(readQuery('dport:443 or proto:udp', NOW, filter).ast)).toEqual(dsl(parseQuery(expected, NOW)));
    expect([plan.traffic.report, plan.destinations.report, plan.sources.report]).toEqual([
      'traffic',
      'top-destinations',
      'top-sources',
    ]);
    expect([plan.offered.report, plan.used.report]).toEqual(['top-services', 'top-services']);
    // Every part shares the range and the chart interval the page would pick for one hour.
    for (const r of [plan.traffic, plan.destinations, plan.used])
      expect([r.from, r.interval]).toEqual(['now-1h', '1m']);
    expect(plan.latest).toMatchObject({ from: 'now-1h', limit: 1, query: 'dport:443 or proto:udp' });
  });

  test('a device name is searched among device names, whatever characters it holds', () => {
    const plan = hostPlan({ address: 'Comp"1) or (ip:*' }, NOW);
    const either = readQuery('', NOW, plan.traffic.filter);
    expect(either.ast).toMatchObject({
      kind: 'pred',
      fields: ['source.address', 'destination.address'],
      test: { op: 'eq', values: ['Comp"1) or (ip:*'] },
    });
    // What the page shows reads back as the same single condition.
    expect(dsl(parseQuery(either.flowdex, NOW))).toEqual(dsl(either.ast));
    expect(hostSearch('Comp576843')).toBe('address:"Comp576843"');
    expect(hostSearch('2001:db8::1')).toBe('ip:2001:db8::1');
  });

  test('no user filter: the host alone; the range default gives the 24 h chart interval', () => {
    const plan = hostPlan({ address: '10.1.2.3' }, NOW);
    expect(readQuery('', NOW, plan.destinations.filter).flowdex).toBe('src:10.1.2.3');
    expect(plan.traffic.interval).toBe('15m');
  });

  test('facts link to the same place, AS and network on either side', () => {
    const links = factPivots({
      country: 'US',
      city: 'Ashburn',
      as_number: 15169,
      as_organization: 'Google LLC',
      network: 'dc "1"',
    });
    expect(links).toEqual([
      { label: 'Ashburn, US', query: 'country:"US"' },
      { label: 'AS15169 Google LLC', query: 'as:15169' },
      { label: 'network dc "1"', query: 'net_name:"dc \\"1\\""' },
    ]);
    expect(dsl(parseQuery(links[2]?.query ?? '', NOW))).toEqual(dsl(term('net_name', 'dc "1"')));
  });
});

describe('query building', () => {
  test('combining drops "every flow" and flattens nested ands', () => {
    const a = term('dport', 443);
    const b = term('proto', 'tcp');
    const c = hostTerm('source', '10.0.0.1');
    expect(allOfAsts({ kind: 'all' }, a)).toBe(a);
    expect(allOfAsts({ kind: 'all' })).toEqual({ kind: 'all' });
    expect(allOfAsts(allOfAsts(a, b), { kind: 'all' }, c)).toEqual({ kind: 'and', children: [a, b, c] });
  });

  test('names and values are checked as in a typed query', () => {
    expect(() => term('dprot', 1)).toThrow(/unknown field "dprot".*did you mean "dport"/);
    expect(() => term('dport', 70000)).toThrow(/QUERY|65535|range/i);
  });

  test('flow pivots read back as the searches they name', () => {
    const doc = {
      '@timestamp': '2024-05-01T00:00:00.000Z',
      event: {},
      source: { address: 'Comp 7', port: 5000 },
      destination: { ip: '10.0.0.9', port: 445 },
      network: { transport: 'tcp', community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' },
      flow: {},
    } as unknown as FlowDoc;
    const byLabel = Object.fromEntries(pivots(doc).map((p) => [p.label, p.query]));
    expect(byLabel).toEqual({
      'same source': 'srcaddr:"Comp 7"',
      'same destination': 'dst:10.0.0.9',
      'same pair': 'srcaddr:"Comp 7" and dst:10.0.0.9',
      'same Community ID': expect.any(String),
      'same service': 'dst:10.0.0.9 and dport:445 and proto:"tcp"',
    });
    expect(dsl(parseQuery(byLabel['same Community ID'] ?? '', NOW))).toEqual(
      dsl(parseQuery('community_id:"1:LQU9qZlK+B5F3KDmev6m5PMibrg="', NOW)),
    );
  });
});
