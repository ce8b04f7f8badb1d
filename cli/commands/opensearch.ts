import type { Command } from 'commander';
import { nodeStatus, startNode, stopNode } from '../../src/store/local-node';
import { action, configOf, log } from '../common';

export function registerOpensearch(program: Command): void {
  const os = program
    .command('opensearch')
    .description('manage the local OpenSearch node or cluster (never used when OPENSEARCH_URL is set)');
  const nodeOpts = (c: Command) =>
    c
      .option('--version <v>', 'OpenSearch version (env FLOWDEX_OPENSEARCH_VERSION)')
      .option('--port <port>', 'HTTP port of the first node; node i takes port + i (env FLOWDEX_OPENSEARCH_PORT)')
      .option('--heap <size>', 'JVM heap per node, e.g. 1g (env FLOWDEX_OPENSEARCH_HEAP)')
      .option('--nodes <n>', 'nodes of one local cluster, 1-9 (env FLOWDEX_OPENSEARCH_NODES)');

  nodeOpts(
    os
      .command('start')
      .description('fetch, configure and start the node(s); reuses running ones and restarts those that died'),
  ).action(
    action(async (_opts: unknown, cmd: Command) => {
      const cfg = configOf(cmd, { nodeOptions: true });
      const r = await startNode(cfg.node, log);
      const nodes = r.members.length > 1 ? `${r.members.length} nodes, ` : '';
      log(
        r.started
          ? `started OpenSearch ${r.version} in ${(r.startupMs / 1000).toFixed(1)}s (${nodes}health ${r.health})`
          : `OpenSearch ${r.version} already running (${nodes}health ${r.health})`,
      );
      process.stdout.write(`${r.url}\n`);
    }),
  );

  nodeOpts(os.command('status').description('print the local node URL(s), version and health')).action(
    action(async (_opts: unknown, cmd: Command) => {
      const s = await nodeStatus(configOf(cmd, { nodeOptions: true }).node);
      if (!s.running) {
        process.stdout.write(`${s.url} not running\n`);
        return 1;
      }
      process.stdout.write(`${s.url} OpenSearch ${s.version} health ${s.health}${s.pid ? ` pid ${s.pid}` : ''}\n`);
      if (s.members.length > 1) {
        for (const m of s.members)
          process.stdout.write(`  ${m.name} ${m.url} ${m.running ? 'up' : 'down'}${m.pid ? ` pid ${m.pid}` : ''}\n`);
        // Some node of the cluster is down: not a healthy cluster, though it still answers.
        if (s.members.some((m) => !m.running)) return 1;
      }
    }),
  );

  nodeOpts(os.command('stop').description('stop the node(s) flowdex started')).action(
    action(async (_opts: unknown, cmd: Command) => {
      const r = await stopNode(configOf(cmd, { nodeOptions: true }).node);
      log(r.stopped ? `stopped OpenSearch (pid ${r.pids.join(', ')})` : 'no local node was running');
    }),
  );
}
