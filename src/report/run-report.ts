import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { everyGroupTop, runPlannedReport, samplingRatesOf, searchAggs, totalOf, type CheckedReport } from './planned';
import { anySampled, withBounds } from '../query/sampling';
import { analyse } from '../query/analyse';
import { compileQuery } from '../query/compile';
import { alignedBuckets } from '../query/indices';
import type { Ast } from '../query/ast';
import { readQuery } from '../query/syntax';
import {
  buildReportRequest,
  DEFAULT_TOP,
  METRICS,
  reportByName,
  seriesInterval,
  seriesRows,
  type HistogramBucket,
  type Metric,
  type ReportName,
  type ReportResult,
} from '../query/reports';
import { existingIndices } from './targets';
import { parseTimeRange } from '../query/time';

export type { ReportResult, ReportRow } from '../query/reports';

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

/**
 * Runs a named report: exact top-N by paging composite aggregations to completion, or one
 * date histogram with every bucket of the range (empty ones included). `served_by` names the
 * existing daily indices searched; `took_ms` is wall time including every page.
 */
export async function runReport(
  client: Client,
  cfg: FlowdexConfig,
  req: ReportRequest,
  now: number = Date.now(),
): Promise<ReportResult> {
  const c = checkReportRequest(req, now);
  // The planner's seam: rollups (with raw edges) answer when they keep every field the report needs.
  const planned = await runPlannedReport(
    client,
    cfg,
    c,
    analyse(readQuery(req.query ?? '', now, req.filter).ast),
    req.raw,
  );
  const answer = planned ?? (await rawReport(client, cfg, c));
  return answer.sampled ? { ...answer, sampling_rates: await samplingRatesOf(client, cfg, c) } : answer;
}

/** The report from raw flow indices alone. */
async function rawReport(client: Client, cfg: FlowdexConfig, c: CheckedReport): Promise<ReportResult> {
  const t0 = performance.now();
  const indices = await existingIndices(client, cfg, c.range);
  const base = { report: c.def.name, served_by: indices, range: c.range, columns: c.def.columns };
  if (c.def.kind === 'top') {
    // Every group over the range (see `groupsOf`), then ranked.
    const served = [
      { part: { source: 'raw' as const, range: c.range }, src: { indices, rollup: false, subDay: true } },
    ];
    const rows = indices.length === 0 ? [] : await everyGroupTop(client, cfg, c, served);
    const total = anySampled(rows) ? await totalOf(client, cfg, c, served) : undefined;
    return withBounds({ ...base, took_ms: Math.round(performance.now() - t0), rows }, c.def.kind, c.by, total);
  }
  const ms = seriesInterval(c.range, c.options.interval);
  // No index at all still yields the full series of empty buckets, as the histogram would.
  const buckets =
    indices.length === 0
      ? alignedBuckets(c.range, ms).map((key): HistogramBucket => ({ key, doc_count: 0 }))
      : (
          await searchAggs<'series', { buckets: HistogramBucket[] }>(
            client,
            cfg,
            indices,
            buildReportRequest(c.def, c.options),
            ['series'],
          )
        ).series.buckets;
  return withBounds(
    { ...base, took_ms: Math.round(performance.now() - t0), interval_ms: ms, rows: seriesRows(c.def, buckets, ms) },
    c.def.kind,
    c.by,
  );
}
