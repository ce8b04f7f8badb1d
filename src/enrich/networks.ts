import type { FlowDoc, NetworkNames as NetworkFields } from '../model/flow';
import { AddressCache } from './cache';
import { parseIp, type ParsedIp } from './ip';
import type { NetworkDef } from './site-config';
import { zeroStats, type EnricherStats } from './stats';
import type { Enricher } from './types';

/** ECS `network.direction` from which sides are ours. */
export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

export function direction(sourceInternal: boolean, destinationInternal: boolean): Direction {
  if (sourceInternal) return destinationInternal ? 'internal' : 'outbound';
  return destinationInternal ? 'inbound' : 'external';
}

/** Whether a matched network counts as the operator's own. */
export function isInternal(net: NetworkDef | undefined): boolean {
  return net !== undefined && net.role !== 'external';
}

/**
 * The operator's networks: each side's most specific network (name, role, site, tenant), and
 * `network.direction` when both sides have an IP. Without configured networks it is not built.
 */
export class NetworkEnricher implements Enricher {
  readonly name = 'networks';
  readonly stats: EnricherStats = zeroStats('networks');
  private readonly cache = new AddressCache<{ def: NetworkDef; fields: NetworkFields }>();

  private readonly table: NetworkTable;

  constructor(networks: readonly NetworkDef[]) {
    this.table = new NetworkTable(networks);
  }

  enrich(doc: FlowDoc): void {
    const src = doc.source.ip === undefined ? undefined : this.resolve(doc.source.ip);
    const dst = doc.destination.ip === undefined ? undefined : this.resolve(doc.destination.ip);
    if (src !== undefined || dst !== undefined) {
      if (src) doc.flow.src_net = src.fields;
      if (dst) doc.flow.dst_net = dst.fields;
    }
    if (doc.source.ip !== undefined && doc.destination.ip !== undefined) {
      doc.network.direction = direction(isInternal(src?.def), isInternal(dst?.def));
    }
  }

  private resolve(ip: string): { def: NetworkDef; fields: NetworkFields } | undefined {
    const s = this.stats;
    let hit = this.cache.get(ip);
    if (hit !== undefined) s.cached++;
    else {
      s.lookups++;
      const parsed = parseIp(ip);
      if (parsed === undefined) {
        s.failures++;
        return undefined;
      }
      const def = this.table.lookup(parsed);
      hit = def === undefined ? null : { def, fields: Object.freeze(fieldsOf(def)) };
      this.cache.set(ip, hit);
    }
    if (hit === null) s.misses++;
    else s.hits++;
    return hit ?? undefined;
  }
}

function fieldsOf(def: NetworkDef): NetworkFields {
  return {
    name: def.name,
    ...(def.role ? { role: def.role } : {}),
    ...(def.site ? { site: def.site } : {}),
    ...(def.tenant ? { tenant: def.tenant } : {}),
  };
}

/**
 * Longest-prefix match over the configured networks: one Map per prefix length in use, longest
 * first, so an address costs a masked Map get per distinct length rather than a test of every
 * CIDR (a file can list thousands). On a duplicate block the first listed wins.
 */
export class NetworkTable {
  private readonly v4: { mask: number; nets: Map<number, NetworkDef> }[] = [];
  private readonly v6: { length: number; nets: Map<string, NetworkDef> }[] = [];

  constructor(networks: readonly NetworkDef[]) {
    const v4 = new Map<number, Map<number, NetworkDef>>();
    const v6 = new Map<number, Map<string, NetworkDef>>();
    for (const n of networks) {
      const { prefix } = n;
      if (prefix.version === 4) {
        let m = v4.get(prefix.length);
        if (!m) v4.set(prefix.length, (m = new Map<number, NetworkDef>()));
        if (!m.has(prefix.v4)) m.set(prefix.v4, n);
      } else {
        let m = v6.get(prefix.length);
        if (!m) v6.set(prefix.length, (m = new Map<string, NetworkDef>()));
        const key = prefix.v6.join(':');
        if (!m.has(key)) m.set(key, n);
      }
    }
    for (const [length, nets] of [...v4].sort((a, b) => b[0] - a[0]))
      this.v4.push({ mask: length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0, nets });
    for (const [length, nets] of [...v6].sort((a, b) => b[0] - a[0])) this.v6.push({ length, nets });
  }

  /** The most specific network holding the address. */
  lookup(ip: ParsedIp): NetworkDef | undefined {
    if (ip.version === 4) {
      for (const { mask, nets } of this.v4) {
        const hit = nets.get((ip.v4 & mask) >>> 0);
        if (hit) return hit;
      }
      return undefined;
    }
    for (const { length, nets } of this.v6) {
      const hit = nets.get(maskedWords(ip.v6, length));
      if (hit) return hit;
    }
    return undefined;
  }
}

function maskedWords(words: readonly number[], length: number): string {
  let key = '';
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, length - i * 16));
    const w = bits === 0 ? 0 : (words[i] as number) & ((0xffff << (16 - bits)) & 0xffff);
    key += i === 0 ? String(w) : `:${w}`;
  }
  return key;
}
