import type { Command } from 'commander';
import { nodeStatus, startNode, stopNode } from '../../src/store/local-node';
import { action, configOf, log } from '../common';

export function registerOpensearch(program: Command): void {
  const os = program
    .command('opensearch')
    .description('manage the local single-node OpenSearch (never used when OPENSEARCH_URL is set)');
  const nodeOpts = (c: Command) =>
    c
      .option('--version <v>', 'OpenSearch version (env FLOWDEX_OPENSEARCH_VERSION)')
      .option('--port <port>', 'HTTP port (env FLOWDEX_OPENSEARCH_PORT)')
      .option('--heap <size>', 'JVM heap, e.g. 1g (env FLOWDEX_OPENSEARCH_HEAP)');

  nodeOpts(os.command('start').description('fetch, configure and start the node; reuses one already running')).action(
    action(async (_opts: unknown, cmd: Command) => {
      const cfg = configOf(cmd, { nodeOptions: true });
      const r = await startNode(cfg.node, log);
      log(
        r.started
          ? `started OpenSearch ${r.version} in ${(r.startupMs / 1000).toFixed(1)}s (health ${r.health})`
          : `OpenSearch ${r.version} already running (health ${r.health})`,
      );
      process.stdout.write(`${r.url}\n`);
    }),
  );

  nodeOpts(os.command('status').description('print the local node URL, version and health')).action(
    action(async (_opts: unknown, cmd: Command) => {
      const s = await nodeStatus(configOf(cmd, { nodeOptions: true }).node);
      if (!s.running) {
        process.stdout.write(`${s.url} not running\n`);
        return 1;
      }
      process.stdout.write(`${s.url} OpenSearch ${s.version} health ${s.health}${s.pid ? ` pid ${s.pid}` : ''}\n`);
    }),
  );

  nodeOpts(os.command('stop').description('stop the node flowdex started')).action(
    action(async (_opts: unknown, cmd: Command) => {
      const r = await stopNode(configOf(cmd, { nodeOptions: true }).node);
      log(r.stopped ? `stopped OpenSearch (pid ${r.pid})` : 'no local node was running');
    }),
  );
}
