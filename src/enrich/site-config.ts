import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FlowdexError } from '../errors';
import { canonicalIp, parsePrefix, type Prefix } from './ip';
import { NO_RATES, rateRule, type RateRule, type SamplingRates } from './sampling';

/** One of the operator's networks. */
export interface NetworkDef {
  prefix: Prefix;
  name: string;
  /** Free text (`office`, `dmz`, `servers` …); `external` marks a named network that is not ours. */
  role?: string;
  site?: string;
  tenant?: string;
}

export interface InterfaceDef {
  name?: string;
  description?: string;
  /** bits per second */
  speed?: number;
}

export interface ExporterDef {
  name?: string;
  site?: string;
  interfaces: Map<number, InterfaceDef>;
}

/** The networks file (`FLOWDEX_NETWORKS`): the operator's networks and exporters. */
export interface SiteConfig {
  file: string;
  networks: NetworkDef[];
  /** Exporter address (canonical text form) → its names. */
  exporters: Map<string, ExporterDef>;
  /** Configured sampling rates by exporter address or subnet. */
  sampling: SamplingRates;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);

function bad(file: string, where: string, what: string): FlowdexError {
  return new FlowdexError('CONFIG_INVALID', `networks file ${file}: ${where}: ${what}`, { file, field: where });
}

function text(file: string, where: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  throw bad(file, where, `expected text, got ${JSON.stringify(v)}`);
}

function only(file: string, where: string, r: Rec, keys: readonly string[]): void {
  for (const k of Object.keys(r))
    if (!keys.includes(k)) throw bad(file, where, `unknown key "${k}" (known: ${keys.join(', ')})`);
}

function network(file: string, cidr: string, v: unknown): NetworkDef {
  const where = `networks.${cidr}`;
  const prefix = parsePrefix(cidr);
  if (prefix === undefined) throw bad(file, where, `"${cidr}" is not a CIDR block such as 10.0.0.0/8 or 2001:db8::/32`);
  if (typeof v === 'string') return { prefix, name: v };
  if (!isRec(v)) throw bad(file, where, 'expected a name or { name, role, site, tenant }');
  only(file, where, v, ['name', 'role', 'site', 'tenant']);
  const name = text(file, `${where}.name`, v.name);
  if (name === undefined) throw bad(file, where, 'needs a name');
  const role = text(file, `${where}.role`, v.role)?.toLowerCase();
  const site = text(file, `${where}.site`, v.site);
  const tenant = text(file, `${where}.tenant`, v.tenant);
  return { prefix, name, ...(role ? { role } : {}), ...(site ? { site } : {}), ...(tenant ? { tenant } : {}) };
}

function iface(file: string, where: string, v: unknown): InterfaceDef {
  if (typeof v === 'string') return { name: v };
  if (!isRec(v)) throw bad(file, where, 'expected a name or { name, description, speed }');
  only(file, where, v, ['name', 'description', 'speed']);
  const speed = v.speed === undefined ? undefined : Number(v.speed);
  if (speed !== undefined && !(Number.isFinite(speed) && speed > 0))
    throw bad(file, `${where}.speed`, `expected bits per second, got ${JSON.stringify(v.speed)}`);
  const name = text(file, `${where}.name`, v.name);
  const description = text(file, `${where}.description`, v.description);
  return { ...(name ? { name } : {}), ...(description ? { description } : {}), ...(speed ? { speed } : {}) };
}

function exporter(file: string, addr: string, v: unknown): ExporterDef {
  const where = `exporters.${addr}`;
  if (parsePrefix(addr)?.length !== (addr.includes(':') ? 128 : 32) || addr.includes('/'))
    throw bad(file, where, `"${addr}" is not an IP address`);
  if (typeof v === 'string') return { name: v, interfaces: new Map() };
  if (!isRec(v)) throw bad(file, where, 'expected a name or { name, site, interfaces }');
  only(file, where, v, ['name', 'site', 'interfaces']);
  const interfaces = new Map<number, InterfaceDef>();
  if (v.interfaces !== undefined) {
    if (!isRec(v.interfaces))
      throw bad(file, `${where}.interfaces`, 'expected ifIndex: name or { name, description, speed }');
    for (const [k, def] of Object.entries(v.interfaces)) {
      const index = Number(k);
      if (!Number.isInteger(index) || index < 0)
        throw bad(file, `${where}.interfaces.${k}`, `"${k}" is not an ifIndex (a whole number)`);
      interfaces.set(index, iface(file, `${where}.interfaces.${k}`, def));
    }
  }
  const name = text(file, `${where}.name`, v.name);
  const site = text(file, `${where}.site`, v.site);
  return { ...(name ? { name } : {}), ...(site ? { site } : {}), interfaces };
}

function rateRules(file: string, where: string, v: unknown): RateRule[] {
  if (v === undefined) return [];
  if (!isRec(v)) throw bad(file, where, 'expected exporter address or CIDR: rate (1 in N packets)');
  return Object.entries(v).map(([cidr, rate]) => rateRule(cidr, rate, `${where}.${cidr}`, `networks file ${file}`));
}

function sampling(file: string, v: unknown): SamplingRates {
  if (v === undefined) return NO_RATES;
  if (!isRec(v)) throw bad(file, 'sampling', 'expected { defaults, overrides }');
  only(file, 'sampling', v, ['defaults', 'overrides']);
  return {
    defaults: rateRules(file, 'sampling.defaults', v.defaults),
    overrides: rateRules(file, 'sampling.overrides', v.overrides),
  };
}

/** Reads and checks the networks file (YAML or JSON); any fault is one error naming the file and the entry. */
export function loadSiteConfig(file: string): SiteConfig {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `networks file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file },
    );
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(raw) : parseYaml(raw);
  } catch (e) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `networks file ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
      { file },
    );
  }
  if (!isRec(doc)) throw bad(file, 'top level', 'expected a map with "networks", "exporters" and/or "sampling"');
  only(file, 'top level', doc, ['networks', 'exporters', 'sampling']);
  if (doc.networks !== undefined && !isRec(doc.networks))
    throw bad(file, 'networks', 'expected CIDR: name or CIDR: { name, role, site, tenant }');
  if (doc.exporters !== undefined && !isRec(doc.exporters))
    throw bad(file, 'exporters', 'expected address: name or address: { name, site, interfaces }');
  const networks = Object.entries(doc.networks ?? {}).map(([cidr, v]) => network(file, cidr, v));
  // Longest prefix first: the most specific network names an address.
  networks.sort((a, b) => b.prefix.length - a.prefix.length);
  const exporters = new Map<string, ExporterDef>();
  for (const [addr, v] of Object.entries(doc.exporters ?? {}))
    exporters.set(canonicalIp(addr) ?? addr, exporter(file, addr, v));
  return { file, networks, exporters, sampling: sampling(file, doc.sampling) };
}
