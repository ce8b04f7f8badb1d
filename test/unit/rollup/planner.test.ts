import { REPORTS } from '../../../src/query/reports';
import {
  covers,
  dslFields,
  neededFields,
  plan as planWith,
  type Coverage,
  type Plan,
  type PlanRequest,
} from '../../../src/rollup/planner';
import { ROLLUP_SPECS, specByName, type RollupSpec } from '../../../src/rollup/specs';

// The shipped specs plus two finer ones a deployment may configure: the planner's choices
// between intervals are tested on these.
const TALKERS = ['source.ip', 'source.address', 'destination.ip', 'destination.address'];
const SPECS: readonly RollupSpec[] = [
  ...ROLLUP_SPECS,
  { name: 'talkers-15m', intervalMs: 15 * 60_000, dimensions: TALKERS },
  {
    name: 'services-15m',
    intervalMs: 15 * 60_000,
    dimensions: ['destination.ip', 'destination.address', 'destination.port', 'network.transport', 'network.protocol'],
  },
];
const plan = (r: PlanRequest, c: Readonly<Record<string, Coverage | undefined>>): Plan => planWith(r, c, SPECS);

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2024, 2, 10);
const built: Record<string, Coverage> = Object.fromEntries(SPECS.map((s) => [s.name, { from: T0, to: T0 + 48 * H }]));

function req(over: Partial<PlanRequest> & Pick<PlanRequest, 'def'>): PlanRequest {
  return { queryFields: new Set(), range: { from: T0, to: T0 + 24 * H }, ...over };
}

function summary(p: ReturnType<typeof plan>): string[] {
  return p.parts.map(
    (x) =>
      `${x.subtract ? '-' : ''}${x.source === 'raw' ? 'raw' : x.spec.name} ${(x.range.from - T0) / M}-${(x.range.to - T0) / M}`,
  );
}

describe('coverage', () => {
  test('needed fields: group-by, the report filter and the query', () => {
    expect([...neededFields(REPORTS['web-servers'], new Set(['network.transport']))].sort()).toEqual([
      'network.transport',
      'server.address',
      'server.ip',
      'server.port',
    ]);
    expect(
      dslFields({
        bool: {
          filter: [{ term: { a: 1 } }],
          must_not: [{ range: { b: { gt: 1 } } }],
          should: [{ exists: { field: 'c' } }],
        },
      }).sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  test.each([
    ['top-sources', [], 'sources-1d'],
    ['top-destinations', [], 'destinations-1d'],
    ['top-pairs', ['source.ip'], 'talkers-1d'],
    ['top-services', ['server.port'], 'services-1d'],
    ['web-servers', [], 'web-1d'],
    ['top-apps', ['network.transport'], 'services-1d'],
  ] as const)('%s with %j uses %s (coarsest that keeps every field)', (name, fields, spec) => {
    expect(summary(plan(req({ def: REPORTS[name], queryFields: new Set(fields) }), built))).toEqual([`${spec} 0-1440`]);
  });

  test.each([
    ['top-sources', ['network.transport']],
    ['top-services', ['source.ip']],
    ['top-apps', ['event.duration']],
  ] as const)('%s filtered on %j is raw', (name, fields) => {
    const p = plan(req({ def: REPORTS[name], queryFields: new Set(fields) }), built);
    expect(summary(p)).toEqual(['raw 0-1440']);
    expect(p.reason).toMatch(/no built rollup/);
  });

  test('raw: true forces raw; an unbuilt spec is not used', () => {
    expect(plan(req({ def: REPORTS['top-sources'], raw: true }), built).reason).toBe('raw requested');
    expect(summary(plan(req({ def: REPORTS['top-sources'] }), { 'traffic-1m': built['traffic-1m'] }))).toEqual([
      'raw 0-1440',
    ]);
  });

  test('covers is exact about dimensions', () => {
    const talkers = specByName('talkers-15m', SPECS)!;
    expect(covers(talkers, new Set(['source.ip', 'destination.address']))).toBe(true);
    expect(covers(talkers, new Set(['source.port']))).toBe(false);
  });

  test('known sizes pick the smaller rollup over the coarser one', () => {
    const sized = Object.fromEntries(
      Object.entries(built).map(([name, c]) => [name, { ...c, docs: name === 'traffic-1m' ? 1000 : 50_000 }]),
    );
    expect(summary(plan(req({ def: REPORTS.protocols }), sized))).toEqual(['traffic-1m 0-1440']);
    expect(summary(plan(req({ def: REPORTS.protocols }), built))).toEqual(['services-1d 0-1440']);
  });

  test('raw edges count: a day spec serves whole days, a finer one a range with long edges', () => {
    // Documents per hour: traffic-1m 200 (so raw holds at least that many), talkers-15m 100, talkers-1d 10.
    const perHour: Record<string, number> = { 'traffic-1m': 200, 'talkers-15m': 100, 'talkers-1d': 10 };
    const sized = Object.fromEntries(
      Object.entries(perHour).map(([name, n]) => [name, { from: T0, to: T0 + 48 * H, docs: n * 48 }]),
    );
    expect(summary(plan(req({ def: REPORTS['top-sources'], range: { from: T0, to: T0 + 48 * H } }), sized))).toEqual([
      'talkers-1d 0-2880',
    ]);
    expect(
      summary(plan(req({ def: REPORTS['top-sources'], range: { from: T0 + H, to: T0 + 48 * H } }), sized)),
    ).toEqual(['talkers-15m 60-2880']);
  });
});

describe('raw against rollup', () => {
  // 1000 raw flows an hour; talkers-15m keeps 800 documents an hour for them, talkers-1d 200.
  const sized: Record<string, Coverage> = {
    'talkers-15m': { from: T0, to: T0 + 48 * H, docs: 800 * 48, flows: 1000 * 48 },
    'talkers-1d': { from: T0, to: T0 + 48 * H, docs: 200 * 48, flows: 1000 * 48 },
  };
  const days = (n: number) => new Set(Array.from({ length: n }, (_, i) => T0 + i * 24 * H));

  test('a unique report reads raw while raw days exist unless the rollup reads under a quarter of it', () => {
    const unique = req({ def: REPORTS['unique-sources'], intervalMs: H });
    expect(summary(plan({ ...unique, rawDays: days(2) }, sized))).toEqual(['raw 0-1440']);
    // Raw pruned: the rollup is all there is.
    expect(summary(plan({ ...unique, rawDays: new Set() }, sized))).toEqual(['talkers-15m 0-1440']);
    // Daily buckets: the day rollup reads 20 % of raw.
    expect(summary(plan({ ...unique, intervalMs: 24 * H, rawDays: days(2) }, sized))).toEqual(['talkers-1d 0-1440']);
  });

  test('a top-N report takes the rollup at any saving', () => {
    expect(
      summary(
        plan(req({ def: REPORTS['top-pairs'], range: { from: T0 + H, to: T0 + 24 * H }, rawDays: days(2) }), sized),
      ),
    ).toEqual(['talkers-15m 60-1440']);
  });
});

describe('interval divisibility', () => {
  test.each([
    // Equal intervals and unknown sizes: the first spec listed.
    [15 * M, 'talkers-15m 0-1440'],
    [H, 'traffic-1h 0-1440'],
    [5 * M, 'traffic-1m 0-1440'],
    [M, 'traffic-1m 0-1440'],
  ])('traffic every %d ms', (intervalMs, expected) => {
    expect(summary(plan(req({ def: REPORTS.traffic, intervalMs }), built))).toEqual([expected]);
  });

  test('an interval no rollup divides is raw', () => {
    expect(summary(plan(req({ def: REPORTS.traffic, intervalMs: 90_000 }), built))).toEqual(['raw 0-1440']);
    expect(summary(plan(req({ def: REPORTS['unique-sources'], intervalMs: 5 * M }), built))).toEqual(['raw 0-1440']);
  });
});

describe('edge split', () => {
  const range = { from: T0 + 7 * M + 13_000, to: T0 + 10 * H + 2 * M };
  test('sums: edges to the rollup interval from raw, or the whole bucket less its outside part when that is shorter', () => {
    // 7.8 minutes of the first bucket are inside, 7.2 outside: the bucket less the outside.
    expect(summary(plan(req({ def: REPORTS['top-pairs'], range }), built))).toEqual([
      '-raw 0-7.216666666666667',
      'talkers-15m 0-600',
      'raw 600-602',
    ]);
    const later = { ...range, from: T0 + 9 * M };
    expect(summary(plan(req({ def: REPORTS['top-pairs'], range: later }), built))).toEqual([
      'raw 9-15',
      'talkers-15m 15-600',
      'raw 600-602',
    ]);
  });

  test('a whole day bucket less a moment outside the range, instead of a day of raw flows', () => {
    const days = new Set([T0, T0 + 24 * H, T0 + 48 * H]);
    const three = { 'talkers-1d': { from: T0, to: T0 + 72 * H } };
    const range = { from: T0 + 347, to: T0 + 72 * H - 117 };
    const dayOnly = SPECS.filter((s) => s.name === 'talkers-1d');
    const expected = ['-raw 0-0.005783333333333333', 'talkers-1d 0-4320', '-raw 4319.99805-4320'];
    expect(summary(planWith(req({ def: REPORTS['top-pairs'], range, rawDays: days }), three, dayOnly))).toEqual(
      expected,
    );
    // A series too, at an interval the day divides.
    expect(
      summary(planWith(req({ def: REPORTS.traffic, range, intervalMs: 24 * H, rawDays: days }), three, dayOnly)),
    ).toEqual(expected);
  });

  test('never for distinct counts, an unbuilt bucket or a raw day already pruned', () => {
    const range = { from: T0 + 347, to: T0 + 48 * H };
    const dayOnly = SPECS.filter((s) => s.name === 'talkers-1d');
    const summed = (over: Partial<PlanRequest>, c: Record<string, Coverage> = built) =>
      summary(planWith(req({ def: REPORTS['top-pairs'], range, ...over }), c, dayOnly));
    const edge = ['raw 0.005783333333333333-1440', 'talkers-1d 1440-2880'];
    expect(summed({ def: REPORTS['unique-sources'], intervalMs: 24 * H })).toEqual(edge);
    expect(summed({}, { 'talkers-1d': { from: T0 + 24 * H, to: T0 + 48 * H } })).toEqual(edge);
    expect(summed({ rawDays: new Set([T0 + 24 * H]) })).toEqual(edge);
    expect(summed({ rawDays: new Set([T0, T0 + 24 * H]) })).toEqual([
      '-raw 0-0.005783333333333333',
      'talkers-1d 0-2880',
    ]);
  });

  test('by documents read when sizes are known', () => {
    // 1000 raw flows an hour; the day rollup holds 20 000 documents a day (more than the 7 hours outside).
    const sized = { 'talkers-1d': { from: T0, to: T0 + 48 * H, docs: 40_000, flows: 48_000 } };
    const dayOnly = SPECS.filter((s) => s.name === 'talkers-1d');
    const range48 = (from: number) => ({ from, to: T0 + 48 * H });
    const plan48 = (from: number) =>
      summary(planWith(req({ def: REPORTS['top-pairs'], range: range48(from) }), sized, dayOnly));
    // 7 hours outside: 20 000 + 7 000 documents against 17 000 raw flows inside.
    expect(plan48(T0 + 7 * H)).toEqual(['raw 420-1440', 'talkers-1d 1440-2880']);
    // 1 hour outside: 20 000 + 1 000 against 23 000.
    expect(plan48(T0 + H)).toEqual(['-raw 0-60', 'talkers-1d 0-2880']);
  });

  test('distinct counts: whole request buckets from one source', () => {
    expect(summary(plan(req({ def: REPORTS['unique-sources'], range, intervalMs: H }), built))).toEqual([
      'raw 7.216666666666667-60',
      'talkers-15m 60-600',
      'raw 600-602',
    ]);
  });

  test('edges are planned in turn: a finer rollup serves what the day rollup leaves, raw only the rest', () => {
    const longer = { from: T0 + H + 7 * M + 13_000, to: T0 + 48 * H + 30 * M };
    expect(summary(plan(req({ def: REPORTS['top-pairs'], range: longer }), built))).toEqual([
      '-raw 60-67.21666666666667',
      'talkers-15m 60-1440',
      'talkers-1d 1440-2880',
      'raw 2880-2910',
    ]);
  });

  test('only built time comes from the rollup', () => {
    const partly = { 'talkers-15m': { from: T0 + 2 * H, to: T0 + 5 * H } };
    expect(summary(plan(req({ def: REPORTS['top-sources'] }), partly))).toEqual([
      'raw 0-120',
      'talkers-15m 120-300',
      'raw 300-1440',
    ]);
  });

  test('a range inside one rollup bucket is raw', () => {
    expect(
      summary(plan(req({ def: REPORTS['top-sources'], range: { from: T0 + M, to: T0 + 14 * M } }), built)),
    ).toEqual(['raw 1-14']);
  });
});
