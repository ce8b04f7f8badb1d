import type { Command } from 'commander';
import { FlowdexError } from '../src/errors';
import { METRICS, type Metric } from '../src/query/reports';
import { checkSyntax, withSyntax } from '../src/query/syntax';
import { wholeNumber } from './format';

/** The options `report` and `host` share, as commander hands them over. */
export interface ReportFilterOptions {
  query?: string;
  syntax?: string;
  from?: string;
  to?: string;
  top?: string;
  interval?: string;
  by?: string;
  raw?: boolean;
}

/** Declares the filter, its syntax, the range, ranking and `--raw`; the help of top, interval and by is each command's own. */
export function reportFilterOptions(cmd: Command, help: { top: string; interval: string; by: string }): Command {
  return cmd
    .option('--query <q>', 'filter in the query language or nfdump syntax', '')
    .option('--syntax <syntax>', 'syntax of --query: auto, flowdex or nfdump', 'auto')
    .option('--from <time>', 'range start (default 24 h before --to)')
    .option('--to <time>', 'range end, exclusive (default now)')
    .option('--top <n>', help.top, '10')
    .option('--interval <span>', help.interval)
    .option('--by <metric>', help.by)
    .option('--raw', 'answer from raw flow indices even when a rollup could');
}

/** The shared part of a report or host request, from those options. */
export function reportFilter(o: ReportFilterOptions): {
  query: string;
  from?: string;
  to?: string;
  top?: number;
  interval?: string;
  by?: Metric;
  raw: boolean;
} {
  if (o.by !== undefined && !(METRICS as readonly string[]).includes(o.by))
    throw new FlowdexError('BAD_REQUEST', `--by must be one of ${METRICS.join(', ')}, got "${o.by}"`, { field: 'by' });
  const top = wholeNumber(o.top, 'top');
  return {
    query: withSyntax(o.query ?? '', checkSyntax(o.syntax)),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(top !== undefined ? { top } : {}),
    ...(o.interval !== undefined ? { interval: o.interval } : {}),
    ...(o.by !== undefined ? { by: o.by as Metric } : {}),
    raw: o.raw === true,
  };
}
