import { generateFlows } from '../../../src/generate/flows';
import { sampleTraffic } from '../../../src/generate/sampling';
import type { FlowDoc } from '../../../src/model/flow';
import { normalize } from '../../../src/model/normalize';
import { mergeGroups, rankGroups, type Metric, type ReportRow } from '../../../src/query/reports';
import { boundOf, withBounds } from '../../../src/query/sampling';

/**
 * Do the stated 95 % bounds hold? Generated traffic is sampled packet by packet (generate/sampling)
 * over many seeds; report rows and totals are built from the sampled export with the report code's
 * own merging, ranking and bounds, and compared with the same groups of the true traffic.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6);
const EXPORTERS = [
  { exporter: '192.0.2.1', rate: 1 },
  { exporter: '192.0.2.2', rate: 20 },
  { exporter: '192.0.2.3', rate: 100 },
];

type Key = (d: FlowDoc) => Record<string, string | number | null>;
const REPORTS: { name: string; key: Key; by: Metric; top: number; kind: 'top' | 'series' }[] = [
  { name: 'top-sources', key: (d) => ({ source: d.source.ip ?? null }), by: 'bytes', top: 10, kind: 'top' },
  {
    name: 'top-services',
    key: (d) => ({ port: d.destination.port ?? null, transport: d.network.transport ?? null }),
    by: 'packets',
    top: 10,
    kind: 'top',
  },
  { name: 'top-apps', key: (d) => ({ app: d.network.protocol ?? null }), by: 'bytes', top: 10, kind: 'top' },
  {
    name: 'traffic',
    key: (d) => ({ time: new Date(Math.floor(Date.parse(d['@timestamp']) / HOUR) * HOUR).toISOString() }),
    by: 'bytes',
    top: 24,
    kind: 'series',
  },
];

/** A document as a report row of its group, with the moments a report sums. */
function rowOf(d: FlowDoc, key: Key): ReportRow {
  const v = d.flow.sampled?.variance;
  return {
    ...key(d),
    flows: 1,
    bytes: d.network.bytes ?? 0,
    packets: d.network.packets ?? 0,
    sampled_packets: d.flow.sampled?.packets ?? 0,
    var_packets: v?.packets ?? 0,
    var_bytes: v?.bytes ?? 0,
  };
}

interface Tally {
  checked: number;
  inside: number;
  unsampledWithBound: number;
}

function measure(seeds: number): Tally {
  const t: Tally = { checked: 0, inside: 0, unsampledWithBound: 0 };
  const within = (estimate: number, error: number, truth: number) => {
    t.checked++;
    if (Math.abs(estimate - truth) <= error) t.inside++;
  };
  for (let seed = 1; seed <= seeds; seed++) {
    const flows = generateFlows({ flows: 2000, start: T0, spanMs: 24 * HOUR, seed });
    const { truth, exported } = sampleTraffic(flows, EXPORTERS, seed);
    const trueDocs = truth.map((r) => normalize(r).doc);
    const docs = exported.map((r) => normalize(r).doc);
    for (const r of REPORTS) {
      const columns = Object.keys(r.key(docs[0] as FlowDoc));
      const trueGroups = mergeGroups(
        trueDocs.map((d) => rowOf(d, r.key)),
        columns,
      );
      const groups = mergeGroups(
        docs.map((d) => rowOf(d, r.key)),
        columns,
      );
      const rows = r.kind === 'top' ? rankGroups(groups, r.by, r.top, columns) : [...groups.values()];
      const total = [...groups.values()].reduce<ReportRow>((s, row) => {
        for (const m of ['flows', 'bytes', 'packets', 'sampled_packets', 'var_packets', 'var_bytes'])
          s[m] = Number(s[m] ?? 0) + Number(row[m] ?? 0);
        return s;
      }, {});
      const answer = withBounds(
        { report: 'traffic', served_by: [], took_ms: 0, range: { from: 0, to: 1 }, columns, rows },
        r.kind,
        r.by,
        total,
      );
      answer.rows.forEach((row, i) => {
        const truthRow = trueGroups.get(JSON.stringify(columns.map((c) => row[c] ?? null)));
        const sampled = boundOf(rows[i] as ReportRow) !== undefined;
        if (!sampled) {
          // Groups fed only by the unsampled exporter carry no bound (at most the overlap mark).
          if (row.error !== undefined && (row.error.bytes > 0 || row.error.packets > 0)) t.unsampledWithBound++;
          return;
        }
        within(Number(row.bytes), row.error?.bytes ?? 0, Number(truthRow?.bytes ?? 0));
        within(Number(row.packets), row.error?.packets ?? 0, Number(truthRow?.packets ?? 0));
      });
      const trueTotal = trueDocs.reduce(
        (s, d) => ({
          bytes: s.bytes + (d.network.bytes ?? 0),
          packets: s.packets + (d.network.packets ?? 0),
        }),
        { bytes: 0, packets: 0 },
      );
      const e = answer.total?.error;
      if (e !== undefined) {
        within(Number(answer.total?.bytes), e.bytes, trueTotal.bytes);
        within(Number(answer.total?.packets), e.packets, trueTotal.packets);
      }
    }
  }
  return t;
}

test('the stated 95 % bounds contain the true value for at least 93 % of rows and totals over many seeds', () => {
  const t = measure(15);
  const coverage = t.inside / t.checked;
  process.stdout.write(
    `sampling coverage: ${t.inside} of ${t.checked} bounds (${(coverage * 100).toFixed(1)} %) contain the true value\n`,
  );
  expect(t.checked).toBeGreaterThan(1000);
  expect(coverage).toBeGreaterThanOrEqual(0.93);
  expect(t.unsampledWithBound).toBe(0);
});

test('unsampled traffic gets no bounds and its estimates are its counters', () => {
  const flows = [...generateFlows({ flows: 500, start: T0, spanMs: HOUR, seed: 3 })];
  const { truth, exported } = sampleTraffic(flows, [{ exporter: '192.0.2.1', rate: 1 }], 3);
  expect(exported).toEqual(truth);
  const docs = exported.map((r) => normalize(r).doc);
  const rows = [
    ...mergeGroups(
      docs.map((d) => rowOf(d, () => ({ all: 'all' }))),
      ['all'],
    ).values(),
  ];
  const answer = withBounds(
    { report: 'traffic', served_by: [], took_ms: 0, range: { from: 0, to: 1 }, columns: ['all'], rows },
    'series',
    'bytes',
  );
  expect(answer.sampled).toBeUndefined();
  expect(answer.rows[0]?.error).toBeUndefined();
  expect(answer.total?.error).toBeUndefined();
  expect(answer.rows[0]?.bytes).toBe(truth.reduce((s, f) => s + (f.srcBytes ?? 0) + (f.dstBytes ?? 0), 0));
});
