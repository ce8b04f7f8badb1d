import { Router, type Request } from 'express';
import {
  createSaved,
  deleteSaved,
  getSaved,
  listSaved,
  updateSaved,
  type SavedInput,
  type SavedPatch,
} from '../../report/saved';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_QUERY_LENGTH } from '../../report/saved';
import { renderPage, type WebContext } from '../context';
import { required, text, type Params } from '../params';
import type { Csrf } from '../security';
import { searchView } from './search';

function bodyOf(req: Request): Params {
  const b: unknown = req.body;
  return b !== null && typeof b === 'object' ? (b as Params) : {};
}

/** Create input from a form (`q`) or the API (`query`). */
function inputOf(p: Params): SavedInput {
  return {
    name: required(p, 'name', MAX_NAME_LENGTH),
    query: p.q !== undefined ? required(p, 'q', MAX_QUERY_LENGTH) : required(p, 'query', MAX_QUERY_LENGTH),
    description: text(p, 'description', MAX_DESCRIPTION_LENGTH),
    from: text(p, 'from'),
    to: text(p, 'to'),
  };
}

/** Only the fields present change; an empty `from`/`to` clears it. */
function patchOf(p: Params): SavedPatch {
  const patch: SavedPatch = {};
  const pick = (key: keyof SavedPatch, name: string, max?: number): void => {
    if (p[name] !== undefined) patch[key] = p[name] === '' ? '' : required(p, name, max);
  };
  pick('name', 'name', MAX_NAME_LENGTH);
  pick('query', p.q !== undefined ? 'q' : 'query', MAX_QUERY_LENGTH);
  pick('description', 'description', MAX_DESCRIPTION_LENGTH);
  pick('from', 'from');
  pick('to', 'to');
  return patch;
}

/** The `:name` of the route (typed loosely when a middleware precedes the handler). */
function nameParam(req: Request): string {
  return String(req.params.name);
}

function permalink(slug: string): string {
  return `/saved/${encodeURIComponent(slug)}`;
}

export function savedPages(ctx: WebContext, csrf: Csrf): Router {
  const r = Router();
  const { client, config } = ctx;

  r.get('/saved', async (_req, res) => {
    const saved = await listSaved(client, config);
    renderPage(
      ctx,
      res,
      'saved-list',
      { title: 'Saved queries', nav: 'saved' },
      { saved: saved.map((s) => ({ ...s, href: permalink(s.slug) })) },
    );
  });

  r.post('/saved', csrf.verify, async (req, res) => {
    const s = await createSaved(client, config, inputOf(bodyOf(req)), ctx.now());
    res.redirect(303, permalink(s.slug));
  });

  // The permalink runs the query: the search page with the saved query and range.
  r.get('/saved/:name', async (req, res) => {
    const s = await getSaved(client, config, req.params.name);
    res.locals.form = { q: s.query, from: s.from ?? '', to: s.to ?? '' };
    const view = await searchView(ctx, { ...req.query, q: s.query, from: s.from, to: s.to }, permalink(s.slug));
    renderPage(
      ctx,
      res,
      'search',
      { title: s.name, nav: 'saved' },
      { ...view, saved: { ...s, href: permalink(s.slug) } },
    );
  });

  r.get('/saved/:name/edit', async (req, res) => {
    const s = await getSaved(client, config, req.params.name);
    renderPage(
      ctx,
      res,
      'saved-edit',
      { title: `Edit ${s.name}`, nav: 'saved' },
      { saved: { ...s, href: permalink(s.slug) } },
    );
  });

  r.post('/saved/:name/edit', csrf.verify, async (req, res) => {
    const s = await updateSaved(client, config, nameParam(req), patchOf(bodyOf(req)), ctx.now());
    res.redirect(303, permalink(s.slug));
  });

  r.post('/saved/:name/delete', csrf.verify, async (req, res) => {
    await deleteSaved(client, config, nameParam(req));
    res.redirect(303, '/saved');
  });

  return r;
}

export function savedApi(ctx: WebContext): Router {
  const r = Router();
  const { client, config } = ctx;
  r.get('/saved', async (_req, res) => {
    res.json({ saved: await listSaved(client, config) });
  });
  r.post('/saved', async (req, res) => {
    const s = await createSaved(client, config, inputOf(bodyOf(req)), ctx.now());
    res
      .status(201)
      .location(`/api${permalink(s.slug)}`)
      .json(s);
  });
  r.get('/saved/:name', async (req, res) => {
    res.json(await getSaved(client, config, req.params.name));
  });
  r.put('/saved/:name', async (req, res) => {
    res.json(await updateSaved(client, config, req.params.name, patchOf(bodyOf(req)), ctx.now()));
  });
  r.delete('/saved/:name', async (req, res) => {
    await deleteSaved(client, config, req.params.name);
    res.status(204).end();
  });
  return r;
}
