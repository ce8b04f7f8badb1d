import type { Command } from 'commander';
import { connect } from '../../src/store/client';
import { startNode } from '../../src/store/local-node';
import { setup } from '../../src/store/setup';
import { action, configOf, log } from '../common';

/** The README's main job: a node up, indices set up, then the next steps. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a local node (unless OPENSEARCH_URL is set), set up indices and print next steps')
    .action(action(async (_opts: unknown, cmd: Command) => {
      const cfg = configOf(cmd);
      if (!cfg.opensearchUrl) {
        const node = await startNode(cfg.node, log);
        log(node.started ? `OpenSearch ${node.version} started in ${(node.startupMs / 1000).toFixed(1)}s at ${node.url}` : `OpenSearch ${node.version} already running at ${node.url}`);
      }
      const { client, info } = await connect(cfg);
      try {
        const report = await setup(client, cfg, info);
        const changed = report.items.filter((i) => i.action !== 'unchanged').length;
        log(`setup: ${changed} created or updated, ${report.items.length - changed} unchanged (OpenSearch ${info.version}, health ${(await client.cluster.health()).body.status})`);
      } finally {
        await client.close();
      }
      log('next: flowdex index <file…>, flowdex query \'<q>\', flowdex report top-sources');
    }));
}
