import { isIP } from 'node:net';
import { FlowdexError } from '../../errors';

/**
 * A record of a text format, whatever its syntax: a CSV row under its header or a JSON object.
 * Readers map a Row to a FlowRecord once, so the CSV and JSON variants of a format share code.
 */
export type Cell = string | number | boolean | null | undefined;

export interface Row {
  get(key: string): Cell;
}

export class JsonRow implements Row {
  constructor(readonly obj: Record<string, unknown>) {}
  get(key: string): Cell {
    const v = this.obj[key];
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as Cell);
  }
}

export class CsvRow implements Row {
  /** `unset`: the format's marker for "no value" (Zeek `-`), read as absent. */
  constructor(
    readonly index: ReadonlyMap<string, number>,
    readonly cells: readonly string[],
    readonly unset?: ReadonlySet<string>,
  ) {}
  get(key: string): Cell {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const v = this.cells[i];
    if (v === undefined || (this.unset !== undefined && this.unset.has(v))) return undefined;
    return v;
  }
}

export function badRecord(field: string, message: string): FlowdexError {
  return new FlowdexError('INPUT_BAD_RECORD', message, { field });
}

/** Present and not blank. */
function present(v: Cell): v is string | number | boolean {
  return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
}

export function str(row: Row, key: string): string | undefined {
  const v = row.get(key);
  return present(v) ? String(v).trim() : undefined;
}

export function num(row: Row, key: string): number | undefined {
  const v = row.get(key);
  if (!present(v)) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (typeof v === 'boolean' || !Number.isFinite(n))
    throw badRecord(key, `${key} is not a number: ${JSON.stringify(v)}`);
  return n;
}

/** Largest counter accepted: beyond this a value is corrupt, not traffic (2^53, exact in a double). */
const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** A non-negative integer count (bytes, packets). Negative, fractional or absurd values are rejected. */
export function counter(row: Row, key: string): number | undefined {
  const n = num(row, key);
  if (n === undefined) return undefined;
  if (n < 0 || n > MAX_COUNTER || !Number.isInteger(n))
    throw badRecord(key, `${key} must be a non-negative integer count, got ${n}`);
  return n;
}

/** A bounded non-negative integer (ports, interface ids, flags, protocol numbers). */
export function uint(row: Row, key: string, max: number): number | undefined {
  const n = num(row, key);
  if (n === undefined) return undefined;
  if (n < 0 || n > max || !Number.isInteger(n)) throw badRecord(key, `${key} must be an integer 0-${max}, got ${n}`);
  return n;
}

export function port(row: Row, key: string): number | undefined {
  return uint(row, key, 65535);
}

export function ip(row: Row, key: string): string | undefined {
  const v = str(row, key);
  if (v === undefined) return undefined;
  if (isIP(v) === 0) throw badRecord(key, `${key} is not an IP address: ${JSON.stringify(v)}`);
  return v;
}

/** Seconds (possibly fractional) as whole milliseconds. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1000);
}

const DATE_TIME =
  /^(\d{4})[-/](\d\d)[-/](\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * Parses a calendar time: ISO 8601 and the `YYYY-MM-DD hh:mm:ss[.frac]` / `YYYY/MM/DD …` forms
 * of nProbe, nfdump and Argus. Without a zone the time is taken as UTC (those tools print
 * local time; run them with TZ=UTC). Returns undefined when the text is no such time.
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m || calendarProblem(m) !== undefined) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60000;
  }
  return Number.isFinite(t) ? Math.round(t) : undefined;
}

/**
 * Why a date-time's fields name no moment (`2025/02/30`, `25:61:61`), or undefined when they do.
 * `Date.UTC` would roll such values over into another day; a flow time must be what was written.
 */
function calendarProblem(m: RegExpExecArray): string | undefined {
  const [, y, mo, d, h = '0', mi = '0', s = '0', , zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return `month ${mo} does not exist`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `day ${d} does not exist in ${y}-${mo} (${days} days)`;
  if (Number(h) > 23) return `hour ${h} is past 23`;
  if (Number(mi) > 59) return `minute ${mi} is past 59`;
  if (Number(s) > 59) return `second ${s} is past 59`;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2) || '0') > 59)
      return `zone offset ${zone} is not a time offset`;
  }
  return undefined;
}

/** Why a date-time text is not a valid time, when it has the shape of one. */
export function dateTimeProblem(text: string): string | undefined {
  const m = DATE_TIME.exec(text.trim());
  return m ? calendarProblem(m) : undefined;
}

/** Epoch number in s, ms, µs or ns, told apart by magnitude (s up to year 5138, then ms, …). */
export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a < 1e11) return Math.round(n * 1000);
  if (a < 1e14) return Math.round(n);
  if (a < 1e17) return Math.round(n / 1000);
  return Math.round(n / 1e6);
}

export type TimeUnit = 's' | 'ms' | 'iso' | 'auto';

/** A time cell as epoch ms: a number in `unit` (or guessed by magnitude) or a date-time string. */
export function time(row: Row, key: string, unit: TimeUnit = 'auto'): number | undefined {
  const v = row.get(key);
  if (!present(v)) return undefined;
  const t = toTime(v, unit);
  if (t === undefined) {
    const why = typeof v === 'string' ? dateTimeProblem(v) : undefined;
    throw badRecord(key, `${key} is not a ${why ? 'valid ' : ''}time: ${JSON.stringify(v)}${why ? ` (${why})` : ''}`);
  }
  return t;
}

export function toTime(v: string | number | boolean, unit: TimeUnit): number | undefined {
  if (typeof v === 'boolean') return undefined;
  const n = typeof v === 'number' ? v : unit === 'iso' ? NaN : Number(v.trim());
  if (Number.isFinite(n)) {
    if (unit === 's') return Math.round(n * 1000);
    if (unit === 'ms') return Math.round(n);
    if (unit === 'iso') return undefined;
    return epochToMs(n);
  }
  return typeof v === 'string' && unit !== 's' && unit !== 'ms' ? parseDateTime(v) : undefined;
}

/** A device name or an address: IPs go to `ip`, anything else to `address` (LANL `Comp576843`). */
export function addressOrIp(value: string | undefined): { ip?: string; address?: string } {
  if (value === undefined) return {};
  return isIP(value) !== 0 ? { ip: value } : { address: value };
}
