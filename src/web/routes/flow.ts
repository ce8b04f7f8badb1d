import { Router } from 'express';
import { FIELDS, getPath } from '../../model/fields';
import type { FlowDoc } from '../../model/flow';
import { getFlow, type FlowHit } from '../../report/search';
import { pivots } from '../../report/pivots';
import { endpointName } from '../../model/endpoint';
import { renderPage, type WebContext } from '../context';
import { text, type Params } from '../params';
import { formatTime } from '../format';
import { cellText } from '../view-models';
import { DAY_MS } from '../../model/time';

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
    const hosts = [hit.doc.source, hit.doc.destination].map(endpointName).filter((a): a is string => a !== undefined);
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
