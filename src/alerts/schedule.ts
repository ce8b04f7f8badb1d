import { FlowdexError } from '../errors';
import type { TimeRange } from '../model/time';
import { intervalMs } from '../query/units';
import { DAY_MS } from '../model/time';

/** Shortest schedule: flows arrive in batches, a window shorter than a minute mostly sees noise. */
export const MIN_SCHEDULE_MS = 60_000;

/**
 * A schedule such as `1m` or `every 15m`: the window length and the evaluation period, which
 * are the same. It must divide a day so windows line up with hours and days (baselines compare
 * the same window of earlier days).
 */
export function scheduleMs(text: string): number {
  const t = text.trim().replace(/^every\s+/i, '');
  let ms: number;
  try {
    ms = intervalMs(t);
  } catch {
    throw badSchedule(text);
  }
  if (ms < MIN_SCHEDULE_MS || ms > DAY_MS || DAY_MS % ms !== 0) throw badSchedule(text);
  return ms;
}

function badSchedule(text: string): FlowdexError {
  return new FlowdexError(
    'BAD_REQUEST',
    `schedule "${text}" must be like "1m" or "every 15m": from 1m to 1d, dividing a day`,
    { field: 'schedule' },
  );
}

/** The last whole window that ends at or before `until`. */
export function lastWindow(until: number, ms: number): TimeRange {
  const to = Math.floor(until / ms) * ms;
  return { from: to - ms, to };
}

/** Whole windows starting at `from` (aligned) and ending at or before `until`, oldest first. */
export function windowsBetween(from: number, until: number, ms: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (let t = Math.ceil(from / ms) * ms; t + ms <= until; t += ms) out.push({ from: t, to: t + ms });
  return out;
}
