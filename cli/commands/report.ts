import type { Command } from 'commander';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../../src/config';
import { FlowdexError, isFlowdexError } from '../../src/errors';
import { csvRow } from '../../src/query/csv';
import { indicesFor } from '../../src/store/indices';
import { buildReportRequest, REPORTS, type Metric, type ReportName } from '../../src/query/reports';
import { reportFilter, reportFilterOptions, type ReportFilterOptions } from '../report-options';
import { checkReportRequest, type ReportRequest } from '../../src/report/check';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { estimateText, ratesText } from '../../src/query/sampling';
import type { BoundedRow, ReportResult } from '../../src/query/reports';
import { formatTable, printQueryError } from '../format';

interface ReportOptions extends ReportFilterOptions {
  format: string;
  explain?: boolean;
}

const FORMATS = ['table', 'json', 'csv'];

export function registerReport(program: Command): void {
  reportFilterOptions(
    program.command('report <name>').description(`run a named report: ${Object.keys(REPORTS).join(', ')}`),
    {
      top: 'groups of a top-N report',
      interval: 'bucket width of a time series, e.g. 15m',
      by: 'rank top-N reports by bytes, flows or packets',
    },
  )
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--explain', 'print the plan (rollups, raw edges, indices, documents each reads) instead of running it')
    .action(
      action(async (name: string, o: ReportOptions, cmd: Command) => {
        const cfg = configOf(cmd);
        if (!FORMATS.includes(o.format))
          throw new FlowdexError('BAD_REQUEST', `--format must be one of ${FORMATS.join(', ')}, got "${o.format}"`, {
            field: 'format',
          });
        const req: ReportRequest = { report: name as ReportName, ...reportFilter(o) };
        const now = Date.now();
        try {
          const checked = checkReportRequest(req, now);
          if (o.explain) {
            await writeOut(JSON.stringify(await explanation(cfg, req, now), null, 2) + '\n');
            return;
          }
          // Loaded here, not at start-up: help and bad input never need the OpenSearch client.
          const { runReport } = await import('../../src/report/run-report');
          const { configuredSpeeds, withInterfaceSpeeds } = await import('../../src/report/utilization');
          const { client } = await connectLogged(cfg);
          try {
            const r = await withInterfaceSpeeds(
              client,
              cfg,
              await runReport(client, cfg, req, now),
              configuredSpeeds(),
            );
            if (o.format === 'json') {
              const { report, served_by, took_ms, rows, total, sampled, sampling_rates } = r;
              const json = { report, served_by, took_ms, rows, total, sampled, sampling_rates };
              await writeOut(JSON.stringify(json) + '\n');
            } else if (o.format === 'csv') {
              // Sampled answers add each row's ± (95 %) and whether its order against the next is open.
              const extra = r.sampled ? ['bytes_error', 'packets_error', 'overlaps_next'] : [];
              const cells = (row: BoundedRow) => [
                ...r.columns.map((c) => row[c]),
                ...(r.sampled ? [row.error?.bytes, row.error?.packets, row.error?.overlaps_next === true] : []),
              ];
              await writeOut(csvRow([...r.columns, ...extra]) + r.rows.map((row) => csvRow(cells(row))).join(''));
            } else {
              const show = (row: BoundedRow, c: string) =>
                (estimateText(row, c, String) ?? String(row[c] ?? '')) +
                (c === checked.by && row.error?.overlaps_next ? ' ~' : '');
              await writeOut(
                formatTable(
                  r.columns,
                  r.rows.map((row) => r.columns.map((c) => (row.error ? show(row, c) : row[c]))),
                ),
              );
            }
            log(`${r.report}: ${r.rows.length} rows from ${r.served_by.length} indices in ${r.took_ms} ms`);
            if (r.sampled && o.format === 'table') log(samplingNote(r, checked.by));
          } finally {
            await client.close();
          }
        } catch (e) {
          const code = printQueryError(e, o.query ?? '');
          if (code === undefined) throw e;
          return code;
        }
      }),
    );
}

/**
 * The plan with its document counts from the node; with no node to ask, the request and the
 * daily indices alone (the plan depends on which rollups and indices exist).
 */
async function explanation(cfg: FlowdexConfig, req: ReportRequest, now: number): Promise<object> {
  let client: Client | undefined;
  try {
    const { explainReport } = await import('../../src/report/explain');
    client = (await connectLogged(cfg)).client;
    return await explainReport(client, cfg, req, now);
  } catch (e) {
    if (!isFlowdexError(e) || e.code !== 'OPENSEARCH_UNREACHABLE') throw e;
    log(`flowdex: ${e.message}; printing the raw request without a plan`);
    const checked = checkReportRequest(req, now);
    return {
      report: checked.def.name,
      indices: indicesFor(cfg.prefix, checked.range),
      request: buildReportRequest(checked.def, checked.options),
    };
  } finally {
    await client?.close();
  }
}

/** What `≈`, `±` and `~` mean, with the rates and the total, for a sampled answer. */
function samplingNote(r: ReportResult, by: Metric): string {
  const total = r.total;
  const totalText = total
    ? ['flows', 'bytes', 'packets'].map((c) => `${c} ${estimateText(total, c, String) ?? String(total[c])}`).join(', ')
    : '';
  return (
    `estimates from sampled flows (${ratesText(r.sampling_rates ?? [])}): ≈ value ±95 % bound; ` +
    `~ marks a row whose ${by} are not separated from the next row's` +
    (totalText ? `\ntotal: ${totalText}` : '')
  );
}
