import { Prng, Zipf } from '../../../src/generate/prng';
import { groupKey, mergeGroups, rankGroups, REPORTS, type Metric, type ReportRow } from '../../../src/query/reports';
import { addLookups, groupsFilter, topStep, type RankedList } from '../../../src/report/top';

const COLUMNS = ['source', 'port'];

/** A source's groups: row per group key, as a rollup index holds them. */
type Source = Map<string, ReportRow>;

function row(source: string | null, port: number | null, flows: number, bytes: number): ReportRow {
  return { source, port, flows, bytes, packets: flows * 2 };
}

/** What one `terms` request returns: the `size` largest by metric (ties by key, as OpenSearch's `_key` order). */
function rankedList(src: Source, metric: Metric, size: number): RankedList {
  const sorted = [...src].sort((a, b) => Number(b[1][metric]) - Number(a[1][metric]) || (a[0] < b[0] ? -1 : 1));
  const kept = sorted.slice(0, size);
  const complete = kept.length === sorted.length;
  return { rows: new Map(kept), complete, bound: complete ? 0 : Number(kept[kept.length - 1]?.[1][metric] ?? 0) };
}

/** Drives topStep to the end as run.ts does, with lookups answered from the sources themselves. */
function drive(
  exact: Map<string, ReportRow>,
  sources: Source[],
  metric: Metric,
  top: number,
  size: number,
): { rows?: ReportRow[]; lookups: number } {
  const lists = sources.map((s) => rankedList(s, metric, size));
  let lookups = 0;
  for (let guard = 0; guard < 5; guard++) {
    const step = topStep(exact, lists, metric, top, COLUMNS);
    if ('rows' in step) return { rows: step.rows, lookups };
    if ('longer' in step) return { lookups };
    for (const l of step.lookups) {
      lookups += l.keys.length;
      const src = sources[l.list] as Source;
      addLookups(
        lists[l.list] as RankedList,
        l.keys,
        new Map(l.keys.flatMap((k) => (src.has(k) ? [[k, src.get(k) as ReportRow]] : []))),
        COLUMNS,
      );
    }
  }
  throw new Error('topStep did not settle');
}

function truth(exact: Map<string, ReportRow>, sources: Source[], metric: Metric, top: number): ReportRow[] {
  const merged = mergeGroups([...exact.values()], COLUMNS);
  for (const s of sources) mergeGroups([...s.values()], COLUMNS, merged);
  return rankGroups(merged, metric, top, COLUMNS);
}

function randomSource(rng: Prng, zipf: Zipf, groups: number): Source {
  const src: Source = new Map();
  for (let i = 0; i < groups; i++) {
    const g = zipf.sample(rng);
    // mergeGroups keys rows by groupKey, as rollups store them.
    mergeGroups(
      [
        row(
          g % 7 === 0 ? null : `10.0.${g % 5}.${g}`,
          g % 11 === 0 ? null : 1000 + (g % 97),
          1 + rng.int(0, 3),
          rng.int(0, 50) * 10,
        ),
      ],
      COLUMNS,
      src,
    );
  }
  return src;
}

test('ranked lists, lookups and raw sums give exactly the top-N of everything (random sources, ties included)', () => {
  const rng = new Prng(5);
  let decided = 0;
  let looked = 0;
  for (let i = 0; i < 300; i++) {
    const zipf = new Zipf(rng.int(20, 3000), [0, 0.8, 1.2][rng.int(0, 2)] as number);
    const sources = Array.from({ length: rng.int(1, 4) }, () => randomSource(rng, zipf, rng.int(0, 2000)));
    const exact = rng.float() < 0.5 ? randomSource(rng, zipf, rng.int(0, 300)) : new Map<string, ReportRow>();
    const metric = (['flows', 'bytes', 'packets'] as const)[rng.int(0, 2)] as Metric;
    const top = rng.int(1, 30);
    const size = Math.max(top, rng.int(1, 400));
    const got = drive(exact, sources, metric, top, size);
    if (got.rows === undefined) continue;
    decided++;
    looked += got.lookups;
    expect(got.rows).toEqual(truth(exact, sources, metric, top));
  }
  // Skewed sources decide from short lists, and lookups were needed on the way.
  expect(decided).toBeGreaterThan(150);
  expect(looked).toBeGreaterThan(0);
});

test('lists that hold everything decide even when all groups tie', () => {
  const a: Source = new Map(
    [row('a', 1, 1, 5), row('b', 1, 1, 5)].map((r) => [groupKey([r.source ?? null, r.port ?? null]), r]),
  );
  const b: Source = new Map([row('c', null, 1, 5)].map((r) => [groupKey([r.source ?? null, r.port ?? null]), r]));
  const got = drive(new Map(), [a, b], 'bytes', 2, 10);
  expect(got.rows?.map((r) => r.source)).toEqual(['a', 'b']);
});

test('a truncated list whose cut ties the last row asks for longer lists', () => {
  const a: Source = new Map(['a', 'b', 'c', 'd'].map((s) => [groupKey([s, 1]), row(s, 1, 1, 5)]));
  expect(drive(new Map(), [a], 'bytes', 2, 3).rows).toBeUndefined();
  expect(drive(new Map(), [a], 'bytes', 2, 4).rows?.map((r) => r.source)).toEqual(['a', 'b']);
});

test('the filter for named groups keeps each column to its values, in the fields that can hold them', () => {
  const pairs = REPORTS['top-pairs'].groupBy;
  expect(groupsFilter(pairs, ['["10.0.0.1","Comp9"]', '["Comp3","10.0.0.2"]'])).toEqual({
    bool: {
      filter: [
        {
          bool: {
            should: [{ terms: { 'source.ip': ['10.0.0.1'] } }, { terms: { 'source.address': ['10.0.0.1', 'Comp3'] } }],
            minimum_should_match: 1,
          },
        },
        {
          bool: {
            should: [
              { terms: { 'destination.ip': ['10.0.0.2'] } },
              { terms: { 'destination.address': ['Comp9', '10.0.0.2'] } },
            ],
            minimum_should_match: 1,
          },
        },
      ],
    },
  });
  // A group without a value in a column: that column does not narrow.
  expect(groupsFilter(REPORTS['top-services'].groupBy, ['[443,"tcp"]', '[null,"icmp"]'])).toEqual({
    bool: { filter: [{ terms: { 'network.transport': ['tcp', 'icmp'] } }] },
  });
  expect(groupsFilter(REPORTS['top-sources'].groupBy, ['[null]'])).toBeUndefined();
});
