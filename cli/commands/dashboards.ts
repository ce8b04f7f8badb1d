import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FlowdexError } from '../../src/errors';
import { importSavedObjects } from '../../src/dashboards/import';
import { exportNdjson } from '../../src/dashboards/saved-objects';
import { action, configOf, log, writeOut } from '../common';

export function registerDashboards(program: Command): void {
  const dash = program
    .command('dashboards')
    .description('OpenSearch Dashboards content: index patterns, visualizations and a network dashboard');

  dash
    .command('export')
    .description('write the saved objects for the configured prefix as NDJSON (stdout by default)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      action(async (opts: { out?: string }, cmd: Command) => {
        const ndjson = exportNdjson(configOf(cmd).prefix);
        if (opts.out === undefined) return writeOut(ndjson);
        await writeFile(opts.out, ndjson);
        log(`wrote ${opts.out}`);
      }),
    );

  dash
    .command('import')
    .description('import the saved objects into OpenSearch Dashboards, overwriting earlier copies')
    .option('--url <url>', 'Dashboards URL (env FLOWDEX_DASHBOARDS_URL)')
    .option('--username <user>', 'Dashboards user (default: the OpenSearch user)')
    .option('--password <password>', 'Dashboards password (default: the OpenSearch password)')
    .action(
      action(async (opts: { url?: string }, cmd: Command) => {
        // optsWithGlobals lets --username/--password given here win over the global OpenSearch ones.
        const cfg = configOf(cmd);
        const url = opts.url ?? process.env.FLOWDEX_DASHBOARDS_URL;
        if (url === undefined || url === '')
          throw new FlowdexError('CONFIG_INVALID', 'dashboards import needs --url (or FLOWDEX_DASHBOARDS_URL)', {
            field: 'url',
          });
        const outcome = await importSavedObjects(exportNdjson(cfg.prefix), {
          url,
          username: cfg.username,
          password: cfg.password,
        });
        for (const o of outcome.imported)
          log(`${o.overwritten ? 'updated' : 'imported'} ${o.type} "${o.title}" (${o.id})`);
        for (const e of outcome.errors) log(`failed ${e.type} "${e.title}" (${e.id}): ${e.reason}`);
        if (outcome.errors.length > 0) {
          throw new FlowdexError(
            'DASHBOARDS_IMPORT_FAILED',
            `${outcome.errors.length} of ${outcome.errors.length + outcome.imported.length} saved objects were not imported`,
          );
        }
        log(`imported ${outcome.imported.length} saved objects for prefix ${cfg.prefix}`);
      }),
    );
}
