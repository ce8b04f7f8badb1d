import type { Command } from 'commander';
import { applyReplicas, setup } from '../../src/store/setup';
import { action, configOf, connectLogged, log } from '../common';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'install index templates, aliases and fixed indices, and give existing indices FLOWDEX_REPLICAS (idempotent)',
    )
    .option('--json', 'print the report as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const cfg = configOf(cmd);
        const { client, info } = await connectLogged(cfg);
        try {
          const report = await setup(client, cfg, info);
          report.items.push(...(await applyReplicas(client, cfg)));
          if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
          else {
            log(`OpenSearch ${report.version}, prefix ${cfg.prefix}`);
            for (const i of report.items) process.stdout.write(`${i.action.padEnd(9)} ${i.kind.padEnd(8)} ${i.name}\n`);
          }
        } finally {
          await client.close();
        }
      }),
    );
}
