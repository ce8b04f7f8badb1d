import { readFileSync } from 'node:fs';
import { FlowdexError } from '../errors';
import { parseIpv4, parseIpv6 } from './ip';

/** What an AS source answers for one address. */
export interface AsInfo {
  number: number;
  organization?: string;
}

/** An AS source by address, and the organization of an AS number. */
export interface AsLookup {
  lookup(ip: string): AsInfo | undefined;
  organizationOf(asn: number): string | undefined;
}

/**
 * An IP-range → AS table read from the CSV files of the `@ip-location-db/asn` package
 * (`start,end,asn,organization`, inclusive ranges, sorted): IPv4 from `asn-ipv4-num.csv`,
 * IPv6 from `asn-ipv6-num.csv`. Kept as typed arrays (about 12 bytes a range) and searched by
 * bisection. IPv6 ranges are compared on their first 64 bits: AS assignments are never
 * smaller than a /64.
 */
export class AsnTable implements AsLookup {
  private readonly v4: Ranges<Float64Array>;
  private readonly v6: Ranges<BigUint64Array>;
  private readonly orgs: string[] = [];
  /** AS number → organization, for AS numbers that come from the exporter. */
  private readonly orgByAsn = new Map<number, number>();

  constructor(v4File: string, v6File: string) {
    // One organization per AS number: ranges keep only the number, names are read once per AS.
    const org = (asn: number, buf: Buffer, a: number, b: number): void => {
      if (this.orgByAsn.has(asn)) return;
      let name = buf.toString('utf8', a, b);
      if (name.startsWith('"')) name = name.slice(1, -1).replace(/""/g, '"');
      this.orgByAsn.set(asn, this.orgs.length);
      this.orgs.push(name);
    };
    this.v4 = readRanges(v4File, (n) => new Float64Array(n), decimal, org);
    this.v6 = readRanges(v6File, (n) => new BigUint64Array(n), upper64, org);
  }

  /**
   * A table read at its first lookup: the bundled one takes about a second to read, and many
   * inputs (lab captures, private networks) never need it.
   */
  static lazy(v4File: string, v6File: string): AsLookup {
    let table: AsnTable | Error | undefined;
    const get = (): AsnTable => {
      if (table === undefined) {
        try {
          table = new AsnTable(v4File, v6File);
        } catch (e) {
          // Read once: every later lookup fails the same way (counted), without re-reading.
          table = e instanceof Error ? e : new Error(String(e));
        }
      }
      if (table instanceof Error) throw table;
      return table;
    };
    return { lookup: (ip) => get().lookup(ip), organizationOf: (asn) => get().organizationOf(asn) };
  }

  lookup(ip: string): AsInfo | undefined {
    const v4 = parseIpv4(ip);
    if (v4 !== undefined) return this.at(this.v4, v4);
    const key = hi64(ip);
    return key === undefined ? undefined : this.at(this.v6, key);
  }

  organizationOf(asn: number): string | undefined {
    const i = this.orgByAsn.get(asn);
    return i === undefined ? undefined : this.orgs[i] || undefined;
  }

  private at<T extends number | bigint>(r: Ranges<ArrayLike<T>>, key: T): AsInfo | undefined {
    const i = bisect(r.start, key);
    if (i < 0 || (r.end[i] as T) < key) return undefined;
    const number = r.asn[i] as number;
    if (number === 0) return undefined;
    const organization = this.organizationOf(number);
    return organization ? { number, organization } : { number };
  }
}

interface Ranges<K> {
  start: K;
  end: K;
  asn: Uint32Array;
}

/** Index of the last start ≤ key, or -1. */
function bisect<T extends number | bigint>(starts: ArrayLike<T>, key: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as T) <= key) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function hi64(ip: string): bigint | undefined {
  const w = parseIpv6(ip);
  if (w === undefined) return undefined;
  return (
    (BigInt((((w[0] as number) << 16) | (w[1] as number)) >>> 0) << 32n) |
    BigInt((((w[2] as number) << 16) | (w[3] as number)) >>> 0)
  );
}

/** The first 64 bits of a decimal 128-bit number in buf[a, b). */
function upper64(buf: Buffer, a: number, b: number): bigint | undefined {
  const digits = buf.toString('latin1', a, b);
  return /^\d{1,39}$/.test(digits) ? BigInt(digits) >> 64n : undefined;
}

/** A decimal number in buf[a, b), or undefined. */
function decimal(buf: Buffer, a: number, b: number): number | undefined {
  if (b <= a) return undefined;
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = (buf[i] as number) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n;
}

const NL = 10;
const CR = 13;
const COMMA = 44;

/**
 * `start,end,asn,organization` lines into typed arrays sized by a first count of lines; the
 * organization may be quoted with "" escapes. Parsed from the file's bytes: only the organization
 * names become strings, each its own (slices of one decoded text would keep all of it alive).
 */
function readRanges<K extends Float64Array | BigUint64Array>(
  file: string,
  alloc: (n: number) => K,
  key: (buf: Buffer, a: number, b: number) => (K extends BigUint64Array ? bigint : number) | undefined,
  org: (asn: number, buf: Buffer, a: number, b: number) => void,
): Ranges<K> {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new FlowdexError('CONFIG_INVALID', `AS database ${file} cannot be read: ${(e as Error).message}`, { file });
  }
  let lines = 0;
  for (let at = text.indexOf(NL); at >= 0; at = text.indexOf(NL, at + 1)) lines++;
  if (text.length > 0 && text[text.length - 1] !== NL) lines++;
  const r: Ranges<K> = { start: alloc(lines), end: alloc(lines), asn: new Uint32Array(lines) };
  let n = 0;
  let line = 0;
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf(NL, at);
    if (nl < 0) nl = text.length;
    line++;
    if (nl > at) {
      const c1 = text.indexOf(COMMA, at);
      const c2 = c1 < 0 || c1 > nl ? -1 : text.indexOf(COMMA, c1 + 1);
      const c3 = c2 < 0 || c2 > nl ? -1 : text.indexOf(COMMA, c2 + 1);
      const start = c3 > 0 && c3 < nl ? key(text, at, c1) : undefined;
      const end = start !== undefined ? key(text, c1 + 1, c2) : undefined;
      const asn = end !== undefined ? decimal(text, c2 + 1, c3) : undefined;
      if (start === undefined || end === undefined || asn === undefined) {
        throw new FlowdexError(
          'CONFIG_INVALID',
          `AS database ${file} line ${line} is not "start,end,asn,organization"`,
          { file, line },
        );
      }
      org(asn, text, c3 + 1, text[nl - 1] === CR ? nl - 1 : nl);
      r.start[n] = start;
      r.end[n] = end;
      r.asn[n] = asn;
      n++;
    }
    at = nl + 1;
  }
  if (n === 0) throw new FlowdexError('CONFIG_INVALID', `AS database ${file} holds no ranges`, { file });
  return n === lines
    ? r
    : { start: r.start.subarray(0, n) as K, end: r.end.subarray(0, n) as K, asn: r.asn.subarray(0, n) };
}
