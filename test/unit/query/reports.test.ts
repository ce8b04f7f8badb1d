import { FlowdexError } from '../../../src/errors';
import type { QueryDsl } from '../../../src/query/dsl';
import {
  REPORTS,
  buildReportRequest,
  groupRows,
  rankTopN,
  reportByName,
  seriesRows,
  type CompositeBucket,
  type HistogramBucket,
  type ReportRow,
} from '../../../src/query/reports';

const range = { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 4, 2) };
const time = { range: { '@timestamp': { gte: range.from, lt: range.to, format: 'epoch_millis' } } };
const tcp: QueryDsl = { bool: { filter: [{ term: { 'network.transport': 'tcp' } }] } };
const sums = {
  bytes: { sum: { field: 'network.bytes' } },
  packets: { sum: { field: 'network.packets' } },
  // What error bounds over sampled flows are built from (query/sampling).
  sampled_packets: { sum: { field: 'flow.sampled.packets' } },
  var_packets: { sum: { field: 'flow.sampled.variance.packets' } },
  var_bytes: { sum: { field: 'flow.sampled.variance.bytes' } },
};

describe('REPORTS', () => {
  it('has the ten reports of the design and the four of enrichment', () => {
    expect(Object.keys(REPORTS).sort()).toEqual([
      'direction-mix',
      'protocols',
      'top-apps',
      'top-ases',
      'top-countries',
      'top-destinations',
      'top-interfaces',
      'top-pairs',
      'top-services',
      'top-sources',
      'traffic',
      'unique-destinations',
      'unique-sources',
      'web-servers',
    ]);
    for (const [name, def] of Object.entries(REPORTS)) expect(def.name).toBe(name);
  });

  it('ranks as the design says', () => {
    expect(REPORTS['top-sources'].defaultBy).toBe('bytes');
    expect(REPORTS['top-pairs'].defaultBy).toBe('bytes');
    expect(REPORTS['top-services'].defaultBy).toBe('flows');
    expect(REPORTS['web-servers'].defaultBy).toBe('flows');
  });

  it('unknown names list the reports', () => {
    expect(() => reportByName('top-talkers')).toThrow(FlowdexError);
    expect(() => reportByName('top-talkers')).toThrow(/top-sources/);
    expect(reportByName('protocols').columns).toEqual(['transport', 'flows', 'bytes', 'packets']);
  });
});

describe('buildReportRequest', () => {
  it('top-sources: composite over ip and address, missing buckets kept', () => {
    expect(buildReportRequest(REPORTS['top-sources'], { query: tcp, range })).toEqual({
      size: 0,
      track_total_hits: false,
      query: { bool: { filter: [{ term: { 'network.transport': 'tcp' } }, time] } },
      aggs: {
        groups: {
          composite: {
            size: 10000,
            sources: [
              { source_ip: { terms: { field: 'source.ip', missing_bucket: true } } },
              { source_address: { terms: { field: 'source.address', missing_bucket: true } } },
            ],
          },
          aggs: sums,
        },
      },
    });
  });

  it('top-pairs pages on with after_key', () => {
    const after = {
      source_ip: '10.0.0.1',
      source_address: null,
      destination_ip: '10.0.0.2',
      destination_address: null,
    };
    const body = buildReportRequest(REPORTS['top-pairs'], { query: { match_all: {} }, range, after, pageSize: 500 });
    expect(body.query).toEqual({ bool: { filter: [time] } });
    expect(body.aggs.groups).toEqual({
      composite: {
        size: 500,
        sources: [
          { source_ip: { terms: { field: 'source.ip', missing_bucket: true } } },
          { source_address: { terms: { field: 'source.address', missing_bucket: true } } },
          { destination_ip: { terms: { field: 'destination.ip', missing_bucket: true } } },
          { destination_address: { terms: { field: 'destination.address', missing_bucket: true } } },
        ],
        after,
      },
      aggs: sums,
    });
  });

  it('web-servers adds its port filter', () => {
    const body = buildReportRequest(REPORTS['web-servers'], { query: tcp, range });
    expect(body.query).toEqual({
      bool: { filter: [{ term: { 'network.transport': 'tcp' } }, { terms: { 'server.port': [80, 443] } }, time] },
    });
  });

  it('top-services groups by server port and transport', () => {
    const body = buildReportRequest(REPORTS['top-services'], { query: { match_all: {} }, range });
    expect(body.aggs.groups).toMatchObject({
      composite: {
        sources: [
          { server_port: { terms: { field: 'server.port', missing_bucket: true } } },
          { network_transport: { terms: { field: 'network.transport', missing_bucket: true } } },
        ],
      },
    });
  });

  it('traffic: date histogram with empty buckets over the whole range', () => {
    expect(buildReportRequest(REPORTS.traffic, { query: { match_all: {} }, range, interval: '1h' })).toEqual({
      size: 0,
      track_total_hits: false,
      query: { bool: { filter: [time] } },
      aggs: {
        series: {
          date_histogram: {
            field: '@timestamp',
            fixed_interval: '1h',
            min_doc_count: 0,
            extended_bounds: { min: range.from, max: range.to - 1 },
          },
          aggs: sums,
        },
      },
    });
  });

  it('unique-destinations: cardinality of ip and of address per 15 minutes by default', () => {
    const body = buildReportRequest(REPORTS['unique-destinations'], { query: { match_all: {} }, range });
    expect(body.aggs.series).toEqual({
      date_histogram: {
        field: '@timestamp',
        fixed_interval: '15m',
        min_doc_count: 0,
        extended_bounds: { min: range.from, max: range.to - 1 },
      },
      aggs: {
        unique_destination_ip: { cardinality: { field: 'destination.ip', precision_threshold: 40000 } },
        unique_destination_address: { cardinality: { field: 'destination.address', precision_threshold: 40000 } },
      },
    });
  });

  it('refuses intervals that make too many buckets', () => {
    expect(() =>
      buildReportRequest(REPORTS.traffic, {
        query: { match_all: {} },
        range: { from: 0, to: 30 * 86400000 },
        interval: '1m',
      }),
    ).toThrow(expect.objectContaining({ code: 'QUERY_BAD_VALUE', context: { field: 'interval' } }));
  });
});

describe('groupRows', () => {
  it('shows the ip, else the device name, else null', () => {
    const buckets: CompositeBucket[] = [
      {
        key: { source_ip: '10.0.0.1', source_address: null },
        doc_count: 3,
        bytes: { value: 300 },
        packets: { value: 6 },
      },
      {
        key: { source_ip: null, source_address: 'Comp576843' },
        doc_count: 2,
        bytes: { value: 50 },
        packets: { value: 2 },
      },
      { key: { source_ip: null, source_address: null }, doc_count: 1, bytes: { value: null }, packets: { value: 1 } },
    ];
    expect(groupRows(REPORTS['top-sources'], buckets)).toEqual([
      { source: '10.0.0.1', flows: 3, bytes: 300, packets: 6 },
      { source: 'Comp576843', flows: 2, bytes: 50, packets: 2 },
      { source: null, flows: 1, bytes: 0, packets: 1 },
    ]);
  });
});

describe('rankTopN', () => {
  const row = (source: string | null, flows: number, bytes: number, packets = 0): ReportRow => ({
    source,
    flows,
    bytes,
    packets,
  });

  it('ranks by the metric, largest first, and cuts at top', () => {
    const rows = [row('a', 1, 10), row('b', 5, 30), row('c', 2, 20), row('d', 9, 5)];
    expect(rankTopN(rows, 'bytes', 2, ['source'])).toEqual([row('b', 5, 30), row('c', 2, 20)]);
    expect(rankTopN(rows, 'flows', 3, ['source']).map((r) => r.source)).toEqual(['d', 'b', 'c']);
  });

  it('breaks ties by key so page order does not matter', () => {
    const rows = [row('c', 1, 10), row('a', 1, 10), row(null, 1, 10), row('b', 1, 10)];
    const expected = ['a', 'b', 'c', null];
    expect(rankTopN(rows, 'bytes', 10, ['source']).map((r) => r.source)).toEqual(expected);
    expect(rankTopN([...rows].reverse(), 'bytes', 10, ['source']).map((r) => r.source)).toEqual(expected);
  });

  it('compares numeric keys as numbers', () => {
    const rows: ReportRow[] = [
      { port: 443, transport: 'tcp', flows: 1, bytes: 0, packets: 0 },
      { port: 80, transport: 'udp', flows: 1, bytes: 0, packets: 0 },
      { port: 80, transport: 'tcp', flows: 1, bytes: 0, packets: 0 },
    ];
    expect(rankTopN(rows, 'flows', 3, ['port', 'transport']).map((r) => `${r.port}/${r.transport}`)).toEqual([
      '80/tcp',
      '80/udp',
      '443/tcp',
    ]);
  });

  it('sums rows of the same group from different pages before ranking', () => {
    const rows = [row('a', 1, 10, 1), row('b', 1, 15, 1), row('a', 2, 10, 3)];
    expect(rankTopN(rows, 'bytes', 1, ['source'])).toEqual([row('a', 3, 20, 4)]);
  });

  it('does not change its input', () => {
    const rows = [row('a', 1, 10), row('a', 1, 10)];
    rankTopN(rows, 'bytes', 1, ['source']);
    expect(rows).toEqual([row('a', 1, 10), row('a', 1, 10)]);
  });

  it('top 0 is empty', () => {
    expect(rankTopN([row('a', 1, 1)], 'flows', 0, ['source'])).toEqual([]);
  });
});

describe('seriesRows', () => {
  it('traffic rows carry totals and per-second rates', () => {
    const buckets: HistogramBucket[] = [
      { key: Date.UTC(2024, 4, 1), doc_count: 60, bytes: { value: 6000 }, packets: { value: 120 } },
      { key: Date.UTC(2024, 4, 1, 0, 1), doc_count: 0, bytes: { value: 0 }, packets: { value: 0 } },
    ];
    expect(seriesRows(REPORTS.traffic, buckets, 60000)).toEqual([
      {
        time: '2024-05-01T00:00:00.000Z',
        flows: 60,
        bytes: 6000,
        packets: 120,
        flows_per_s: 1,
        bytes_per_s: 100,
        packets_per_s: 2,
      },
      {
        time: '2024-05-01T00:01:00.000Z',
        flows: 0,
        bytes: 0,
        packets: 0,
        flows_per_s: 0,
        bytes_per_s: 0,
        packets_per_s: 0,
      },
    ]);
  });

  it('unique rows add distinct ips and distinct device names', () => {
    const buckets: HistogramBucket[] = [
      { key: 0, doc_count: 9, unique_source_ip: { value: 4 }, unique_source_address: { value: 3 } },
    ];
    expect(seriesRows(REPORTS['unique-sources'], buckets, 900000)).toEqual([
      { time: '1970-01-01T00:00:00.000Z', unique: 7 },
    ]);
  });
});
