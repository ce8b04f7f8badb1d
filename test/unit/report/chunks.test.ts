import { histogramInterval, timeChunks } from '../../../src/report/chunks';

const range = { from: 1000, to: 2000 };

describe('timeChunks', () => {
  test('cuts where a page has filled, covering the range without gaps', () => {
    const buckets = [
      { key: 1000, count: 4 },
      { key: 1100, count: 4 },
      { key: 1200, count: 4 },
      { key: 1500, count: 1 },
      { key: 1900, count: 9 },
    ];
    expect(timeChunks(range, buckets, 10)).toEqual([
      { from: 1000, to: 1200 },
      { from: 1200, to: 1900 },
      { from: 1900, to: 2000 },
    ]);
  });

  test('a bucket above a page is a chunk of its own', () => {
    const buckets = [
      { key: 1000, count: 2 },
      { key: 1300, count: 50 },
      { key: 1400, count: 2 },
    ];
    expect(timeChunks(range, buckets, 10)).toEqual([
      { from: 1000, to: 1300 },
      { from: 1300, to: 1400 },
      { from: 1400, to: 2000 },
    ]);
  });

  test('bucket keys before the range start (aligned histograms) are clamped', () => {
    expect(
      timeChunks(
        range,
        [
          { key: 900, count: 8 },
          { key: 1000, count: 8 },
        ],
        10,
      ),
    ).toEqual([{ from: 1000, to: 2000 }]);
  });

  test('no buckets: one chunk, the whole range', () => {
    expect(timeChunks(range, [], 10)).toEqual([range]);
  });

  test('chunks are contiguous and increasing for any counts', () => {
    for (let seed = 1; seed < 50; seed++) {
      const buckets = Array.from({ length: 40 }, (_, i) => ({ key: 990 + i * 25, count: (seed * (i + 3)) % 17 }));
      const chunks = timeChunks(range, buckets, 12);
      expect(chunks[0]?.from).toBe(range.from);
      expect(chunks[chunks.length - 1]?.to).toBe(range.to);
      chunks.forEach((c, i) => {
        expect(c.to).toBeGreaterThan(c.from);
        if (i > 0) expect(c.from).toBe(chunks[i - 1]?.to);
      });
    }
  });
});

describe('histogramInterval', () => {
  test('about the number of buckets asked for, never below 1 ms', () => {
    expect(histogramInterval({ from: 0, to: 86_400_000 }, 2000)).toBe(43_200);
    expect(histogramInterval({ from: 0, to: 10 }, 2000)).toBe(1);
  });
});
