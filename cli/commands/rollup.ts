import type { Command } from 'commander';
import { durationMs } from '../../src/ingest/prune';
import { parseTime } from '../../src/query/time';
import { updateRollups, type UpdateResult } from '../../src/rollup/builder';
import { clusterStatus, type RollupStatus } from '../../src/store/status';
import { setup } from '../../src/store/setup';
import { action, configOf, connectLogged, log } from '../common';

interface RollupCliOptions {
  from?: string;
  to?: string;
  rebuild?: boolean;
  watch?: boolean;
  every: string;
  json?: boolean;
  status?: boolean;
}

function print(r: UpdateResult, json: boolean | undefined): void {
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else
    for (const s of r.specs)
      process.stdout.write(
        `${s.spec}\t${s.windows} windows\t${s.written} written\t${s.deleted} removed\t${s.watermark ? `built to ${new Date(s.watermark.built_to).toISOString()}, ${s.watermark.docs} docs` : 'nothing built'}\n`,
      );
}

function printStatus(rows: readonly RollupStatus[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify({ rollups: rows }) + '\n');
    return;
  }
  process.stdout.write('spec\tdocs\tbytes\tsize/raw\twatermark\tlag_s\tpending_buckets\n');
  for (const r of rows)
    process.stdout.write(
      `${r.key}\t${r.docs}\t${r.size_bytes}\t${r.size_ratio ?? '-'}\t${r.watermark ?? '-'}\t${r.lag_ms === null ? '-' : Math.round(r.lag_ms / 1000)}\t${r.pending_buckets}\n`,
    );
}

export function registerRollup(program: Command): void {
  program
    .command('rollup')
    .description('bring rollups up to date with the raw flows (late and re-indexed buckets included)')
    .option('--from <time>', 'rebuild from this time')
    .option('--to <time>', 'rebuild up to this time')
    .option('--rebuild', 'rebuild everything the raw flows hold')
    .option('--watch', 'keep updating until interrupted')
    .option('--every <duration>', 'pause between updates with --watch', '60s')
    .option('--json', 'print each update as JSON')
    .option('--status', 'show each rollup (docs, size, size/raw, watermark, lag, pending buckets) and change nothing')
    .action(
      action(async (opts: RollupCliOptions, cmd: Command) => {
        const cfg = configOf(cmd);
        if (opts.status) {
          const { client } = await connectLogged(cfg);
          try {
            printStatus((await clusterStatus(client, cfg)).rollups, opts.json);
          } finally {
            await client.close();
          }
          return;
        }
        const now = Date.now();
        const range = {
          from: opts.from !== undefined ? parseTime(opts.from, now, 'from') : undefined,
          to: opts.to !== undefined ? parseTime(opts.to, now, 'to') : undefined,
        };
        const every = durationMs(opts.every, '--every');
        const { client, info } = await connectLogged(cfg);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await setup(client, cfg, info);
          print(await updateRollups(client, cfg, { ...range, rebuild: opts.rebuild, log }), opts.json);
          while (opts.watch && !stop.signal.aborted) {
            // Waiting for new flows between updates is the point of --watch.
            await new Promise((resolve) => {
              const t = setTimeout(resolve, every);
              stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve(undefined)), { once: true });
            });
            if (!stop.signal.aborted) print(await updateRollups(client, cfg, { log }), opts.json);
          }
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await client.close();
        }
      }),
    );
}
