import type { FlowDoc } from '../model/flow';
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
  /** `exporter|ifIndex` → name learned from the wire. */
  private readonly learned = new Map<string, string>();

  constructor(private readonly exporters: ReadonlyMap<string, ExporterDef> = new Map()) {}

  /** Interface names learned so far, `exporter|ifIndex` → name. */
  get learnedNames(): ReadonlyMap<string, string> {
    return this.learned;
  }

  /** Remembers an interface name an exporter announced (options data), for its later flows. */
  learn(exporter: string, ifIndex: number, name: string): void {
    if (name !== '') this.learned.set(`${exporter.toLowerCase()}|${ifIndex}`, name);
  }

  enrich(doc: FlowDoc): void {
    const o = doc.observer;
    if (o?.ip === undefined) return;
    const s = this.stats;
    s.lookups++;
    const exporter = o.ip.toLowerCase();
    const def = this.exporters.get(exporter);
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
      const key = `${exporter}|${side.id}`;
      if (side.name !== undefined) this.learned.set(key, side.name);
      const configured: InterfaceDef | undefined = def?.interfaces.get(side.id);
      const name = configured?.name ?? side.name ?? this.learned.get(key);
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
