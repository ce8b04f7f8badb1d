import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command by name, each module loaded only when asked for: a command's module pulls in
 * what it runs (the OpenSearch client, Express, readers …), and start-up should pay only for the
 * command at hand. Add new commands here.
 */
export const COMMANDS: Record<string, () => Promise<Register>> = {
  opensearch: async () => (await import('./opensearch')).registerOpensearch,
  setup: async () => (await import('./setup')).registerSetup,
  demo: async () => (await import('./demo')).registerDemo,
  dashboards: async () => (await import('./dashboards')).registerDashboards,
  decode: async () => (await import('./decode')).registerDecode,
  generate: async () => (await import('./generate')).registerGenerate,
  index: async () => (await import('./index-cmd')).registerIndex,
  prune: async () => (await import('./prune')).registerPrune,
  serve: async () => (await import('./serve')).registerServe,
  saved: async () => (await import('./saved')).registerSaved,
  query: async () => (await import('./query')).registerQuery,
  report: async () => (await import('./report')).registerReport,
  host: async () => (await import('./host')).registerHost,
  rollup: async () => (await import('./rollup')).registerRollup,
  status: async () => (await import('./status')).registerStatus,
  alerts: async () => (await import('./alerts')).registerAlerts,
  collect: async () => (await import('./collect')).registerCollect,
};

/** Global options that take a value: their value is not the command name. */
const VALUE_OPTIONS = new Set(['--opensearch', '--username', '--password', '--ca', '--prefix', '--timeout']);

/** The command named on the command line, or undefined (help, version, a typo: then all are registered). */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return Object.prototype.hasOwnProperty.call(COMMANDS, a) ? a : undefined;
  }
  return undefined;
}
