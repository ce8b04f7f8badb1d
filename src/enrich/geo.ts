import type { AsFields, EndpointFields, FlowDoc, GeoFields } from '../model/flow';
import { isPublicAddress } from './addresses';
import type { AsLookup } from './asn-table';
import { AddressCache } from './cache';
import { asOf, geoOf, type MmdbFile } from './mmdb';
import { zeroStats, type EnricherStats } from './stats';
import type { Enricher } from './types';

/** A cached verdict: a private or special address, not looked up. */
const SKIPPED = Symbol('skipped');

/**
 * Per-address lookups for public addresses on both sides of a flow, cached; shared by the geo
 * and AS enrichers. Answers are frozen and shared between documents (they are only serialized).
 */
abstract class AddressEnricher<T extends object> implements Enricher {
  readonly stats: EnricherStats;
  protected readonly cache: AddressCache<T | typeof SKIPPED>;

  constructor(
    readonly name: string,
    cacheSize?: number,
  ) {
    this.stats = zeroStats(name);
    this.cache = new AddressCache<T | typeof SKIPPED>(cacheSize);
  }

  /** The database's answer, undefined when it has none. May throw on a damaged record. */
  protected abstract lookup(ip: string): T | undefined;
  protected abstract apply(side: EndpointFields, value: T): void;

  /** Forgets cached answers (the database changed). */
  reset(): void {
    this.cache.clear();
  }

  enrich(doc: FlowDoc): void {
    this.side(doc.source);
    this.side(doc.destination);
  }

  /** The cached or looked-up answer for one address, counted. */
  resolve(ip: string): T | undefined {
    const s = this.stats;
    let value = this.cache.get(ip);
    if (value === SKIPPED) {
      s.skipped++;
      return undefined;
    }
    if (value !== undefined) {
      s.cached++;
    } else if (!isPublicAddress(ip)) {
      // Remembered too: a private address is then one Map get, like a public one.
      this.cache.set(ip, SKIPPED);
      s.skipped++;
      return undefined;
    } else {
      s.lookups++;
      try {
        value = this.lookup(ip) ?? null;
      } catch {
        s.failures++;
        return undefined;
      }
      this.cache.set(ip, value);
    }
    if (value === null) s.misses++;
    else s.hits++;
    return value ?? undefined;
  }

  private side(side: EndpointFields): void {
    if (side.ip === undefined) return;
    const value = this.resolve(side.ip);
    if (value !== undefined) this.apply(side, value);
  }
}

/** Country, city and location (`source.geo.*`, `destination.geo.*`) from an MMDB file. */
export class GeoEnricher extends AddressEnricher<GeoFields> {
  constructor(
    private readonly db: MmdbFile,
    cacheSize?: number,
  ) {
    super('geo', cacheSize);
    db.onReload = () => this.reset();
  }

  protected lookup(ip: string): GeoFields | undefined {
    const rec = this.db.get(ip);
    if (rec === null) return undefined;
    const g = geoOf(rec);
    if (g.country === undefined && g.city === undefined && g.lat === undefined) return undefined;
    return Object.freeze({
      ...(g.country !== undefined ? { country_iso_code: g.country } : {}),
      ...(g.city !== undefined ? { city_name: g.city } : {}),
      ...(g.lat !== undefined && g.lon !== undefined ? { location: { lat: g.lat, lon: g.lon } } : {}),
    });
  }

  protected apply(side: EndpointFields, geo: GeoFields): void {
    side.geo = geo;
  }

  close(): void {
    this.db.close();
  }
}

/** Where AS answers come from: a user MMDB, or the bundled range table. */
export type AsSource = { kind: 'mmdb'; db: MmdbFile } | { kind: 'table'; table: AsLookup };

/**
 * AS number and organization (`source.as.*`). An AS number the exporter sent (BGP view of the
 * router, NetFlow/IPFIX src/dst AS) wins over the database's; the database then only adds the
 * organization of that number when it knows it.
 */
export class AsEnricher extends AddressEnricher<AsFields> {
  constructor(
    private readonly source: AsSource,
    cacheSize?: number,
  ) {
    super('as', cacheSize);
    if (source.kind === 'mmdb') source.db.onReload = () => this.reset();
  }

  protected lookup(ip: string): AsFields | undefined {
    let a: { number?: number; organization?: string } | undefined;
    if (this.source.kind === 'table') a = this.source.table.lookup(ip);
    else {
      const rec = this.source.db.get(ip);
      a = rec === null ? undefined : asOf(rec);
    }
    if (a?.number === undefined) return undefined;
    return Object.freeze({
      number: a.number,
      ...(a.organization !== undefined ? { organization: Object.freeze({ name: a.organization }) } : {}),
    });
  }

  protected apply(side: EndpointFields, as: AsFields): void {
    const wire = side.as?.number;
    if (wire === undefined || wire === 0) {
      side.as = as;
    } else if (side.as?.organization?.name === undefined) {
      const name = wire === as.number ? as.organization?.name : this.organizationOf(wire);
      if (name !== undefined) side.as = { ...side.as, number: wire, organization: { name } };
    }
  }

  private organizationOf(asn: number): string | undefined {
    return this.source.kind === 'table' ? this.source.table.organizationOf(asn) : undefined;
  }

  close(): void {
    if (this.source.kind === 'mmdb') this.source.db.close();
  }
}
