import type { Command } from 'commander';
import { enrichConfig, Enrichment, type EnrichOverrides } from '../src/enrich/pipeline';
import { formatStats } from '../src/enrich/stats';
import { log } from './common';

// Apart from common.ts: the enrichment stage loads its databases' readers, which only the
// commands that enrich need at start-up.

/** The enrichment options shared by `index`, `decode` and `collect`. */
export function enrichOptions(cmd: Command): Command {
  return cmd
    .option('--geoip-db <file>', 'MMDB for country/city/location (env FLOWDEX_GEOIP_DB; default: bundled DB-IP Lite country)')
    .option('--asn-db <file>', 'MMDB for AS number/organization (env FLOWDEX_ASN_DB; default: bundled AS table)')
    .option('--networks <file>', 'your networks and exporters, YAML or JSON (env FLOWDEX_NETWORKS)')
    .option('--no-enrich', 'no geo, AS, network, exporter or service enrichment (env FLOWDEX_ENRICH=0)');
}

/** Opens the enrichment stage from a command's options; a bad database or networks file fails here. */
export function openEnrichment(o: EnrichOverrides): Enrichment {
  return Enrichment.open(enrichConfig(o), log);
}

/** Logs each enricher's counters at the end of a run. */
export function logEnrichment(e: Enrichment): void {
  for (const s of e.stats()) log(formatStats(s));
}
