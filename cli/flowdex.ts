#!/usr/bin/env node
import { Command } from 'commander';
import { COMMANDS } from './commands';

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

for (const register of COMMANDS) register(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`flowdex: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
