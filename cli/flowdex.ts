#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { commandOf, COMMANDS } from './commands';

/** The package's own version, from the first package.json above this file that names flowdex (compiled or bundled). */
function version(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'flowdex' && pkg.version !== undefined) return pkg.version;
  }
  throw new Error(`no flowdex package.json above ${__dirname}`);
}

async function main(): Promise<void> {
  const program = new Command();
  program
    .name('flowdex')
    .description('Search-indexed explorer for network flow records, backed by OpenSearch')
    .option('--opensearch <url>', 'OpenSearch URL (env OPENSEARCH_URL); without it flowdex manages a local node')
    .option('--username <user>', 'basic auth user (env OPENSEARCH_USERNAME)')
    .option('--password <password>', 'basic auth password (env OPENSEARCH_PASSWORD)')
    .option('--ca <file>', 'CA certificate PEM for TLS (env OPENSEARCH_CA)')
    .option('--insecure', 'accept any TLS certificate (env OPENSEARCH_INSECURE=1)')
    .option('--prefix <prefix>', 'index name prefix (env FLOWDEX_PREFIX)', undefined)
    .option('--timeout <span>', 'deadline of each OpenSearch request, retries included, e.g. 30s (env FLOWDEX_TIMEOUT)')
    .showHelpAfterError();
  // Only the command at hand is loaded; help and unknown commands need them all.
  const named = commandOf(process.argv.slice(2));
  // The version needs no command module: answered before any is loaded.
  const args = process.argv.slice(2);
  if (named === undefined && args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(version() + '\n');
    return;
  }
  // Only without a command: `opensearch start --version V` names the node's version.
  if (named === undefined) program.version(version(), '-V, --version', 'print the flowdex version');
  const wanted = named !== undefined ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await (COMMANDS[name] as () => Promise<(p: Command) => void>)())(program);
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  process.stderr.write(`flowdex: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
