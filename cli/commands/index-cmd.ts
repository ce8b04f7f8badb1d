import type { Command } from 'commander';
import { FlowdexError } from '../../src/errors';
import { indexFiles, type IndexFilesOptions } from '../../src/ingest/files';
import { follow } from '../../src/ingest/follow';
import { durationMs } from '../../src/ingest/prune';
import { formatCounts, formatSummary, summarize, type IngestSummary } from '../../src/ingest/summary';
import { setup } from '../../src/store/setup';
import type { EnrichOverrides } from '../../src/enrich/pipeline';
import { action, configOf, connectLogged, enrichOptions, log, logEnrichment, openEnrichment } from '../common';

interface IndexCliOptions extends EnrichOverrides {
  format?: string;
  deadLetter?: string;
  json?: boolean;
  maxRate?: string;
  concurrency: string;
  giveUpAfter: string;
  follow?: string;
  timeOffset?: string;
  mapping?: string;
  rollup: boolean;
}

function positive(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new FlowdexError('BAD_REQUEST', `${option} needs a positive number, got "${text}"`, { field: option });
  return n;
}

/**
 * SIGINT/SIGTERM stop reading; the pipeline then settles its requests and restores refresh
 * intervals before the command exits 130/143. A second signal exits at once.
 */
function interruptible(): { signal: AbortSignal; exitCode: () => number | undefined; dispose: () => void } {
  const controller = new AbortController();
  let code: number | undefined;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const h = () => {
      if (code !== undefined) process.exit(code);
      code = sig === 'SIGINT' ? 130 : 143;
      log(`${sig}: finishing requests in flight and restoring index settings (again to quit now)`);
      controller.abort();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    signal: controller.signal,
    exitCode: () => code,
    dispose: () => handlers.forEach(([s, h]) => process.off(s, h)),
  };
}

function printSummary(s: IngestSummary, json: boolean | undefined): void {
  if (json) process.stdout.write(JSON.stringify(s) + '\n');
  else log(formatSummary(s));
}

export function registerIndex(program: Command): void {
  const cmd = program
    .command('index')
    .description('index flow files, directories, globs or stdin (-) into daily indices')
    .argument('[paths...]', 'files, directories (recursed), globs (* ? in the last segment) or - for stdin')
    .option('--format <format>', 'input format (detected from content when absent)')
    .option('--dead-letter <file>', 'where rejected records go (default <first input>.dead-letter.ndjson)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--max-rate <flows>', 'at most this many flows per second')
    .option('--concurrency <n>', 'bulk requests in flight', '2')
    .option('--give-up-after <duration>', 'stop retrying an unreachable node after this long', '10m')
    .option('--follow <dir>', 'watch a directory and index each new complete file once')
    .option('--time-offset <seconds>', 'added to every flow time (relative-time datasets such as LANL)')
    .option('--mapping <file>', 'field mapping for the generic CSV/JSON reader')
    .option(
      '--no-rollup',
      'do not keep rollups while indexing; a later `flowdex rollup` builds the buckets this run touched',
    );
  enrichOptions(cmd).action(
    action(async (paths: string[], opts: IndexCliOptions, cmd: Command) => {
      if (paths.length === 0 && !opts.follow)
        throw new FlowdexError('BAD_REQUEST', 'name at least one input (a file, directory, glob or -) or --follow DIR');
      const cfg = configOf(cmd);
      const enrich = await openEnrichment(opts);
      const options: IndexFilesOptions = {
        enrich,
        format: opts.format,
        deadLetterPath: opts.deadLetter,
        maxRate: positive(opts.maxRate, '--max-rate'),
        concurrency: Math.round(positive(opts.concurrency, '--concurrency') ?? 2),
        giveUpAfterMs: durationMs(opts.giveUpAfter, '--give-up-after'),
        timeOffsetMs: opts.timeOffset !== undefined ? Number(opts.timeOffset) * 1000 : undefined,
        mappingFile: opts.mapping,
        progress: !opts.json || process.stderr.isTTY === true,
        onFormat: (input, format) => log(`${input}: ${format}`),
        rollup: { marksOnly: !opts.rollup, log },
        // Waits for OpenSearch (down, blocked, overloaded) are told whatever the output mode.
        log,
      };
      if (options.timeOffsetMs !== undefined && !Number.isFinite(options.timeOffsetMs))
        throw new FlowdexError('BAD_REQUEST', `--time-offset needs seconds, got "${opts.timeOffset}"`, {
          field: '--time-offset',
        });
      const { client, info } = await connectLogged(cfg);
      const stop = interruptible();
      try {
        await setup(client, cfg, info);
        let summary: IngestSummary;
        let rollupsIncomplete: string | undefined;
        if (paths.length > 0) {
          const r = await indexFiles(client, cfg, paths, { ...options, signal: stop.signal });
          for (const [file, c] of r.perFile) log(`${file}: ${formatCounts(c)}`);
          summary = r.summary;
          rollupsIncomplete = r.rollupsIncomplete;
        } else {
          const t0 = Date.now();
          const dir = opts.follow as string;
          log(`following ${dir} (Ctrl-C to stop)`);
          const totals = await follow(client, cfg, dir, {
            ...options,
            progress: false,
            signal: stop.signal,
            onFile: (file, r) =>
              log(r === 'already indexed' ? `${file}: already indexed` : `${file}: ${formatCounts(r.summary)}`),
          });
          summary = summarize(totals, null, Date.now() - t0, opts.rollup ? 'kept' : 'deferred');
        }
        logEnrichment(enrich);
        printSummary(summary, opts.json);
        // A signal is how a follower is meant to stop, so only a one-shot run reports it.
        const interrupted = stop.exitCode();
        if (interrupted !== undefined && paths.length > 0) return interrupted;
        const rollupError =
          rollupsIncomplete !== undefined
            ? new FlowdexError(
                'ROLLUP_INCOMPLETE',
                `every flow is accounted for, but rollups could not be written (${rollupsIncomplete}); their buckets are marked dirty: run \`flowdex rollup\``,
              )
            : undefined;
        if (summary.rejected > 0) {
          if (rollupError) log(`flowdex: ${rollupError.describe()}`);
          throw new FlowdexError(
            'INGEST_REJECTED',
            `${summary.rejected} of ${summary.read} records rejected${summary.dead_letter ? `; see ${summary.dead_letter}` : ''}`,
          );
        }
        if (rollupError) throw rollupError;
        return 0;
      } finally {
        enrich.close();
        stop.dispose();
        await client.close();
      }
    }),
  );
}
