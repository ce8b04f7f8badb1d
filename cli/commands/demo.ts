import os from 'node:os';
import path from 'node:path';
import { Collector } from '../../src/collect/collector';
import { DemoExporter } from '../../src/collect/demo-exporter';
import { parseListen } from '../../src/collect/listener';
import type { Command } from 'commander';
import { loadDemoData } from '../../src/demo';
import { FlowdexError } from '../../src/errors';
import { startNode } from '../../src/store/local-node';
import { setup } from '../../src/store/setup';
import { action, configOf, connectLogged, log, openEnrichment } from '../common';
import { parsePort, serveUntilStopped } from './serve';

/** The README's main job: node up, indices set up, sample flows indexed, rollups built, explorer served. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start a local node (unless OPENSEARCH_URL is set), set up, index sample flows, build rollups and serve the explorer',
    )
    .option('--flows <n>', 'generated flows over the last 24 hours', '200000')
    .option('--seed <n>', 'generator seed', '1')
    .option('--port <port>', 'explorer port', '3000')
    .option('--no-serve', 'stop after loading the data')
    .action(
      action(async (opts: { flows: string; seed: string; port: string; serve: boolean }, cmd: Command) => {
        const cfg = configOf(cmd);
        const port = parsePort(opts.port);
        const flows = Number(opts.flows);
        if (!Number.isInteger(flows) || flows < 0)
          throw new FlowdexError('CONFIG_INVALID', `--flows must be a whole number, got ${opts.flows}`, {
            field: 'flows',
          });
        if (!cfg.opensearchUrl) {
          const node = await startNode(cfg.node, log);
          log(
            node.started
              ? `OpenSearch ${node.version} started in ${(node.startupMs / 1000).toFixed(1)}s at ${node.url}`
              : `OpenSearch ${node.version} already running at ${node.url}`,
          );
        }
        const { client, info } = await connectLogged(cfg);
        const report = await setup(client, cfg, info);
        const changed = report.items.filter((i) => i.action !== 'unchanged').length;
        log(
          `setup: ${changed} created or updated, ${report.items.length - changed} unchanged (OpenSearch ${info.version})`,
        );
        // The demo enriches as `index` does by default (bundled databases; FLOWDEX_NETWORKS and friends apply).
        const enrich = await openEnrichment({});
        await loadDemoData(client, cfg, {
          flows,
          seed: Number(opts.seed),
          now: Date.now(),
          sharedData: path.resolve(__dirname, '../../../../shared/data'),
          enrich,
          log,
        });
        enrich.close();
        if (!opts.serve) {
          await client.close();
          return;
        }
        // Live data: a collector on loopback fed by a built-in exporter, so the last hour moves.
        const collector = new Collector(client, cfg, {
          listen: [parseListen('127.0.0.1:0')],
          spoolDir: path.join(os.tmpdir(), `${cfg.prefix}demo-spool`),
          statusEveryMs: 0,
          log,
        });
        await collector.start();
        const exporter = new DemoExporter({
          port: collector.ports[0] ?? 0,
          flowsPerSecond: 200,
          seed: Number(opts.seed),
        });
        exporter.start();
        log(
          `collect: demo exporter sends 200 flows/s of IPFIX to 127.0.0.1:${collector.ports[0]}; see the Status page's Collector section`,
        );
        await serveUntilStopped(
          { client, config: cfg, host: '127.0.0.1', port, collector: () => collector.stats() },
          'try "dport:443", the Reports page, or flowdex report top-pairs',
          async () => {
            exporter.stop();
            await collector.stop();
          },
        );
      }),
    );
}
