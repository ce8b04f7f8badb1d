import { ewmaScore, median, robustScore } from '../../../src/alerts/stats';

test('median of odd, even and empty lists', () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([])).toBe(0);
});

test('robust z-score: median and 1.4826 × MAD, one outlier in the history does not move it', () => {
  const s = robustScore(200, [100, 110, 90, 105, 95, 1000]);
  expect(s.baseline).toBe(102.5);
  // |h - 102.5| = 2.5 7.5 12.5 2.5 7.5 897.5 → MAD 7.5
  expect(s.scale).toBeCloseTo(1.4826 * 7.5, 6);
  expect(s.z).toBeCloseTo((200 - 102.5) / (1.4826 * 7.5), 6);
});

test('a steady history gets a scale floor of 10 % of the baseline (and at least 1)', () => {
  expect(robustScore(130, [100, 100, 100]).z).toBeCloseTo(3, 6);
  expect(robustScore(3, [0, 0, 0]).z).toBe(3);
});

test('EWMA: recent days weigh more', () => {
  const s = ewmaScore(100, [10, 10, 50], 0.5);
  // mean 10 → 10 → 30; variance 0 → 0 → 0.5 × (0 + 40 × 20) = 400
  expect(s.baseline).toBe(30);
  expect(s.scale).toBe(20);
  expect(s.z).toBe(3.5);
});
