import { FlowdexError } from '../errors';
import { compileQuery } from '../query/compile';
import { DEFAULT_TOP, METRICS, reportByName, seriesInterval, type Metric, type ReportName } from '../query/reports';
import type { Ast } from '../query/ast';
import { readQuery } from '../query/syntax';
import { parseTimeRange } from '../query/time';
import type { CheckedReport } from './planned';

// Apart from running the report, so `report --explain` and bad input never load the OpenSearch client.

export interface ReportRequest {
  report: ReportName;
  /** Query language filter. @default "" (every flow) */
  query?: string;
  /** A condition composed by code (host page, pivots), required besides `query`. */
  filter?: Ast;
  from?: string;
  to?: string;
  /** Groups of a top-N report. @default 10 */
  top?: number;
  /** Series bucket width. @default "15m" */
  interval?: string;
  /** Ranking metric of a top-N report; the report's own default when absent. */
  by?: Metric;
  /** Force raw indices even when a rollup could serve. */
  raw?: boolean;
}

export const MAX_TOP = 10000;

/** Validates the request and compiles its query; pure, so `--explain` runs it without a node. */
export function checkReportRequest(req: ReportRequest, now: number): CheckedReport {
  const def = reportByName(req.report);
  const range = parseTimeRange(req.from, req.to, now);
  const top = req.top ?? DEFAULT_TOP;
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP)
    throw new FlowdexError('QUERY_BAD_VALUE', `top must be 1-${MAX_TOP}, got ${req.top}`, { field: 'top' });
  const by = req.by ?? def.defaultBy;
  if (!METRICS.includes(by))
    throw new FlowdexError('QUERY_BAD_VALUE', `by must be one of ${METRICS.join(', ')}, got "${by}"`, { field: 'by' });
  const query = compileQuery(readQuery(req.query ?? '', now, req.filter).ast);
  if (def.kind !== 'top') seriesInterval(range, req.interval);
  return {
    def,
    range,
    top,
    by,
    options: { query, range, ...(req.interval !== undefined ? { interval: req.interval } : {}) },
  };
}
