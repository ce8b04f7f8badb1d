import { FlowdexError } from '../errors';
import type { SamplingPolicy } from '../model/sampling';
import { contains, parseIp, parsePrefix, type ParsedIp, type Prefix } from './ip';

/** One configured rate for an exporter address or an exporter subnet. */
export interface RateRule {
  prefix: Prefix;
  rate: number;
}

/**
 * Configured sampling rates (networks file `sampling:`, FLOWDEX_SAMPLING_DEFAULTS and
 * FLOWDEX_SAMPLING_OVERRIDES): `defaults` apply to records that carry no rate of their own,
 * `overrides` win over what the record says (exporters that announce a wrong rate, or none).
 */
export interface SamplingRates {
  defaults: RateRule[];
  overrides: RateRule[];
}

export const NO_RATES: SamplingRates = { defaults: [], overrides: [] };

/** A rate from configuration: a whole number ≥ 1 (1 means unsampled). */
export function parseRate(v: unknown, where: string, source: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 4294967295)
    throw new FlowdexError(
      'CONFIG_INVALID',
      `${source}: ${where}: sampling rate must be a whole number ≥ 1 (1 in N packets), got ${JSON.stringify(v)}`,
      {
        field: where,
      },
    );
  return n;
}

export function rateRule(cidr: string, rate: unknown, where: string, source: string): RateRule {
  const prefix = parsePrefix(cidr.trim());
  if (prefix === undefined)
    throw new FlowdexError(
      'CONFIG_INVALID',
      `${source}: ${where}: "${cidr}" is not an exporter address or CIDR block`,
      {
        field: where,
      },
    );
  return { prefix, rate: parseRate(rate, where, source) };
}

/** `192.0.2.0/24=1000,198.51.100.7=512` (an environment variable's form). */
export function parseRateList(text: string | undefined, name: string): RateRule[] {
  if (text === undefined || text.trim() === '') return [];
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((item) => {
      const eq = item.indexOf('=');
      if (eq < 0)
        throw new FlowdexError('CONFIG_INVALID', `${name}: "${item.trim()}" is not ADDRESS_OR_CIDR=RATE`, {
          field: name,
        });
      return rateRule(item.slice(0, eq), item.slice(eq + 1), item.trim(), name);
    });
}

/** Rates from the environment before the networks file's: the first rule of equal length wins. */
export function mergeRates(first: SamplingRates, second: SamplingRates): SamplingRates {
  return { defaults: [...first.defaults, ...second.defaults], overrides: [...first.overrides, ...second.overrides] };
}

export function envRates(env: NodeJS.ProcessEnv): SamplingRates {
  return {
    defaults: parseRateList(env.FLOWDEX_SAMPLING_DEFAULTS, 'FLOWDEX_SAMPLING_DEFAULTS'),
    overrides: parseRateList(env.FLOWDEX_SAMPLING_OVERRIDES, 'FLOWDEX_SAMPLING_OVERRIDES'),
  };
}

/** The most specific rule holding the address (longest prefix; the earlier on a tie). */
function longestMatch(rules: readonly RateRule[], ip: ParsedIp): RateRule | undefined {
  let best: RateRule | undefined;
  for (const r of rules)
    if (contains(r.prefix, ip) && (best === undefined || r.prefix.length > best.prefix.length)) best = r;
  return best;
}

/**
 * The policy normalize applies: an override for the exporter wins, else the record's own rate,
 * else a default for the exporter, else unsampled. Remembered per exporter address.
 */
export function samplingPolicy(rates: SamplingRates): SamplingPolicy {
  if (rates.defaults.length === 0 && rates.overrides.length === 0) return { rateFor: (_e, recorded) => recorded };
  const byExporter = new Map<string, { override?: number; fallback?: number }>();
  const configured = (exporter: string) => {
    let c = byExporter.get(exporter);
    if (c === undefined) {
      const ip = parseIp(exporter);
      c =
        ip === undefined
          ? {}
          : { override: longestMatch(rates.overrides, ip)?.rate, fallback: longestMatch(rates.defaults, ip)?.rate };
      byExporter.set(exporter, c);
    }
    return c;
  };
  return {
    rateFor(exporter, recorded) {
      if (exporter === undefined) return recorded;
      const c = configured(exporter);
      return c.override ?? (recorded !== undefined && recorded > 0 ? recorded : (c.fallback ?? recorded));
    },
  };
}
