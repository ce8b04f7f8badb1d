import { Router } from 'express';
import { FIELDS, getPath } from '../../model/fields';
import type { FlowDoc } from '../../model/flow';
import { getFlow, type FlowHit } from '../../report/search';
import { renderPage, type WebContext } from '../context';
import { text, type Params } from '../params';
import { formatTime } from '../format';
import { cellText } from '../view-models';
import { DAY_MS } from '../../model/time';

/** A value as the query language reads it, quoted so addresses, names and ids pass intact. */
export function quoteValue(v: string | number): string {
  return typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** `src:"10.0.0.1"` or, for device names, `srcaddr:"Comp1"`. */
function endpoint(side: 'src' | 'dst', end: FlowDoc['source']): string | undefined {
  if (end.ip !== undefined) return `${side}:${quoteValue(end.ip)}`;
  if (end.address !== undefined) return `${side}addr:${quoteValue(end.address)}`;
  return undefined;
}

export interface Pivot {
  label: string;
  query: string;
}

/** Searches one click away from a flow: same source, destination, pair, Community ID, service. */
export function pivots(doc: FlowDoc): Pivot[] {
  const src = endpoint('src', doc.source);
  const dst = endpoint('dst', doc.destination);
  const out: Pivot[] = [];
  if (src) out.push({ label: 'same source', query: src });
  if (dst) out.push({ label: 'same destination', query: dst });
  if (src && dst) out.push({ label: 'same pair', query: `${src} ${dst}` });
  if (doc.network.community_id)
    out.push({ label: 'same Community ID', query: `community_id:${quoteValue(doc.network.community_id)}` });
  if (dst) {
    const service = [dst];
    if (doc.destination.port !== undefined) service.push(`dport:${doc.destination.port}`);
    if (doc.network.transport) service.push(`proto:${quoteValue(doc.network.transport)}`);
    out.push({ label: 'same service', query: service.join(' ') });
  }
  // Enriched fields: the same place, AS and network on either side.
  for (const [side, label, end, net] of [
    ['src', 'source', doc.source, doc.flow.src_net],
    ['dst', 'destination', doc.destination, doc.flow.dst_net],
  ] as const) {
    if (end.geo?.country_iso_code)
      out.push({ label: `same ${label} country`, query: `${side}_country:${quoteValue(end.geo.country_iso_code)}` });
    if (end.as?.number !== undefined) out.push({ label: `same ${label} AS`, query: `${side}_as:${end.as.number}` });
    if (net?.name) out.push({ label: `same ${label} network`, query: `${side}_net:${quoteValue(net.name)}` });
  }
  return out;
}

/** Every stored field as name/value rows: catalogue fields in order, then whatever else `_source` holds. */
export function fieldRows(doc: FlowDoc): { name: string; value: string; description: string }[] {
  const rows: { name: string; value: string; description: string }[] = [];
  const known = new Set<string>();
  for (const f of FIELDS) {
    known.add(f.name);
    if (getPath(doc, f.name) !== undefined)
      rows.push({ name: f.name, value: cellText(f, doc), description: f.description });
  }
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !('lat' in v && 'lon' in v)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else if (!known.has(path)) {
      rows.push({ name: path, value: typeof v === 'string' ? v : JSON.stringify(v), description: '' });
    }
  };
  walk(doc, '');
  return rows;
}

/** Flow detail only reads one daily flow index of this prefix (`getFlow` checks the name exactly). */
function flowOf(ctx: WebContext, index: string, id: string): Promise<FlowHit> {
  return getFlow(ctx.client, ctx.config, id, index);
}

export function flowPages(ctx: WebContext): Router {
  return Router().get('/flow/:index/:id', async (req, res) => {
    const hit = await flowOf(ctx, req.params.index, req.params.id);
    const p: Params = req.query;
    // Pivots search the range the user came from, else the day around the flow.
    const t = Date.parse(hit.doc['@timestamp']);
    const from = text(p, 'from') ?? new Date(t - DAY_MS).toISOString();
    const to = text(p, 'to') ?? new Date(t + DAY_MS).toISOString();
    res.locals.form = { q: '', from, to };
    const hosts = [hit.doc.source, hit.doc.destination]
      .map((e) => e.ip ?? e.address)
      .filter((a): a is string => a !== undefined);
    renderPage(
      ctx,
      res,
      'flow',
      { title: 'Flow', nav: 'search' },
      {
        hit,
        time: formatTime(hit.doc['@timestamp']),
        fields: fieldRows(hit.doc),
        pivots: pivots(hit.doc).map((pv) => ({
          ...pv,
          href: `/?${new URLSearchParams({ q: pv.query, from, to }).toString()}`,
        })),
        hosts: hosts.map((h) => ({
          address: h,
          href: `/host/${encodeURIComponent(h)}?${new URLSearchParams({ from, to }).toString()}`,
        })),
        json: JSON.stringify(hit.doc, null, 2),
      },
    );
  });
}

export function flowApi(ctx: WebContext): Router {
  return Router().get('/flow/:index/:id', async (req, res) => {
    res.json(await flowOf(ctx, req.params.index, req.params.id));
  });
}
