import { FlowdexError } from '../errors';
import type { TimeRange } from '../model/time';
import { own } from './limits';

/**
 * Number and duration syntax shared by the query language, time ranges and report intervals.
 *
 * Byte sizes: `k` `M` `G` `T` and `KB` `MB` `GB` `TB` multiply by 1000; `KiB` `MiB` `GiB` `TiB`
 * by 1024 (binary), as in `bytes>1M` or `bytes>=1.5GiB`. Counts (packets): `k` `M` `G` ×1000.
 * Durations: `ns` `us` `ms` `s` `m` `h` `d` (and `w` for time ranges).
 */

const DECIMAL: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const BYTE_UNITS: Record<string, number> = {
  ...DECIMAL,
  B: 1,
  KB: 1e3,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** Nanoseconds per duration unit. */
const NS_PER: Record<string, number> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
};

const NUMBER_WITH_UNIT = /^(-?\d+(?:\.\d+)?)([A-Za-z]*)$/;

export type QuantityKind = 'bytes' | 'count' | 'plain';

/**
 * Reads `1.5M`, `10KiB`, `42` into a number; returns undefined when the text is not a
 * number with a unit this kind allows (callers build the error with position).
 */
export function parseQuantity(text: string, kind: QuantityKind): number | undefined {
  const m = NUMBER_WITH_UNIT.exec(text);
  if (!m) return undefined;
  const [, num = '', unit = ''] = m;
  const table = kind === 'bytes' ? BYTE_UNITS : kind === 'count' ? DECIMAL : {};
  const factor = unit === '' ? 1 : own(table, unit);
  if (factor === undefined) return undefined;
  // Multiply as integers where possible so 1.1k is 1100, not 1100.0000000000002.
  return Math.round(Number(num) * factor * 1e6) / 1e6;
}

/** Reads `30s`, `1.5ms`, `2h` into nanoseconds; undefined when not a duration. */
export function parseDurationNs(text: string): number | undefined {
  const m = NUMBER_WITH_UNIT.exec(text);
  if (!m) return undefined;
  const [, num = '', unit = ''] = m;
  const factor = own(NS_PER, unit);
  if (factor === undefined) return undefined;
  return Math.round(Number(num) * factor);
}

/**
 * A report interval such as `15m`, `1h`, `30s`, `1d` in milliseconds. Whole milliseconds,
 * at least one second (finer buckets are not meaningful for flow start times).
 */
export function intervalMs(text: string): number {
  const ns = /^\d+[a-z]+$/.test(text) ? parseDurationNs(text) : undefined;
  if (ns === undefined || ns % 1e6 !== 0 || ns < 1e9) {
    throw new FlowdexError(
      'QUERY_BAD_VALUE',
      `interval "${text}" is not a whole number of s, m, h or d (e.g. 15m), at least 1s`,
      { field: 'interval' },
    );
  }
  return ns / 1e6;
}

/** The largest exact unit for an interval, as OpenSearch's `fixed_interval` spells it. */
export function formatInterval(ms: number): string {
  for (const [unit, size] of [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Chart intervals the pages and the host report choose from, finest first. */
const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'];
/** About this many bars or points per chart: readable, and cheap to aggregate. */
const TARGET_BUCKETS = 96;

/** The finest interval that keeps a chart of `range` near TARGET_BUCKETS buckets. */
export function autoInterval(range: TimeRange): string {
  const span = range.to - range.from;
  // Past the presets (ranges of years), whole days keep the chart near TARGET_BUCKETS too.
  return (
    INTERVALS.find((i) => span / intervalMs(i) <= TARGET_BUCKETS) ?? `${Math.ceil(span / TARGET_BUCKETS / 86_400_000)}d`
  );
}
