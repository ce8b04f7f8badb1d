import type { FlowDoc } from '../model/flow';
import { canonicalIp } from './ip';
import type { ExporterDef, InterfaceDef } from './site-config';
import { zeroStats, type EnricherStats } from './stats';
import type { Enricher } from './types';

/**
 * Exporter and interface names: `observer.name` and site (`observer.geo.name`) from the networks
 * file, interface names and descriptions by ifIndex from the file or learned from the flows
 * themselves (names that IPFIX/NetFlow v9 options data put on flows of an exporter are
 * remembered and given to that exporter's later flows that lack them). The file wins over what
 * the exporter says, so an operator can rename.
 */
export class ExporterEnricher implements Enricher {
  readonly name = 'exporters';
  readonly stats: EnricherStats = zeroStats('exporters');
  /** exporter → ifIndex → name learned from the wire. */
  private readonly learned = new Map<string, Map<number, string>>();

  /** Exporter address as it appears on flows → its configured names (any text form of the address). */
  private readonly defs = new Map<string, ExporterDef | null>();

  constructor(private readonly exporters: ReadonlyMap<string, ExporterDef> = new Map()) {}

  private configured(ip: string): ExporterDef | undefined {
    let def = this.defs.get(ip);
    if (def === undefined) this.defs.set(ip, (def = this.exporters.get(canonicalIp(ip) ?? ip) ?? null));
    return def ?? undefined;
  }

  enrich(doc: FlowDoc): void {
    const o = doc.observer;
    if (o?.ip === undefined) return;
    const s = this.stats;
    s.lookups++;
    const exporter = o.ip;
    const def = this.configured(exporter);
    let learned = this.learned.get(exporter);
    let filled = false;
    if (def?.name !== undefined) {
      o.name = def.name;
      filled = true;
    }
    if (def?.site !== undefined) {
      o.geo = { name: def.site };
      filled = true;
    }
    for (const side of [o.ingress?.interface, o.egress?.interface]) {
      if (side?.id === undefined) continue;
      if (side.name !== undefined && learned?.get(side.id) !== side.name) {
        if (!learned) this.learned.set(exporter, (learned = new Map<number, string>()));
        learned.set(side.id, side.name);
      }
      const configured: InterfaceDef | undefined = def?.interfaces.get(side.id);
      const name = configured?.name ?? side.name ?? learned?.get(side.id);
      if (name !== undefined) {
        side.name = name;
        filled = true;
      }
      if (configured?.description !== undefined) side.alias = configured.description;
    }
    if (filled) s.hits++;
    else s.misses++;
  }
}
