import { alignedBuckets } from '../../../src/query/indices';
import { indexFor, indicesFor } from '../../../src/store/indices';

const D = 86400000;

/** Small deterministic generator (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('indexFor', () => {
  it.each([
    [Date.UTC(2024, 4, 1), 'flowdex-flows-2024.05.01'],
    [Date.UTC(2024, 4, 1, 23, 59, 59, 999), 'flowdex-flows-2024.05.01'],
    [Date.UTC(2024, 4, 2), 'flowdex-flows-2024.05.02'],
    [Date.UTC(1999, 11, 31, 12), 'flowdex-flows-1999.12.31'],
    [0, 'flowdex-flows-1970.01.01'],
  ])('%d → %s', (t, name) => {
    expect(indexFor('flowdex-', t)).toBe(name);
  });

  it('uses the prefix as given', () => {
    expect(indexFor('t1-', Date.UTC(2024, 0, 9))).toBe('t1-flows-2024.01.09');
  });
});

describe('indicesFor', () => {
  it('lists every UTC day the half-open range touches', () => {
    expect(indicesFor('p-', { from: Date.UTC(2024, 1, 28, 22), to: Date.UTC(2024, 2, 1, 0, 0, 1) })).toEqual([
      'p-flows-2024.02.28',
      'p-flows-2024.02.29',
      'p-flows-2024.03.01',
    ]);
  });

  it('leaves out the day that starts exactly at the end', () => {
    expect(indicesFor('p-', { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 4, 2) })).toEqual(['p-flows-2024.05.01']);
  });

  it('is empty for an empty range', () => {
    expect(indicesFor('p-', { from: 5, to: 5 })).toEqual([]);
  });

  it('falls back to the wildcard beyond the cap', () => {
    const from = Date.UTC(2024, 0, 1);
    expect(indicesFor('p-', { from, to: from + 3 * D }, 3)).toHaveLength(3);
    expect(indicesFor('p-', { from, to: from + 3 * D + 1 }, 3)).toEqual(['p-flows-*']);
    expect(indicesFor('p-', { from: 0, to: Date.UTC(2024, 0, 1) })).toEqual(['p-flows-*']);
  });

  it('agrees with indexFor: every time in the range has its index listed, and only those days', () => {
    const next = random(42);
    for (let run = 0; run < 200; run++) {
      const from = Math.floor(Date.UTC(2020, 0, 1) + next() * 5 * 365 * D);
      const to = from + 1 + Math.floor(next() * 40 * D);
      const listed = indicesFor('x-', { from, to });
      for (let k = 0; k < 50; k++) {
        const t = from + Math.floor(next() * (to - from));
        expect(listed).toContain(indexFor('x-', t));
      }
      // The ends themselves, and nothing outside them.
      expect(listed[0]).toBe(indexFor('x-', from));
      expect(listed[listed.length - 1]).toBe(indexFor('x-', to - 1));
      expect(new Set(listed).size).toBe(listed.length);
    }
  });
});

describe('alignedBuckets', () => {
  it('starts at the interval boundary at or before from and stops before to', () => {
    const m15 = 900000;
    const from = Date.UTC(2024, 4, 1, 10, 7);
    expect(alignedBuckets({ from, to: Date.UTC(2024, 4, 1, 10, 45) }, m15)).toEqual([
      Date.UTC(2024, 4, 1, 10, 0),
      Date.UTC(2024, 4, 1, 10, 15),
      Date.UTC(2024, 4, 1, 10, 30),
    ]);
  });

  it('has one bucket per interval of an aligned range', () => {
    expect(alignedBuckets({ from: 0, to: D }, 3600000)).toHaveLength(24);
  });
});
