import type { Command } from 'commander';
import { createSaved, deleteSaved, getSaved, listSaved, renameSaved } from '../../src/report/saved';
import { searchFlows } from '../../src/report/search';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../../src/config';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { formatTable } from '../format';
import { flowTable } from './query';

/** Runs `fn` with a connected client, closing it afterwards. */
async function withClient(cmd: Command, fn: (client: Client, cfg: FlowdexConfig) => Promise<void>): Promise<void> {
  const cfg = configOf(cmd);
  const { client } = await connectLogged(cfg);
  try {
    await fn(client, cfg);
  } finally {
    await client.close();
  }
}

export function registerSaved(program: Command): void {
  const saved = program.command('saved').description('saved queries, shared with the web explorer');

  saved
    .command('list')
    .description('list saved queries')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        await withClient(cmd, async (client, cfg) => {
          const all = await listSaved(client, cfg);
          if (opts.json) return writeOut(all.map((s) => JSON.stringify(s) + '\n').join(''));
          if (all.length === 0) return log('no saved queries');
          await writeOut(
            formatTable(
              ['name', 'query', 'from', 'to', 'description'],
              all.map((s) => [s.name, s.query, s.from ?? '', s.to ?? '', s.description]),
            ),
          );
        });
      }),
    );

  saved
    .command('add <name> <query>')
    .description('save a query under a name')
    .option('--from <time>', 'start of the range (ISO, epoch or now-24h)')
    .option('--to <time>', 'end of the range')
    .option('--description <text>', 'what the query is for')
    .action(
      action(
        async (
          name: string,
          query: string,
          opts: { from?: string; to?: string; description?: string },
          cmd: Command,
        ) => {
          await withClient(cmd, async (client, cfg) => {
            const s = await createSaved(client, cfg, { name, query, ...opts });
            log(`saved "${s.name}" (permalink /saved/${s.slug})`);
          });
        },
      ),
    );

  saved
    .command('show <name>')
    .description('print a saved query as JSON')
    .action(
      action(async (name: string, _opts: object, cmd: Command) => {
        await withClient(cmd, async (client, cfg) =>
          writeOut(JSON.stringify(await getSaved(client, cfg, name), null, 2) + '\n'),
        );
      }),
    );

  saved
    .command('run <name>')
    .description('run a saved query and print the matching flows')
    .option('--limit <n>', 'flows to print (1-1000)', '50')
    .action(
      action(async (name: string, opts: { limit: string }, cmd: Command) => {
        await withClient(cmd, async (client, cfg) => {
          const s = await getSaved(client, cfg, name);
          const page = await searchFlows(client, cfg, {
            query: s.query,
            from: s.from,
            to: s.to,
            limit: Number(opts.limit),
          });
          await writeOut(await flowTable(page.hits.map((h) => h.doc)));
          log(`${page.hits.length} of ${page.total.exact ? '' : '≥ '}${page.total.value} flows (${page.took_ms} ms)`);
        });
      }),
    );

  saved
    .command('rm <name>')
    .description('delete a saved query')
    .action(
      action(async (name: string, _opts: object, cmd: Command) => {
        await withClient(cmd, (client, cfg) => deleteSaved(client, cfg, name));
      }),
    );

  saved
    .command('rename <old> <new>')
    .description('rename a saved query (its permalink changes with it)')
    .action(
      action(async (from: string, to: string, _opts: object, cmd: Command) => {
        await withClient(cmd, async (client, cfg) => {
          const s = await renameSaved(client, cfg, from, to);
          log(`renamed to "${s.name}" (permalink /saved/${s.slug})`);
        });
      }),
    );
}
