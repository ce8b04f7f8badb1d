import { Router } from 'express';
import { METRICS, REPORTS, reportByName, type ReportDef, type ReportName } from '../../query/reports';
import { runReport, type ReportRequest, type ReportResult } from '../../report/run-report';
import { explainReport } from '../../report/explain';
import { configuredSpeeds, withInterfaceSpeeds } from '../../report/utilization';
import { factPivots, hostReport, hostSearch, type HostRequest } from '../../report/host';
import { renderPage, type WebContext } from '../context';
import { MAX_TOP, flag, integer, oneOf, queryText, text, type Params } from '../params';
import { intervalFor, samplingNote, seriesChart, TIME_PRESETS, topTable } from '../view-models';

/** A report request from query parameters (`q` or `query`, from, to, top, interval, by, raw). */
export function reportRequestOf(report: ReportName, p: Params): ReportRequest {
  return {
    report,
    query: queryText(p),
    from: text(p, 'from'),
    to: text(p, 'to'),
    top: integer(p, 'top', 1, MAX_TOP),
    by: oneOf(p, 'by', METRICS),
    raw: flag(p, 'raw'),
  };
}

/** The series interval of a page: as asked, else the chart interval of its range. */
function pageInterval(p: Params, now: number): string {
  return text(p, 'interval', 16) ?? intervalFor(text(p, 'from'), text(p, 'to'), now);
}

/** Runs the reports of one page: all share one `now` and one interval, so their charts line up. */
function runner(ctx: WebContext, p: Params): (req: ReportRequest) => Promise<ReportResult> {
  const now = ctx.now();
  const interval = pageInterval(p, now);
  const speeds = configuredSpeeds();
  return async (req) =>
    withInterfaceSpeeds(
      ctx.client,
      ctx.config,
      await runReport(ctx.client, ctx.config, { ...req, interval }, now),
      speeds,
    );
}

function panel(def: ReportDef, r: ReportResult, range: string): object {
  const base = {
    name: def.name,
    description: def.description,
    served_by: r.served_by,
    took_ms: r.took_ms,
    rows: r.rows.length,
    sampling: samplingNote(r),
  };
  if (def.kind === 'top') return { ...base, table: topTable(r, def.defaultBy, range) };
  return def.kind === 'series'
    ? {
        ...base,
        chart: seriesChart(r, 'bytes', 'area', `${def.name}: bytes per interval`),
        chart2: seriesChart(r, 'flows', 'line', `${def.name}: flows per interval`),
      }
    : { ...base, chart: seriesChart(r, 'unique', 'line', `${def.name} per interval`) };
}

function rangeQuery(p: Params): string {
  const qs = new URLSearchParams();
  for (const k of ['from', 'to']) {
    const v = text(p, k);
    if (v) qs.set(k, v);
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** The host report a host page or `/api/host` asks for: the page's filter, range and options. */
function hostRequestOf(address: string, p: Params): HostRequest {
  const interval = text(p, 'interval', 16);
  const { query, from, to, top, by, raw } = reportRequestOf('traffic', p);
  return {
    address,
    ...(query !== undefined ? { query } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(top !== undefined ? { top } : {}),
    ...(by !== undefined ? { by } : {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(raw !== undefined ? { raw } : {}),
  };
}

export function reportPages(ctx: WebContext): Router {
  const r = Router();
  r.get('/reports', async (req, res) => {
    const defs = Object.values(REPORTS);
    const run = runner(ctx, req.query);
    const results = await Promise.all(defs.map((d) => run(reportRequestOf(d.name, req.query))));
    const range = rangeQuery(req.query);
    renderPage(
      ctx,
      res,
      'reports',
      { title: 'Reports', nav: 'reports' },
      {
        presets: TIME_PRESETS.map((t) => ({
          ...t,
          href: `/reports?${new URLSearchParams({ q: queryText(req.query), from: t.from }).toString()}`,
        })),
        panels: results.map((result) => panel(reportByName(result.report), result, range)),
      },
    );
  });
  r.get('/host/:address', async (req, res) => {
    const h = await hostReport(ctx.client, ctx.config, hostRequestOf(req.params.address, req.query), ctx.now());
    const range = rangeQuery(req.query);
    const pivot = (query: string) =>
      `/?${new URLSearchParams({ q: query, from: text(req.query, 'from') ?? '', to: text(req.query, 'to') ?? '' }).toString()}`;
    renderPage(
      ctx,
      res,
      'host',
      { title: h.address, nav: 'none' },
      {
        address: h.address,
        facts: factPivots(h.about).map((f) => ({ label: f.label, href: pivot(f.query) })),
        action: `/host/${encodeURIComponent(h.address)}`,
        searchHref: pivot(hostSearch(h.address)),
        traffic: {
          bytes: seriesChart(h.traffic, 'bytes', 'area', `${h.address}: bytes over time`),
          flows: seriesChart(h.traffic, 'flows', 'line', `${h.address}: flows over time`),
        },
        panels: [
          { title: 'Sends to', sub: h.peers.destinations, table: topTable(h.peers.destinations, 'bytes', range) },
          { title: 'Receives from', sub: h.peers.sources, table: topTable(h.peers.sources, 'bytes', range) },
          { title: 'Services offered', sub: h.services.offered, table: topTable(h.services.offered, 'flows', range) },
          { title: 'Services used', sub: h.services.used, table: topTable(h.services.used, 'flows', range) },
        ],
      },
    );
  });
  return r;
}

export function reportApi(ctx: WebContext): Router {
  const r = Router();
  r.get('/report/:name', async (req, res) => {
    const def = reportByName(req.params.name);
    if (flag(req.query, 'explain')) {
      // The plan and what each step would read, instead of the answer.
      const now = ctx.now();
      const request = { ...reportRequestOf(def.name, req.query), interval: pageInterval(req.query, now) };
      res.json(await explainReport(ctx.client, ctx.config, request, now));
      return;
    }
    res.json(await runner(ctx, req.query)(reportRequestOf(def.name, req.query)));
  });
  r.get('/host/:address', async (req, res) => {
    res.json(await hostReport(ctx.client, ctx.config, hostRequestOf(req.params.address, req.query), ctx.now()));
  });
  return r;
}
