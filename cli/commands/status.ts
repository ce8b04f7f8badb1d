import type { Command } from 'commander';
import { clusterStatus, type ClusterStatus } from '../../src/store/status';
import { action, configOf, connectLogged } from '../common';
import { formatTable } from '../format';

function text(s: ClusterStatus): string {
  const out = [
    `OpenSearch ${s.distribution} ${s.version} · cluster ${s.cluster} · ${s.health} · ${s.nodes} node(s) · prefix ${s.prefix}`,
    '',
    formatTable(
      ['index', 'health', 'docs', 'bytes'],
      s.indices.map((i) => [i.index, i.health, i.docs, i.size_bytes]),
    ),
    formatTable(
      ['rollup', 'docs', 'watermark', 'lag_s', 'pending_buckets'],
      s.rollups.map((r) => [
        r.key,
        r.docs,
        r.watermark,
        r.lag_ms === null ? null : Math.round(r.lag_ms / 1000),
        r.pending_buckets,
      ]),
    ),
  ];
  for (const r of s.refresh.relaxed)
    out.push(
      r.run
        ? `refresh off on ${r.index}: indexer pid ${r.run.pid} on ${r.run.host} loading since ${r.run.since}`
        : `refresh off on ${r.index} and no indexer running: flows there are not searchable (could not be turned back on)`,
    );
  const last = s.refresh.last_restore;
  if (last)
    out.push(
      `refresh last turned back on ${last.at} for ${last.indices.join(', ')} (left off by an indexer that did not finish)`,
    );
  return out.join('\n') + '\n';
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('cluster health, indices, rollup freshness, and where refresh is off (the JSON of /api/status)')
    .option('--json', 'print the status as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const cfg = configOf(cmd);
        const { client } = await connectLogged(cfg);
        try {
          const s = await clusterStatus(client, cfg);
          process.stdout.write(opts.json ? JSON.stringify(s) + '\n' : text(s));
        } finally {
          await client.close();
        }
      }),
    );
}
