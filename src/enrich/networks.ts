import type { FlowDoc, NetworkNames as NetworkFields } from '../model/flow';
import { AddressCache } from './cache';
import { contains, parseIp } from './ip';
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

  constructor(private readonly networks: readonly NetworkDef[]) {}

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
      const def = this.networks.find((n) => contains(n.prefix, parsed));
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
