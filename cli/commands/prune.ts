import type { Command } from 'commander';
import { durationMs, prune } from '../../src/ingest/prune';
import { connect } from '../../src/store/client';
import { action, configOf, log } from '../common';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete daily flow indices older than the retention (whole indices)')
    .requiredOption('--older-than <duration>', 'retention, e.g. 30d')
    .option('--dry-run', 'only list what would be deleted')
    .action(action(async (opts: { olderThan: string; dryRun?: boolean }, cmd: Command) => {
      const cfg = configOf(cmd);
      const olderThan = durationMs(opts.olderThan, '--older-than');
      const { client } = await connect(cfg);
      try {
        const r = await prune(client, cfg, olderThan, { dryRun: opts.dryRun });
        for (const index of r.indices) process.stdout.write(`${r.deleted ? 'deleted' : 'would delete'} ${index}\n`);
        log(`${r.indices.length} daily ${r.indices.length === 1 ? 'index' : 'indices'} ${r.deleted ? 'deleted' : 'past retention (dry run)'}`);
      } finally {
        await client.close();
      }
    }));
}
