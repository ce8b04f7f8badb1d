import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { endpointIs } from '../model/endpoint';
import type { EndpointFields, FlowDoc } from '../model/flow';
import { allOfAsts, hostTerm, term } from '../query/build';
import { printQuery } from '../query/print';
import type { Metric, ReportName } from '../query/reports';
import { parseTimeRange } from '../query/time';
import { autoInterval } from '../query/units';
import { pivotOf, type Pivot } from './pivots';
import { runReport, type ReportRequest, type ReportResult } from './run-report';
import { searchFlows, type SearchRequest } from './search';

/** What the host page and `flowdex host` ask: a host (IP, else device name) within a filter and range. */
export interface HostRequest {
  address: string;
  /** The user's filter, required besides the host. @default "" (every flow) */
  query?: string;
  from?: string;
  to?: string;
  top?: number;
  by?: Metric;
  /** Series bucket width. @default the chart interval of the range (`autoInterval`) */
  interval?: string;
  raw?: boolean;
}

export interface HostReport {
  address: string;
  traffic: ReportResult;
  /** Who the host sent to, and who sent to it. */
  peers: { destinations: ReportResult; sources: ReportResult };
  /** Services the host offered (as the server end) and used (every other flow of it). */
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

/** The searches behind a host report: each the user's filter and the host on one side, as ASTs. */
export interface HostPlan {
  latest: SearchRequest;
  traffic: ReportRequest;
  destinations: ReportRequest;
  sources: ReportRequest;
  offered: ReportRequest;
  used: ReportRequest;
}

/** The host report's requests; pure, so the composition is tested without a node. */
export function hostPlan(req: HostRequest, now: number): HostPlan {
  const either = hostTerm('either', req.address);
  const asSource = hostTerm('source', req.address);
  const asDestination = hostTerm('destination', req.address);
  // Services by the server side (model/server): a reply flow to the host is a service it used.
  const asServer = hostTerm('server', req.address);
  const interval = req.interval ?? autoInterval(parseTimeRange(req.from, req.to, now));
  const report = (name: ReportName, filter: ReportRequest['filter']): ReportRequest => ({
    report: name,
    query: req.query ?? '',
    filter,
    ...(req.from !== undefined ? { from: req.from } : {}),
    ...(req.to !== undefined ? { to: req.to } : {}),
    ...(req.top !== undefined ? { top: req.top } : {}),
    ...(req.by !== undefined ? { by: req.by } : {}),
    ...(req.raw !== undefined ? { raw: req.raw } : {}),
    interval,
  });
  return {
    latest: {
      query: req.query ?? '',
      filter: either,
      ...(req.from !== undefined ? { from: req.from } : {}),
      ...(req.to !== undefined ? { to: req.to } : {}),
      limit: 1,
    },
    traffic: report('traffic', either),
    destinations: report('top-destinations', asSource),
    sources: report('top-sources', asDestination),
    offered: report('top-services', asServer),
    used: report('top-services', allOfAsts(either, { kind: 'not', child: asServer })),
  };
}

/** The host page's data: traffic over time, peers, services and what enrichment knows of it. */
export async function hostReport(
  client: Client,
  cfg: FlowdexConfig,
  req: HostRequest,
  now: number = Date.now(),
): Promise<HostReport> {
  const plan = hostPlan(req, now);
  const run = (r: ReportRequest) => runReport(client, cfg, r, now);
  const [latest, traffic, destinations, sources, offered, used] = await Promise.all([
    searchFlows(client, cfg, plan.latest, now),
    run(plan.traffic),
    run(plan.destinations),
    run(plan.sources),
    run(plan.offered),
    run(plan.used),
  ]);
  return {
    address: req.address,
    traffic,
    peers: { destinations, sources },
    services: { offered, used },
    about: hostFacts(latest.hits[0]?.doc, req.address),
  };
}

/** The host's side of a flow as facts; empty when the flow was not enriched. */
export function hostFacts(doc: FlowDoc | undefined, address: string): HostFacts {
  if (doc === undefined) return {};
  const isSource = endpointIs(doc.source, address);
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

/** Searches for the host's place, AS and network on either side: the host page's fact links. */
export function factPivots(a: HostFacts): Pivot[] {
  return [
    ...(a.country ? [pivotOf(a.city ? `${a.city}, ${a.country}` : a.country, term('country', a.country))] : []),
    ...(a.as_number !== undefined
      ? [pivotOf(`AS${a.as_number}${a.as_organization ? ` ${a.as_organization}` : ''}`, term('as', a.as_number))]
      : []),
    ...(a.network ? [pivotOf(`network ${a.network}`, term('net_name', a.network))] : []),
  ];
}

/** The search for every flow of the host, in the flowdex language (the host page's search link). */
export function hostSearch(address: string): string {
  return printQuery(hostTerm('either', address), { quoteKeywords: true });
}
