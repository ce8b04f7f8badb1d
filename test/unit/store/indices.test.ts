import { DAY_MS } from '../../../src/model/time';
import {
  allFlowIndices,
  allRollupIndices,
  dayOf,
  dayOfIndex,
  daysWithIndices,
  fixedIndices,
  indexFor,
  indexHoldsDay,
  indicesFor,
  isDailyIndex,
  isRollupIndex,
  monthOfRollupIndex,
  parseStateDocId,
  rollupAlias,
  rollupIndexFor,
  rollupIndicesFor,
  stateDocId,
  startOfDay,
} from '../../../src/store/indices';

// Times across year ends, a leap day, the epoch and the last millisecond of a day.
const TIMES = [
  0,
  Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  Date.UTC(2024, 1, 29, 12),
  Date.UTC(2024, 11, 31, 23, 59),
  Date.UTC(2026, 10, 28, 0, 0, 0, 1),
];
const SPECS = ['traffic-1m', 'talkers-15m', 'sources-1d'];

describe('daily flow indices', () => {
  test.each(TIMES)('indexFor and dayOfIndex are inverse for %d', (ms) => {
    const name = indexFor('p-', ms);
    expect(name.startsWith('p-flows-')).toBe(true);
    expect(name.endsWith(dayOf(ms))).toBe(true);
    expect(dayOfIndex('p-', name)).toBe(startOfDay(ms));
    expect(isDailyIndex('p-', name)).toBe(true);
    expect(indexFor('p-', dayOfIndex('p-', name) as number)).toBe(name);
    // Another prefix never claims the name.
    expect(dayOfIndex('q-', name)).toBeUndefined();
  });

  it('rejects names that are not a real day of the prefix', () => {
    for (const n of [
      'p-flows-2024.02.30',
      'p-flows-2024.13.01',
      'p-flows-24.01.01',
      'p-flows-2024.01.01x',
      'p-flows-*',
      'p-flows',
      'p-rollup-traffic-1m-2024.01',
      'p-state',
    ]) {
      expect(dayOfIndex('p-', n)).toBeUndefined();
      expect(isDailyIndex('p-', n)).toBe(false);
    }
  });

  it('the wildcard and the day list match exactly the days of a range', () => {
    expect(allFlowIndices('p-')).toBe('p-flows-*');
    const from = Date.UTC(2024, 1, 28, 6);
    const to = Date.UTC(2024, 2, 2, 1);
    const listed = indicesFor('p-', { from, to });
    expect([...daysWithIndices('p-', listed)]).toEqual(listed.map((n) => dayOfIndex('p-', n)));
    for (let t = startOfDay(from); t < to; t += DAY_MS) expect(listed).toContain(indexFor('p-', t));
    expect(listed).toHaveLength(4);
  });
});

describe('monthly rollup indices', () => {
  test.each(TIMES)('rollupIndexFor and monthOfRollupIndex are inverse for %d', (ms) => {
    for (const spec of SPECS) {
      const name = rollupIndexFor('p-', spec, ms);
      expect(name.startsWith(`${rollupAlias('p-', spec)}-`)).toBe(true);
      const month = monthOfRollupIndex('p-', name, SPECS);
      expect(month).toBeDefined();
      expect(month!.from <= ms && ms < month!.to).toBe(true);
      expect(rollupIndexFor('p-', spec, month!.from)).toBe(name);
      expect(rollupIndexFor('p-', spec, month!.to - 1)).toBe(name);
      expect(rollupIndexFor('p-', spec, month!.to)).not.toBe(name);
      expect(dayOfIndex('p-', name)).toBeUndefined();
      expect(isRollupIndex('p-', name)).toBe(true);
      expect(isRollupIndex('q-', name)).toBe(false);
    }
  });

  test('isRollupIndex: only monthly rollup indices', () => {
    for (const name of [
      'p-rollup-traffic-1h',
      'p-rollup-2024.03',
      'p-flows-2024.03.01',
      'p-rollup-x-2024.3',
      'p-state',
    ])
      expect([name, isRollupIndex('p-', name)]).toEqual([name, false]);
  });

  it('lists the months of a range and parses each back', () => {
    const from = Date.UTC(2023, 10, 15);
    const to = Date.UTC(2024, 1, 1, 0, 0, 0, 1);
    const listed = rollupIndicesFor('p-', 'talkers-15m', from, to);
    expect(listed).toHaveLength(4);
    const months = listed.map((n) => monthOfRollupIndex('p-', n, SPECS));
    expect(months[0]!.from).toBeLessThanOrEqual(from);
    expect(months[months.length - 1]!.to).toBeGreaterThan(to - 1);
    for (let i = 1; i < months.length; i++) expect(months[i]!.from).toBe(months[i - 1]!.to);
    expect(allRollupIndices('p-')).toBe('p-rollup-*');
  });

  it('ignores unknown specs, bad months and daily names', () => {
    expect(monthOfRollupIndex('p-', 'p-rollup-other-2024.03', SPECS)).toBeUndefined();
    expect(monthOfRollupIndex('p-', 'p-rollup-traffic-1m-2024.13', SPECS)).toBeUndefined();
    expect(monthOfRollupIndex('p-', 'p-flows-2024.03.01', SPECS)).toBeUndefined();
  });

  it('tells which daily and monthly indices hold a day', () => {
    const day = Date.UTC(2024, 2, 31);
    expect(indexHoldsDay('p-', indexFor('p-', day), day, SPECS)).toBe(true);
    expect(indexHoldsDay('p-', indexFor('p-', day + DAY_MS), day, SPECS)).toBe(false);
    expect(indexHoldsDay('p-', rollupIndexFor('p-', 'talkers-15m', day), day, SPECS)).toBe(true);
    expect(indexHoldsDay('p-', rollupIndexFor('p-', 'talkers-15m', day + DAY_MS), day, SPECS)).toBe(false);
    // Any instant of the day: a range cut into days starts its first day mid-day.
    expect(indexHoldsDay('p-', indexFor('p-', day), day + 347, SPECS)).toBe(true);
    expect(indexHoldsDay('p-', indexFor('p-', day), day + DAY_MS - 1, SPECS)).toBe(true);
    expect(indexHoldsDay('p-', indexFor('p-', day), day - 1, SPECS)).toBe(false);
  });
});

describe('fixed indices and state documents', () => {
  it('names the fixed indices under the prefix, none of them a flow or rollup index', () => {
    const fixed = fixedIndices('p-');
    expect(fixed).toEqual(['p-saved-queries', 'p-state', 'p-monitors', 'p-alerts']);
    for (const n of fixed) {
      expect(isDailyIndex('p-', n)).toBe(false);
      expect(monthOfRollupIndex('p-', n, SPECS)).toBeUndefined();
    }
  });

  it('state document ids parse back to their kind and key', () => {
    const cases = [
      ['rollup', 'talkers-15m'],
      ['dirty', dayOf(Date.UTC(2024, 2, 1))],
      ['follow', '/var/flows:a:b.csv'],
      ['collector-templates', '192.0.2.1|ipfix|0'],
      ['collector', 'edge-1'],
      ['alert-cursor', 'scan-watch'],
    ] as const;
    for (const [kind, key] of cases) expect(parseStateDocId(stateDocId(kind, key))).toEqual({ kind, key });
    expect(stateDocId('dirty', '2024.03.01')).toBe('dirty:2024.03.01');
    expect(parseStateDocId('unknown:x')).toBeUndefined();
    expect(parseStateDocId('rollup')).toBeUndefined();
  });
});
