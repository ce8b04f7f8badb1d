import path from 'node:path';
import type { Command } from 'commander';
import { Collector, type CollectorOptions } from '../../src/collect/collector';
import { parseListen } from '../../src/collect/listener';
import type { FlowdexConfig } from '../../src/config';
import { FlowdexError } from '../../src/errors';
import { durationMs } from '../../src/ingest/prune';
import { parseQuantity } from '../../src/query/units';
import { createClient } from '../../src/store/client';
import { setup } from '../../src/store/setup';
import type { EnrichOverrides } from '../../src/enrich/pipeline';
import { action, configOf, connectLogged, enrichOptions, log, logEnrichment, openEnrichment } from '../common';

export interface CollectCliOptions extends EnrichOverrides {
  listen: string[];
  spool?: string;
  spoolMax: string;
  rcvbuf: string;
  statusEvery: string;
  holdTemplates: string;
  deadLetter?: string;
  drainTimeout: string;
  index: boolean;
}

export const DEFAULT_LISTEN = [':2055', ':4739', ':6343'];

function bytesOption(text: string, option: string): number {
  const n = parseQuantity(text, 'bytes');
  if (n === undefined || n <= 0)
    throw new FlowdexError('BAD_REQUEST', `${option} needs a size such as 32MiB or 1GiB, got "${text}"`, {
      field: option,
    });
  return Math.round(n);
}

/** The collector's options from the command line (shared by `collect` and `serve --collect`). */
export function collectorOptions(cfg: FlowdexConfig, o: CollectCliOptions): CollectorOptions {
  return {
    listen: (o.listen.length ? o.listen : DEFAULT_LISTEN).map(parseListen),
    spoolDir: path.resolve(
      o.spool ?? path.join(cfg.node.home, 'spool', cfg.prefix.replace(/[-_.]+$/, '') || 'default'),
    ),
    spoolMaxBytes: bytesOption(o.spoolMax, '--spool-max'),
    recvBufferBytes: bytesOption(o.rcvbuf, '--rcvbuf'),
    statusEveryMs: o.statusEvery === '0' ? 0 : durationMs(o.statusEvery, '--status-every'),
    holdTemplateMs: durationMs(o.holdTemplates, '--hold-templates'),
    deadLetterPath: o.deadLetter,
    drainTimeoutMs: durationMs(o.drainTimeout, '--drain-timeout'),
    index: o.index,
    log,
  };
}

/** Adds the collector's options to a command (`collect`, `serve --collect`). */
export function withCollectOptions(cmd: Command): Command {
  cmd
    .option(
      '--listen <addr>',
      `UDP address to receive on, repeatable: 0.0.0.0:2055, [::]:4739, :6343 (default ${DEFAULT_LISTEN.join(' ')})`,
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--spool <dir>', 'spool directory (default <FLOWDEX_HOME>/spool/<prefix>)')
    .option('--spool-max <size>', 'spool size cap; beyond it datagrams are refused and counted', '1GiB')
    .option('--rcvbuf <size>', 'socket receive buffer to ask the kernel for', '32MiB')
    .option('--status-every <duration>', 'one-line status on stderr this often (0: never)', '10s')
    .option(
      '--hold-templates <duration>',
      'how long data waits for its template before counting as "no template"',
      '60s',
    )
    .option(
      '--dead-letter <file>',
      'samples of bad datagrams and refused flows (default <spool>/collect.dead-letter.ndjson)',
    )
    .option(
      '--drain-timeout <duration>',
      'on SIGTERM, keep indexing the spool this long; the rest waits for the next start',
      '30s',
    )
    .option('--no-index', 'decode and count only, index nothing (measuring the receive side)');
  return enrichOptions(cmd);
}

/** Connects and installs templates; the collector retries it until it succeeds, spooling meanwhile. */
export function setupWhenReady(cfg: FlowdexConfig): () => Promise<void> {
  return async () => {
    const c = await connectLogged(cfg);
    try {
      await setup(c.client, cfg, c.info);
    } finally {
      await c.client.close();
    }
  };
}

export function registerCollect(program: Command): void {
  withCollectOptions(
    program
      .command('collect')
      .description(
        'receive NetFlow v5/v9, IPFIX and sFlow v5 over UDP and index it; spools to disk while OpenSearch is slow or down',
      ),
  ).action(
    action(async (opts: CollectCliOptions, cmd: Command) => {
      const cfg = configOf(cmd);
      const enrich = await openEnrichment(opts);
      const options = { ...collectorOptions(cfg, opts), enrich, ready: setupWhenReady(cfg) };
      const client = createClient(cfg);
      const collector = new Collector(client, cfg, options);
      await collector.start();
      log(
        `collect: spool in ${options.spoolDir}; SIGTERM or Ctrl-C stops (the spool is flushed, indexing continues up to --drain-timeout)`,
      );
      const code = await new Promise<number>((resolve) => {
        process.once('SIGINT', () => resolve(130));
        process.once('SIGTERM', () => resolve(0));
      });
      await collector.stop();
      logEnrichment(enrich);
      enrich.close();
      await client.close();
      return code;
    }),
  );
}
