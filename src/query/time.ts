import { FlowdexError } from '../errors';
import { isTimeInBounds, MAX_RANGE_DAYS, MAX_TIME_MS, MIN_TIME_MS } from './limits';
import { parseDurationNs } from './units';
import { DAY_MS, type TimeRange } from '../model/time';

/** @default 24 h back from now */
export const DEFAULT_SPAN_MS = 24 * 3600 * 1000;

/** Units `now` arithmetic takes; months and years are left out on purpose (variable length). */
const RELATIVE = /^now(?:([+-])(\d+)(s|m|h|d|w))?(?:\/(s|m|h|d|w))?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;
/** Epoch values up to this are seconds, above are milliseconds (1e11 s is the year 5138). */
const EPOCH_SECONDS_MAX = 1e11;

function badTime(text: string, label: string): FlowdexError {
  return new FlowdexError(
    'QUERY_BAD_TIME',
    `${label} "${text}" is not a time: use ISO 8601 (2024-05-01T12:00:00Z), epoch seconds/ms, now, now-24h, now-7d/d or a span like 24h`,
    { field: label },
  );
}

function roundDown(t: number, unit: string): number {
  if (unit === 'w') {
    // ISO weeks start on Monday; 1970-01-01 was a Thursday.
    const day = Math.floor(t / DAY_MS);
    return (day - ((day + 3) % 7)) * DAY_MS;
  }
  const size = (parseDurationNs(`1${unit}`) ?? 0) / 1e6;
  return Math.floor(t / size) * size;
}

/**
 * One point in time, as epoch ms. Accepts ISO 8601 (a zone-less time is UTC), epoch seconds or
 * milliseconds, `now` with `+`/`-` arithmetic in s/m/h/d/w and optional rounding down (`now/d`,
 * `now-1d/d`), and a bare span (`24h`) meaning that long before now.
 */
export function parseTime(text: string, now: number, label = 'time'): number {
  const v = readTime(text.trim(), now, text, label);
  if (!isTimeInBounds(v)) {
    throw new FlowdexError(
      'QUERY_BAD_TIME',
      `${label} "${text}" is outside the times flowdex handles (${new Date(MIN_TIME_MS).toISOString()} to ${new Date(MAX_TIME_MS).toISOString()})`,
      { field: label },
    );
  }
  return v;
}

function readTime(t: string, now: number, text: string, label: string): number {
  const rel = RELATIVE.exec(t);
  if (rel) {
    const [, sign, amount, unit, round] = rel;
    let v = now;
    if (sign !== undefined && amount !== undefined && unit !== undefined) {
      const delta = ((parseDurationNs(`${amount}${unit}`) ?? 0) / 1e6) * (sign === '-' ? -1 : 1);
      v += delta;
    }
    return round !== undefined ? roundDown(v, round) : v;
  }
  if (/^\d+(s|m|h|d|w)$/.test(t)) return now - (parseDurationNs(t) ?? 0) / 1e6;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= EPOCH_SECONDS_MAX ? n * 1000 : n;
  }
  const dt = ISO_DATETIME.exec(t);
  const ymd = ISO_DATE.test(t) ? t : dt?.[1];
  if (ymd === undefined || !isCalendarDate(ymd)) throw badTime(text, label);
  const zone = dt?.[3]?.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') ?? 'Z';
  const v = Date.parse(dt ? `${ymd}T${dt[2]}${zone}` : `${ymd}T00:00:00Z`);
  if (Number.isNaN(v)) throw badTime(text, label);
  return v;
}

/** Date.parse may roll 2024-02-31 over to March; a round trip catches that. */
function isCalendarDate(ymd: string): boolean {
  const v = Date.parse(`${ymd}T00:00:00Z`);
  return !Number.isNaN(v) && new Date(v).toISOString().slice(0, 10) === ymd;
}

/**
 * The range `[from, to)` a search or report covers. Missing `to` is now, missing `from` is 24 h
 * before `to`. `now` is passed in so the function stays pure.
 */
export function parseTimeRange(from: string | undefined, to: string | undefined, now: number): TimeRange {
  const end = to === undefined || to === '' ? now : parseTime(to, now, 'to');
  const start = from === undefined || from === '' ? end - DEFAULT_SPAN_MS : parseTime(from, now, 'from');
  if (end - start > MAX_RANGE_DAYS * DAY_MS) {
    throw new FlowdexError(
      'QUERY_BAD_TIME',
      `the range from ${new Date(start).toISOString()} to ${new Date(end).toISOString()} is longer than ${MAX_RANGE_DAYS} days; narrow from or to`,
      { field: 'from' },
    );
  }
  if (start >= end) {
    throw new FlowdexError(
      'QUERY_BAD_TIME',
      `from (${new Date(start).toISOString()}) must be before to (${new Date(end).toISOString()})`,
      { field: 'from' },
    );
  }
  return { from: start, to: end };
}
