import { Router, type Response } from 'express';
import { FlowdexError } from '../../errors';
import { runReport } from '../../report/run-report';
import { exportFlows } from '../../report/export';
import { searchFlows, type SearchPage, type SearchRequest } from '../../report/search';
import { renderPage, type WebContext } from '../context';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, flag, integer, oneOf, queryText, text, type Params } from '../params';
import {
  columnLabel,
  tableCellText,
  intervalFor,
  isNumeric,
  seriesChart,
  TABLE_COLUMNS,
  TIME_PRESETS,
} from '../view-models';

const MAX_CURSOR_LENGTH = 4096;

export function searchRequestOf(p: Params): SearchRequest {
  return {
    query: queryText(p),
    from: text(p, 'from'),
    to: text(p, 'to'),
    limit: integer(p, 'limit', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
    sort: text(p, 'sort'),
    order: oneOf(p, 'order', ['asc', 'desc'] as const),
    cursor: text(p, 'cursor', MAX_CURSOR_LENGTH),
    exactTotal: flag(p, 'exact'),
  };
}

function link(base: string, params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${base}?${s}` : base;
}

/**
 * The search page's model: the results table, paging and sort links, and a histogram of the
 * matches (the traffic report on the same query). `base` is the path the links return to.
 */
export async function searchView(ctx: WebContext, p: Params, base = '/'): Promise<object> {
  const req = searchRequestOf(p);
  const now = ctx.now();
  const interval = intervalFor(req.from, req.to, now);
  const [page, histogram] = await Promise.all([
    searchFlows(ctx.client, ctx.config, req, now),
    runReport(
      ctx.client,
      ctx.config,
      { report: 'traffic', query: req.query, from: req.from, to: req.to, interval },
      now,
    ),
  ]);
  const keep = {
    q: req.query,
    from: req.from,
    to: req.to,
    limit: req.limit === DEFAULT_PAGE_SIZE ? undefined : req.limit,
  };
  // Paging pins the range to absolute times, so "now-1h" does not slide between pages.
  const pinned = { ...keep, from: new Date(page.range.from).toISOString(), to: new Date(page.range.to).toISOString() };
  const detailRange = link('', { from: pinned.from, to: pinned.to });
  return {
    presets: TIME_PRESETS.map((t) => ({
      ...t,
      href: link(base, { q: req.query, from: t.from }),
      active: req.from === t.from && !req.to,
    })),
    columns: TABLE_COLUMNS.map((f) => {
      const sorted = req.sort === f.name;
      const order = sorted && req.order !== 'asc' ? 'asc' : 'desc';
      return {
        label: columnLabel(f),
        numeric: isNumeric(f),
        sorted,
        order: sorted ? (req.order ?? 'desc') : undefined,
        href: link(base, { ...keep, sort: f.name, order }),
      };
    }),
    hits: page.hits.map((h) => ({
      href: `/flow/${encodeURIComponent(h.index)}/${encodeURIComponent(h.id)}${detailRange}`,
      cells: TABLE_COLUMNS.map((f) => ({ text: tableCellText(f, h.doc), numeric: isNumeric(f) })),
    })),
    total: page.total,
    asFlowdex: page.syntax === 'nfdump' ? page.flowdex : undefined,
    shown: page.hits.length,
    range: { from: pinned.from, to: pinned.to },
    next: page.cursor ? link(base, { ...pinned, sort: req.sort, order: req.order, cursor: page.cursor }) : undefined,
    first: req.cursor ? link(base, { ...pinned, sort: req.sort, order: req.order }) : undefined,
    served_by: page.served_by,
    took_ms: page.took_ms,
    histogram: seriesChart(histogram, 'flows', 'bars', 'matching flows over time', { width: 1200, height: 150 }),
    exports: { csv: link('/export.csv', pinned), ndjson: link('/export.ndjson', pinned) },
  };
}

export function searchPages(ctx: WebContext): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    renderPage(ctx, res, 'search', { title: 'Search', nav: 'search' }, await searchView(ctx, req.query));
  });
  r.get('/export.csv', (req, res) => streamExport(ctx, req.query, 'csv', res));
  r.get('/export.ndjson', (req, res) => streamExport(ctx, req.query, 'ndjson', res));
  return r;
}

export function searchApi(ctx: WebContext): Router {
  const r = Router();
  r.get('/search', async (req, res) => {
    const page: SearchPage = await searchFlows(ctx.client, ctx.config, searchRequestOf(req.query), ctx.now());
    res.json(page);
  });
  r.get('/export', (req, res) => {
    const format = oneOf(req.query, 'format', ['csv', 'ndjson'] as const);
    if (format === undefined)
      throw new FlowdexError('BAD_REQUEST', 'format: required (csv or ndjson)', { field: 'format' });
    return streamExport(ctx, req.query, format, res);
  });
  return r;
}

const TYPES = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

/**
 * Streams every match. The first chunk (the CSV header) is held back until data follows, so an
 * error before any flow is read (bad query, OpenSearch down) still becomes a proper error
 * response; the socket's backpressure paces the export.
 */
async function streamExport(ctx: WebContext, p: Params, format: 'csv' | 'ndjson', res: Response): Promise<void> {
  let held: string | undefined;
  let flowing = false;
  const send = (chunk: string): Promise<void> | void => {
    if (!res.headersSent) {
      res.status(200).setHeader('Content-Type', TYPES[format]);
      res.setHeader('Content-Disposition', `attachment; filename="flows.${format}"`);
    }
    if (res.write(chunk)) return;
    return new Promise((resolve, reject) => {
      res.once('drain', resolve);
      res.once('close', () => reject(new Error('client went away')));
    });
  };
  const write = (chunk: string): Promise<void> | void => {
    if (!flowing && held === undefined && format === 'csv') {
      held = chunk;
      return;
    }
    flowing = true;
    const out = (held ?? '') + chunk;
    held = undefined;
    return send(out);
  };
  await exportFlows(ctx.client, ctx.config, searchRequestOf(p), format, write, ctx.now());
  if (!flowing) await send(held ?? '');
  res.end();
}
