import type { Command } from 'commander';
import { FlowdexError } from '../../src/errors';
import { columnFields } from '../../src/model/fields';
import type { FlowDoc } from '../../src/model/flow';
import { csvRow } from '../../src/query/csv';
import { explain } from '../../src/query/explain';
import { checkSyntax, parseAnyQuery, withSyntax } from '../../src/query/syntax';
import type { SearchRequest } from '../../src/report/search';
import { parseSort } from '../../src/query/sort';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { formatTable, printQueryError, wholeNumber } from '../format';

interface QueryOptions {
  from?: string;
  to?: string;
  limit?: string;
  sort?: string;
  format: string;
  explain?: boolean;
  all?: boolean;
  syntax?: string;
}

const FORMATS = ['table', 'ndjson', 'csv'];

/**
 * Flows as the table format prints them: the results table's columns, values formatted as the
 * web shows them (times, `3.0 s`, `17.7 kB`, flag letters; addresses fall back to device names).
 */
export async function flowTable(docs: readonly FlowDoc[]): Promise<string> {
  const { cellText } = await import('../../src/web/view-models');
  const fields = columnFields();
  return formatTable(
    fields.map((f) => f.name),
    docs.map((d) => fields.map((f) => cellText(f, d) || undefined)),
  );
}

export function registerQuery(program: Command): void {
  program
    .command('query <query>')
    .description('search flows with the query language or an nfdump filter (see src/query/LANGUAGE.md)')
    .option('--from <time>', 'range start: ISO 8601, epoch, now-24h … (default 24 h before --to)')
    .option('--to <time>', 'range end, exclusive (default now)')
    .option('--limit <n>', 'flows to print (1-1000)', '50')
    .option('--sort <field[:asc]>', 'sort field or alias, descending unless :asc', '@timestamp')
    .option('--format <format>', 'table, ndjson or csv', 'table')
    .option('--explain', 'print the parsed query, the DSL and the indices instead of searching')
    .option('--all', 'with ndjson or csv: stream every match, not one page')
    .option('--syntax <syntax>', 'auto, flowdex or nfdump (auto tells them apart; nfdump: prefix forces)', 'auto')
    .action(
      action(async (typed: string, o: QueryOptions, cmd: Command) => {
        const query = withSyntax(typed, checkSyntax(o.syntax));
        const cfg = configOf(cmd);
        if (!FORMATS.includes(o.format))
          throw new FlowdexError('BAD_REQUEST', `--format must be one of ${FORMATS.join(', ')}, got "${o.format}"`, {
            field: 'format',
          });
        if (o.all && o.format === 'table')
          throw new FlowdexError('BAD_REQUEST', '--all streams every match: use it with --format ndjson or csv', {
            field: 'all',
          });
        const now = Date.now();
        const sort = parseSort(o.sort);
        const req: SearchRequest = {
          query,
          from: o.from,
          to: o.to,
          limit: wholeNumber(o.limit, 'limit'),
          sort: sort.field,
          order: sort.order,
        };
        try {
          if (o.explain) {
            const ex = explain({ query, from: o.from, to: o.to, prefix: cfg.prefix, now });
            await writeOut(JSON.stringify({ ast: parseAnyQuery(query, now).ast, ...ex, sort }, null, 2) + '\n');
            return;
          }
          // Loaded here, not at start-up: --explain and bad input never need the OpenSearch client.
          const [{ searchFlows }, { EXPORT_COLUMNS, exportFlows, flowCsvRow }] = await Promise.all([
            import('../../src/report/search'),
            import('../../src/report/export'),
          ]);
          const { client } = await connectLogged(cfg);
          try {
            if (o.all) {
              const r = await exportFlows(client, cfg, req, o.format === 'csv' ? 'csv' : 'ndjson', writeOut, now);
              log(`${r.rows} flows`);
              return;
            }
            const page = await searchFlows(client, cfg, req, now);
            if (o.format === 'ndjson') await writeOut(page.hits.map((h) => JSON.stringify(h.doc) + '\n').join(''));
            else if (o.format === 'csv')
              await writeOut(csvRow(EXPORT_COLUMNS) + page.hits.map((h) => flowCsvRow(h.doc)).join(''));
            else await writeOut(await flowTable(page.hits.map((h) => h.doc)));
            log(
              `${page.hits.length} of ${page.total.value}${page.total.exact ? '' : '+'} flows from ${page.served_by.length} indices in ${page.took_ms} ms`,
            );
          } finally {
            await client.close();
          }
        } catch (e) {
          const code = printQueryError(e, query);
          if (code === undefined) throw e;
          return code;
        }
      }),
    );
}
