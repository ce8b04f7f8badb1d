import { isIP } from 'node:net';
import { FlowdexError } from '../errors';
import { communityHash } from '../model/community-id';
import { ENDPOINT_FIELDS, SERVER_FIELDS } from '../model/endpoint';
import { allFieldNames, fieldByName, resolveField, VALUE_TWINS, type FieldDef, type FieldType } from '../model/fields';
import { ianaNumber, transportName } from '../model/protocols';
import type { Test } from './ast';
import type { Scalar } from './dsl';
import { flagMask, valuesWithFlags } from './flags';
import { MAX_VALUE_LENGTH, MAX_WILDCARD_LENGTH, MAX_WILDCARDS } from './limits';
import { parseTime } from './time';
import { parseDurationNs, parseQuantity } from './units';

const INT_LIMITS: Partial<Record<FieldType, [number, number]>> = {
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  // OpenSearch refuses non-finite floats; beyond this a 32-bit float is infinite.
  float: [-3.4e38, 3.4e38],
};

export type Comparison = '>' | '>=' | '<' | '<=';

/** The stored fields behind a name, all of one type; errors name the position and a suggestion. */
export interface ResolvedField {
  name: string;
  defs: FieldDef[];
  type: FieldType;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The accepted field name closest to `name`, when it is close enough to be a likely typo. */
export function suggestField(name: string): string | undefined {
  // Edit distance costs length × length per candidate; no field name is anywhere near this long.
  if (name.length > 64) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allFieldNames()) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export function lookupField(name: string, pos: number): ResolvedField {
  const defs = resolveField(name);
  const first = defs?.[0];
  if (defs === undefined || first === undefined) {
    const suggestion = suggestField(name);
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : '';
    throw new FlowdexError('QUERY_UNKNOWN_FIELD', `unknown field "${name}" at ${pos}${hint}`, {
      position: pos,
      field: name,
      ...(suggestion !== undefined ? { suggestion } : {}),
    });
  }
  const hidden = defs.find((d) => d.indexed === false);
  if (hidden) {
    throw new FlowdexError('QUERY_UNKNOWN_FIELD', `field "${name}" at ${pos} is stored but not searchable`, {
      position: pos,
      field: name,
    });
  }
  return { name, defs, type: first.type };
}

/** The device-name field beside each address field (LANL-style flows carry names, not IPs). */
const ADDRESS_NAMES: Readonly<Record<string, string>> = Object.fromEntries([
  ...Object.values(ENDPOINT_FIELDS),
  SERVER_FIELDS,
]);
/** A host name: starts with a letter, so no address (IPv6 starts with a hex digit or ':' only when it is not a word like this). */
const DEVICE_NAME = /^[A-Za-z][\w.-]*$/;

/**
 * The field a value is really about: a name given to an ifIndex field means the interface's
 * name, an address given to a network-name field means the addresses (`VALUE_TWINS`), a device
 * name given to an address field means the device names.
 */
export function fieldForValue(f: ResolvedField, raw: string): ResolvedField {
  // A name where an address is expected (`dst:EnterpriseAppServer`) searches the device names.
  if (f.type === 'ip' && DEVICE_NAME.test(raw) && f.defs.every((d) => ADDRESS_NAMES[d.name] !== undefined)) {
    return {
      name: f.name,
      defs: f.defs.map((d) => fieldByName(ADDRESS_NAMES[d.name] as string) as FieldDef),
      type: 'keyword',
    };
  }
  const [only] = f.defs;
  const twinName = f.defs.length === 1 && only !== undefined ? VALUE_TWINS[only.name] : undefined;
  const twin = twinName !== undefined ? fieldByName(twinName) : undefined;
  if (twin === undefined || raw === '*') return f;
  const fits = f.type === 'keyword' ? parseIpOrCidr(raw) === undefined : /^\d+(\.\.\d+)?$/.test(raw);
  return fits ? f : { name: f.name, defs: [twin], type: twin.type };
}

function badValue(message: string, f: ResolvedField, pos: number): FlowdexError {
  return new FlowdexError('QUERY_BAD_VALUE', `${message} at ${pos}`, { position: pos, field: f.name });
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:1.2.3.4` in any spelling), which
 * OpenSearch reads as IPv4 — so a block on it must be written as an IPv4 block.
 */
function mappedIpv4(addr: string): string | undefined {
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(new URL(`http://[${addr}]/`).hostname);
  if (!m) return undefined;
  const [hi, lo] = [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * An IPv4/IPv6 address or CIDR block, lower-cased; undefined when it is neither. Zone ids
 * (`fe80::1%eth0`) are not addresses OpenSearch stores; a block on IPv4-mapped addresses
 * becomes the IPv4 block it means (`::ffff:10.0.0.0/104` → `10.0.0.0/8`).
 */
export function parseIpOrCidr(text: string): string | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(addr);
  if (version === 0 || addr.includes('%')) return undefined;
  if (slash < 0) return text.toLowerCase();
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (version === 4 ? 32 : 128)) return undefined;
  const v4 = version === 6 ? mappedIpv4(addr) : undefined;
  if (v4 === undefined) return text.toLowerCase();
  return Number(prefix) >= 96 ? `${v4}/${Number(prefix) - 96}` : undefined;
}

function ipValue(raw: string, f: ResolvedField, pos: number): string {
  const v = parseIpOrCidr(raw);
  if (v !== undefined) return v;
  const slash = raw.indexOf('/');
  if (slash >= 0 && isIP(raw.slice(0, slash)) !== 0) {
    const addr = raw.slice(0, slash);
    const range =
      isIP(addr) === 4 ? '0-32' : mappedIpv4(addr) !== undefined ? '96-128 (an IPv4-mapped block)' : '0-128';
    throw badValue(`"${raw}" is not a CIDR block for ${f.name}: the prefix length must be ${range}`, f, pos);
  }
  throw badValue(`"${raw}" is not an IP address or CIDR block for ${f.name}`, f, pos);
}

const UNIT_HELP: Record<string, string> = {
  bytes: 'a byte count like 1500, 1.5k, 10MB or 2GiB',
  count: 'a count like 3, 10k or 2M',
  duration_ns: 'a duration like 500ms, 30s, 5m or 2h',
  plain: 'a whole number',
};

function numericValue(raw: string, f: ResolvedField, pos: number): number {
  const def = f.defs[0] as FieldDef;
  const unit = def.unit ?? 'plain';
  let v: number | undefined;
  if (unit === 'duration_ns') v = raw === '0' ? 0 : parseDurationNs(raw);
  else if (def.name === 'network.iana_number') v = ianaNumber(raw);
  else v = parseQuantity(raw, unit);
  if (v === undefined || !Number.isFinite(v) || (def.type !== 'float' && !Number.isInteger(v))) {
    throw badValue(`"${raw}" is not ${UNIT_HELP[unit] ?? 'a number'} for ${f.name}`, f, pos);
  }
  const limits = def.range ?? INT_LIMITS[def.type];
  if (limits && (v < limits[0] || v > limits[1])) {
    throw badValue(`${raw} is out of range for ${f.name} (${limits[0]} to ${limits[1]})`, f, pos);
  }
  return v;
}

function keywordValue(raw: string, f: ResolvedField, pos = 0): Scalar {
  const def = f.defs[0] as FieldDef;
  if (def.computedFrom === 'flow.community_hash') {
    // The ID is not stored; its hash's first 64 bits are, so the query asks for those.
    const hash = communityHash(raw);
    if (hash === undefined) throw badValue(`"${raw}" is not a Community ID v1 (1:<28 base64 characters>)`, f, pos);
    return hash;
  }
  // proto:6 means tcp: the stored transport is the name normalization derived from the number.
  if (def.name === 'network.transport' && /^\d+$/.test(raw)) return transportName(Number(raw));
  if (def.form === 'mac' && /^[0-9a-f]{2}([:.-]?[0-9a-f]{2}){5}$|^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(raw)) {
    return raw
      .replace(/[:.-]/g, '')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1-');
  }
  return def.form === 'lower' ? raw.toLowerCase() : raw;
}

function dateValue(raw: string, f: ResolvedField, pos: number, now: number): number {
  try {
    return parseTime(raw, now, f.name);
  } catch (e) {
    if (e instanceof FlowdexError)
      throw new FlowdexError('QUERY_BAD_TIME', `${e.message} at ${pos}`, { position: pos, field: f.name });
    throw e;
  }
}

/** One value read by the field's type: what `term`, `terms` and `range` bounds carry. */
export function scalarValue(raw: string, f: ResolvedField, pos: number, now: number): Scalar {
  switch (f.type) {
    case 'ip':
      return ipValue(raw, f, pos);
    case 'keyword':
      return keywordValue(raw, f, pos);
    case 'date':
      return dateValue(raw, f, pos, now);
    case 'geo_point':
      throw badValue(`${f.name} cannot be matched by value; use ${f.name}:* to test presence`, f, pos);
    default:
      return numericValue(raw, f, pos);
  }
}

/**
 * The test `field:value` means. Unquoted `*` is "has the field", unquoted `a..b` an inclusive
 * range (not for keywords, whose values may contain dots), unquoted `*`/`?` a keyword wildcard.
 * Quoted values are always literal.
 */
export function valueTest(raw: string, quoted: boolean, f: ResolvedField, pos: number, now: number): Test {
  checkLength(raw, f, pos);
  if (!quoted && raw === '*') return { op: 'exists' };
  if (!quoted && f.type !== 'keyword') {
    const dots = raw.indexOf('..');
    if (dots >= 0) {
      const lo = raw.slice(0, dots);
      const hi = raw.slice(dots + 2);
      if (lo === '' || hi === '')
        throw badValue(`range "${raw}" needs both ends (low..high); use > or < for open ranges`, f, pos);
      if (f.type === 'geo_point') throw badValue(`${f.name} cannot be matched by value`, f, pos);
      const gte = rangeEnd(lo, f, pos, now);
      const lte = rangeEnd(hi, f, pos + dots + 2, now);
      if (typeof gte === 'number' && typeof lte === 'number' && gte > lte) {
        throw badValue(`range "${raw}" is empty: the low end is above the high end`, f, pos);
      }
      return { op: 'range', gte, lte };
    }
  }
  if (!quoted && /[*?]/.test(raw)) {
    if (f.type !== 'keyword') {
      const hint = f.type === 'ip' ? ' (use a CIDR block such as 10.0.0.0/8)' : '';
      throw badValue(`wildcards work on name fields only, not on ${f.name}${hint}`, f, pos);
    }
    if (f.defs.some((d) => d.computedFrom !== undefined))
      throw badValue(`${f.name} takes a whole value, not a wildcard`, f, pos);
    return { op: 'wildcard', pattern: String(keywordValue(wildcardPattern(raw, f, pos), f, pos)) };
  }
  const mask = f.defs[0]?.name === 'flow.tcp_flags' && /^[A-Z]+$/.test(raw) ? flagMask(raw) : undefined;
  // Flag letters (nfdump's CEUAPRSF, X for UAPRSF) mean "at least these flags set".
  if (mask !== undefined) return { op: 'eq', values: valuesWithFlags(mask) };
  if (f.type === 'date') {
    // A point in time matches flows starting in that very millisecond.
    const t = dateValue(raw, f, pos, now);
    return { op: 'range', gte: t, lte: t };
  }
  return { op: 'eq', values: [scalarValue(raw, f, pos, now)] };
}

const COMPARISON_BOUND = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const;

/** `field>value` and friends; only numbers, addresses and times have an order worth asking for. */
export function comparisonTest(op: Comparison, raw: string, f: ResolvedField, pos: number, now: number): Test {
  if (f.type === 'keyword' || f.type === 'geo_point') {
    throw badValue(
      `${f.name} is a ${f.type === 'keyword' ? 'name' : 'location'} field and cannot be compared with ${op}; use ${f.name}:value or a wildcard`,
      f,
      pos,
    );
  }
  checkLength(raw, f, pos);
  return { op: 'range', [COMPARISON_BOUND[op]]: rangeEnd(raw, f, pos, now) };
}

/** A range bound: a single point; a CIDR block is already a range and has no order. */
function rangeEnd(raw: string, f: ResolvedField, pos: number, now: number): Scalar {
  if (f.type === 'ip' && raw.includes('/'))
    throw badValue(
      `"${raw}" is a block, not an address: compare ${f.name} with a single address or write ${f.name}:${raw}`,
      f,
      pos,
    );
  return scalarValue(raw, f, pos, now);
}

function checkLength(raw: string, f: ResolvedField, pos: number): void {
  if (raw.length > MAX_VALUE_LENGTH) throw badValue(`value longer than ${MAX_VALUE_LENGTH} characters`, f, pos);
}

/**
 * A wildcard pattern OpenSearch can run cheaply: runs of `*` are one `*` (same matches), and the
 * length and count of `*`/`?` are bounded, since Lucene builds an automaton from the pattern.
 */
function wildcardPattern(raw: string, f: ResolvedField, pos: number): string {
  const pattern = raw.replace(/\*{2,}/g, '*');
  const wildcards = pattern.replace(/[^*?]/g, '').length;
  if (wildcards > MAX_WILDCARDS)
    throw badValue(
      `"${raw.slice(0, 40)}${raw.length > 40 ? '…' : ''}" has ${wildcards} wildcards; at most ${MAX_WILDCARDS} * or ? per value`,
      f,
      pos,
    );
  if (pattern.length > MAX_WILDCARD_LENGTH)
    throw badValue(`wildcard pattern longer than ${MAX_WILDCARD_LENGTH} characters`, f, pos);
  return pattern;
}
