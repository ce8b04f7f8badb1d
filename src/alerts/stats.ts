/**
 * Baseline statistics, pure. Both scores have a scale floor so a perfectly steady history does
 * not turn a small change into a huge score.
 */

/** Smallest scale as a share of the baseline: a steady key must move by more than this × z. */
export const MIN_SCALE_SHARE = 0.1;
/** Consistency constant: 1.4826 × MAD estimates the standard deviation of normal data. */
const MAD_TO_SD = 1.4826;

export interface Score {
  /** What the value is compared with (median or EWMA mean). */
  baseline: number;
  scale: number;
  z: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function scored(x: number, baseline: number, spread: number): Score {
  const scale = Math.max(spread, MIN_SCALE_SHARE * Math.abs(baseline), 1);
  return { baseline, scale, z: (x - baseline) / scale };
}

/** Robust z-score: distance from the median in units of the scaled median absolute deviation. */
export function robustScore(x: number, history: readonly number[]): Score {
  const med = median(history);
  const mad = median(history.map((h) => Math.abs(h - med)));
  return scored(x, med, MAD_TO_SD * mad);
}

/**
 * EWMA score: an exponentially weighted mean and variance over the history (oldest first),
 * recent days weighing more; `alpha` is the weight of each new day.
 */
export function ewmaScore(x: number, history: readonly number[], alpha: number): Score {
  let mean = history[0] ?? 0;
  let variance = 0;
  for (const h of history.slice(1)) {
    const diff = h - mean;
    const incr = alpha * diff;
    mean += incr;
    variance = (1 - alpha) * (variance + diff * incr);
  }
  return scored(x, mean, Math.sqrt(variance));
}
