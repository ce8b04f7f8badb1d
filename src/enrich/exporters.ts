import type { FlowDoc, InterfaceFields } from '../model/flow';
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
  private readonly defs = new Map<string, Configured | null>();

  constructor(private readonly exporters: ReadonlyMap<string, ExporterDef> = new Map()) {}

  private configured(ip: string): Configured | undefined {
    let c = this.defs.get(ip);
    if (c === undefined) {
      const def = this.exporters.get(canonicalIp(ip) ?? ip);
      // The site object is shared by every flow of the exporter (documents are only serialized).
      c =
        def === undefined
          ? null
          : { def, site: def.site === undefined ? undefined : Object.freeze({ name: def.site }) };
      this.defs.set(ip, c);
    }
    return c ?? undefined;
  }

  enrich(doc: FlowDoc): void {
    const o = doc.observer;
    if (o?.ip === undefined) return;
    const s = this.stats;
    s.lookups++;
    const c = this.configured(o.ip);
    let filled = false;
    if (c?.def.name !== undefined) {
      o.name = c.def.name;
      filled = true;
    }
    if (c?.site !== undefined) {
      o.geo = c.site;
      filled = true;
    }
    if (o.ingress?.interface && this.nameInterface(o.ip, c?.def, o.ingress.interface)) filled = true;
    if (o.egress?.interface && this.nameInterface(o.ip, c?.def, o.egress.interface)) filled = true;
    if (filled) s.hits++;
    else s.misses++;
  }

  /** Names one interface of a flow (and learns the name the flow carries); true when it has one. */
  private nameInterface(exporter: string, def: ExporterDef | undefined, side: InterfaceFields): boolean {
    if (side.id === undefined) return false;
    let learned = this.learned.get(exporter);
    if (side.name !== undefined && learned?.get(side.id) !== side.name) {
      if (!learned) this.learned.set(exporter, (learned = new Map<number, string>()));
      learned.set(side.id, side.name);
    }
    const configured: InterfaceDef | undefined = def?.interfaces.get(side.id);
    if (configured?.description !== undefined) side.alias = configured.description;
    const name = configured?.name ?? side.name ?? learned?.get(side.id);
    if (name === undefined) return false;
    side.name = name;
    return true;
  }
}

interface Configured {
  def: ExporterDef;
  site?: { readonly name: string };
}
