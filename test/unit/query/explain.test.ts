import { explain } from '../../../src/query/explain';

describe('explain', () => {
  const now = Date.UTC(2024, 4, 2, 6);

  it('shows the range, the daily indices, the fields and the DSL', () => {
    expect(explain({ query: 'dst:10.0.0.0/8 dport:443', from: 'now-1d', prefix: 'flowdex-', now })).toEqual({
      query: 'dst:10.0.0.0/8 dport:443',
      syntax: 'flowdex',
      flowdex: 'dst:10.0.0.0/8 dport:443',
      range: { from: '2024-05-01T06:00:00.000Z', to: '2024-05-02T06:00:00.000Z' },
      indices: ['flowdex-flows-2024.05.01', 'flowdex-flows-2024.05.02'],
      fields: ['destination.ip', 'destination.port'],
      dsl: {
        bool: {
          filter: [
            { term: { 'destination.ip': '10.0.0.0/8' } },
            { term: { 'destination.port': 443 } },
            { range: { '@timestamp': { gte: Date.UTC(2024, 4, 1, 6), lt: now, format: 'epoch_millis' } } },
          ],
        },
      },
    });
  });

  it('reports query errors as the parser does', () => {
    expect(() => explain({ query: 'dport:', prefix: 'flowdex-', now })).toThrow(
      expect.objectContaining({ code: 'QUERY_SYNTAX', context: { position: 6 } }),
    );
  });

  it('shows an nfdump filter in the flowdex language, with the same DSL', () => {
    const nf = explain({ query: 'dst net 10.0.0.0/8 and dst port 443', from: 'now-1d', prefix: 'flowdex-', now });
    const fx = explain({ query: 'dst:10.0.0.0/8 dport:443', from: 'now-1d', prefix: 'flowdex-', now });
    expect(nf).toMatchObject({ syntax: 'nfdump', flowdex: 'dst:10.0.0.0/8 and dport:443' });
    expect(nf.dsl).toEqual(fx.dsl);
  });
});
