import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { everyGroupTop, runPlannedReport, samplingRatesOf, searchAggs, totalOf, type CheckedReport } from './planned';
import { anySampled, withBounds } from '../query/sampling';
import { analyse } from '../query/analyse';
import { alignedBuckets } from '../query/indices';
import { readQuery } from '../query/syntax';
import {
  buildReportRequest,
  seriesInterval,
  seriesRows,
  type HistogramBucket,
  type ReportResult,
} from '../query/reports';
import { existingIndices } from './targets';
import { checkReportRequest, type ReportRequest } from './check';

export type { ReportResult, ReportRow } from '../query/reports';

export { checkReportRequest, MAX_TOP, type ReportRequest } from './check';

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
