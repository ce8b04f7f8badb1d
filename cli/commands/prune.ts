import type { Command } from 'commander';
import { durationMs, prune } from '../../src/ingest/prune';
import { pruneRollups } from '../../src/rollup/prune';
import { action, configOf, connectLogged, log } from '../common';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete daily flow indices older than the retention (whole indices)')
    .requiredOption('--older-than <duration>', 'retention, e.g. 30d')
    .option('--dry-run', 'only list what would be deleted')
    .option(
      '--rollups-older-than <duration>',
      'also delete monthly rollup indices wholly older than this (rollups keep longer, e.g. 400d)',
    )
    .action(
      action(async (opts: { olderThan: string; dryRun?: boolean; rollupsOlderThan?: string }, cmd: Command) => {
        const cfg = configOf(cmd);
        const olderThan = durationMs(opts.olderThan, '--older-than');
        const rollupsOlderThan =
          opts.rollupsOlderThan !== undefined ? durationMs(opts.rollupsOlderThan, '--rollups-older-than') : undefined;
        const { client } = await connectLogged(cfg);
        try {
          const r = await prune(client, cfg, olderThan, { dryRun: opts.dryRun });
          for (const index of r.indices) process.stdout.write(`${r.deleted ? 'deleted' : 'would delete'} ${index}\n`);
          if (rollupsOlderThan !== undefined) {
            for (const index of await pruneRollups(client, cfg, rollupsOlderThan, { dryRun: opts.dryRun }))
              process.stdout.write(`${r.deleted ? 'deleted' : 'would delete'} ${index}\n`);
          }
          log(
            `${r.indices.length} daily ${r.indices.length === 1 ? 'index' : 'indices'} ${r.deleted ? 'deleted' : 'past retention (dry run)'}`,
          );
        } finally {
          await client.close();
        }
      }),
    );
}
