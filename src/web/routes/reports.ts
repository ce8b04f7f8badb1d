import { isIP } from 'node:net';
import { Router } from 'express';
import { METRICS, REPORTS, reportByName, type ReportDef, type ReportName } from '../../query/reports';
import { runReport, type ReportRequest, type ReportResult } from '../../report/run-report';
import { searchFlows } from '../../report/search';
import type { EndpointFields, FlowDoc } from '../../model/flow';
import { renderPage, type WebContext } from '../context';
import { MAX_TOP, flag, integer, oneOf, queryText, text, type Params } from '../params';
import { intervalFor, samplingNote, seriesChart, TIME_PRESETS, topTable } from '../view-models';
import { quoteValue } from './flow';

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

/** Runs the reports of one page: all share one `now` and one interval, so their charts line up. */
function runner(ctx: WebContext, p: Params): (req: ReportRequest) => Promise<ReportResult> {
  const now = ctx.now();
  const interval = text(p, 'interval', 16) ?? intervalFor(text(p, 'from'), text(p, 'to'), now);
  return (req) => runReport(ctx.client, ctx.config, { ...req, interval }, now);
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

/** How the query language names a host on either side, as a source and as a destination. */
export function hostQueries(address: string): { either: string; src: string; dst: string } {
  const v = quoteValue(address);
  return isIP(address) !== 0
    ? { either: `ip:${v}`, src: `src:${v}`, dst: `dst:${v}` }
    : { either: `address:${v}`, src: `srcaddr:${v}`, dst: `dstaddr:${v}` };
}

export interface HostReport {
  address: string;
  traffic: ReportResult;
  /** Who the host sent to, and who sent to it. */
  peers: { destinations: ReportResult; sources: ReportResult };
  /** Services the host offered (as destination) and used (as source). */
  services: { offered: ReportResult; used: ReportResult };
  /** What enrichment stored about the host on its latest flow: place, AS, network. */
  about: HostFacts;
}

export interface HostFacts {
  country?: string;
  city?: string;
  as_number?: number;
  as_organization?: string;
  network?: string;
}

/** The host's side of a flow as facts; empty when the flow was not enriched. */
export function hostFacts(doc: FlowDoc | undefined, address: string): HostFacts {
  if (doc === undefined) return {};
  const isSource = doc.source.ip === address || doc.source.address === address;
  const end: EndpointFields = isSource ? doc.source : doc.destination;
  const net = isSource ? doc.flow.src_net : doc.flow.dst_net;
  return {
    ...(end.geo?.country_iso_code ? { country: end.geo.country_iso_code } : {}),
    ...(end.geo?.city_name ? { city: end.geo.city_name } : {}),
    ...(end.as?.number !== undefined ? { as_number: end.as.number } : {}),
    ...(end.as?.organization?.name ? { as_organization: end.as.organization.name } : {}),
    ...(net?.name ? { network: net.name } : {}),
  };
}

export async function hostReport(ctx: WebContext, address: string, p: Params): Promise<HostReport> {
  const q = hostQueries(address);
  const user = queryText(p);
  const withUser = (hostQ: string): string => (user ? `(${user}) ${hostQ}` : hostQ);
  const base = (report: ReportName, query: string): ReportRequest => ({
    ...reportRequestOf(report, p),
    query: withUser(query),
  });
  const run = runner(ctx, p);
  const [latest, traffic, destinations, sources, offered, used] = await Promise.all([
    searchFlows(
      ctx.client,
      ctx.config,
      { query: withUser(q.either), from: text(p, 'from'), to: text(p, 'to'), limit: 1 },
      ctx.now(),
    ),
    run(base('traffic', q.either)),
    run(base('top-destinations', q.src)),
    run(base('top-sources', q.dst)),
    run(base('top-services', q.dst)),
    run(base('top-services', q.src)),
  ]);
  return {
    address,
    traffic,
    peers: { destinations, sources },
    services: { offered, used },
    about: hostFacts(latest.hits[0]?.doc, address),
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
    const h = await hostReport(ctx, req.params.address, req.query);
    const range = rangeQuery(req.query);
    const q = hostQueries(h.address);
    const pivot = (query: string) =>
      `/?${new URLSearchParams({ q: query, from: text(req.query, 'from') ?? '', to: text(req.query, 'to') ?? '' }).toString()}`;
    const a = h.about;
    renderPage(
      ctx,
      res,
      'host',
      { title: h.address, nav: 'none' },
      {
        address: h.address,
        facts: [
          ...(a.country
            ? [{ label: a.city ? `${a.city}, ${a.country}` : a.country, href: pivot(`country:${a.country}`) }]
            : []),
          ...(a.as_number !== undefined
            ? [
                {
                  label: `AS${a.as_number}${a.as_organization ? ` ${a.as_organization}` : ''}`,
                  href: pivot(`as:${a.as_number}`),
                },
              ]
            : []),
          ...(a.network ? [{ label: `network ${a.network}`, href: pivot(`net_name:${quoteValue(a.network)}`) }] : []),
        ],
        action: `/host/${encodeURIComponent(h.address)}`,
        searchHref: `/?${new URLSearchParams({ q: q.either, from: text(req.query, 'from') ?? '', to: text(req.query, 'to') ?? '' }).toString()}`,
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
    res.json(await runner(ctx, req.query)(reportRequestOf(def.name, req.query)));
  });
  r.get('/host/:address', async (req, res) => {
    res.json(await hostReport(ctx, req.params.address, req.query));
  });
  return r;
}
