import type { Command } from 'commander';
import { loadConfig, type ConfigOverrides, type FlowdexConfig } from '../src/config';
import type { Enrichment, EnrichOverrides } from '../src/enrich/pipeline';
import { formatStats } from '../src/enrich/stats';
import { errorMessage, exitCodeFor } from '../src/errors';
import type { connect } from '../src/store/client';

/**
 * The configuration from the global options of the program a command belongs to. Only the
 * `opensearch` commands read node options (`--port`, `--version`, `--heap`, `--nodes`) as such; elsewhere
 * `--port` means the command's own port (the explorer's) and must not move the cluster.
 */
export function configOf(cmd: Command, o: { nodeOptions?: boolean } = {}): FlowdexConfig {
  const { port, version, heap, nodes, ...rest } = cmd.optsWithGlobals<ConfigOverrides>();
  return loadConfig(o.nodeOptions ? { ...rest, port, version, heap, nodes } : rest);
}

/**
 * Wraps a command action: any error becomes one line on stderr and the exit code of its kind.
 * Actions return their exit code (0 unless partial success).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (e) {
      process.stderr.write(`flowdex: ${errorMessage(e)}\n`);
      if (process.env.FLOWDEX_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
      process.exitCode = exitCodeFor(e);
    }
  };
}

/** Writes to stdout, waiting when the pipe is full so large outputs keep memory flat. */
export function writeOut(text: string): Promise<void> | void {
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The enrichment options shared by `index`, `decode` and `collect`. */
export function enrichOptions(cmd: Command): Command {
  return cmd
    .option(
      '--geoip-db <file>',
      'MMDB for country/city/location (env FLOWDEX_GEOIP_DB; default: bundled DB-IP Lite country)',
    )
    .option('--asn-db <file>', 'MMDB for AS number/organization (env FLOWDEX_ASN_DB; default: bundled AS table)')
    .option('--networks <file>', 'your networks and exporters, YAML or JSON (env FLOWDEX_NETWORKS)')
    .option('--no-enrich', 'no geo, AS, network, exporter or service enrichment (env FLOWDEX_ENRICH=0)');
}

/**
 * Opens the enrichment stage from a command's options; a bad database or networks file fails here.
 * Loaded on demand: its readers (MMDB, YAML) would slow every other command's start.
 */
export async function openEnrichment(o: EnrichOverrides): Promise<Enrichment> {
  const { Enrichment, enrichConfig } = await import('../src/enrich/pipeline');
  return Enrichment.open(enrichConfig(o), log);
}

/** Logs each enricher's counters at the end of a run. */
export function logEnrichment(e: Enrichment): void {
  for (const s of e.stats()) log(formatStats(s));
}

/**
 * `connect`, saying on stderr where refresh was found left off by an indexer that is gone and
 * turned back on (or could not be).
 */
export async function connectLogged(cfg: FlowdexConfig): Promise<Awaited<ReturnType<typeof connect>>> {
  // Loaded on demand: commands that need no OpenSearch should not pay for its client at start-up.
  const c = await (await import('../src/store/client')).connect(cfg);
  const { restored, failed } = c.refresh;
  if (restored.length > 0)
    log(`flowdex: refresh was left off by an indexer that did not finish; turned back on for ${restored.join(', ')}`);
  for (const f of failed) log(`flowdex: refresh left off on ${f.index} could not be turned back on: ${f.reason}`);
  return c;
}
