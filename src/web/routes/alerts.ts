import { Router, type Request } from 'express';
import { createMonitor, deleteMonitor, getMonitor, listMonitors } from '../../alerts/monitors';
import { parseParamArgs } from '../../alerts/params';
import { acknowledgeAlert, listAlerts } from '../../alerts/store';
import { GROUPS, type AlertState, type GroupName, type MonitorInput } from '../../alerts/types';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_QUERY_LENGTH } from '../../report/saved';
import { renderPage, type WebContext } from '../context';
import { flag, integer, oneOf, required, text, type Params } from '../params';
import type { Csrf } from '../security';

const STATES: readonly AlertState[] = ['active', 'acknowledged', 'resolved'];

function bodyOf(req: Request): Params {
  const b: unknown = req.body;
  return b !== null && typeof b === 'object' ? (b as Params) : {};
}

/**
 * A monitor from a form or the API. Parameters come as `params` (an object, API) or as
 * `name=value` lines (form).
 */
function monitorOf(p: Params): MonitorInput {
  const group = oneOf<GroupName>(p, 'group', GROUPS);
  const raw = p.params;
  const params =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as MonitorInput['params'])
      : parseParamArgs(
          (text(p, 'params', 2000) ?? '')
            .split(/[\n,]+/)
            .map((l) => l.trim())
            .filter((l) => l !== ''),
        );
  return {
    name: required(p, 'name', MAX_NAME_LENGTH),
    detector: required(p, 'detector'),
    query: text(p, 'query', MAX_QUERY_LENGTH) ?? '',
    ...(text(p, 'schedule') !== undefined ? { schedule: text(p, 'schedule') } : {}),
    ...(group !== undefined ? { group } : {}),
    description: text(p, 'description', MAX_DESCRIPTION_LENGTH) ?? '',
    params,
  };
}

function idParam(req: Request): string {
  return String(req.params.id);
}

export function alertPages(ctx: WebContext, csrf: Csrf): Router {
  const r = Router();
  const { client, config, registry } = ctx;

  r.get('/alerts', async (_req, res) => {
    const [open, resolved, monitors] = await Promise.all([
      listAlerts(client, config, { states: ['active', 'acknowledged'], limit: 200 }),
      listAlerts(client, config, { states: ['resolved'], limit: 50 }),
      listMonitors(client, config),
    ]);
    const detectors = [...registry.detectors.values()].map((d) => ({
      ...d,
      defaultsText: Object.entries(d.defaults)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      module: registry.modules.get(d.name),
    }));
    renderPage(
      ctx,
      res,
      'alerts',
      { title: 'Alerts', nav: 'alerts' },
      {
        open: open.map((a) => ({
          ...a,
          active: a.state === 'active',
          keyText: Object.entries(a.key)
            .map(([k, v]) => `${k} ${v ?? '—'}`)
            .join(' · '),
        })),
        resolved: resolved.map((a) => ({
          ...a,
          keyText: Object.entries(a.key)
            .map(([k, v]) => `${k} ${v ?? '—'}`)
            .join(' · '),
        })),
        monitors: monitors.map((m) => ({
          ...m,
          paramsText: Object.entries(m.params)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        })),
        detectors,
        groups: GROUPS,
        moduleErrors: registry.errors,
      },
    );
  });

  r.post('/alerts/:id/ack', csrf.verify, async (req, res) => {
    await acknowledgeAlert(client, config, idParam(req), ctx.now(), text(bodyOf(req), 'note', MAX_DESCRIPTION_LENGTH));
    res.redirect(303, '/alerts');
  });

  r.post('/alerts/monitors', csrf.verify, async (req, res) => {
    await createMonitor(client, config, registry, monitorOf(bodyOf(req)), ctx.now());
    res.redirect(303, '/alerts');
  });

  r.post('/alerts/monitors/:name/delete', csrf.verify, async (req, res) => {
    await deleteMonitor(client, config, String(req.params.name));
    res.redirect(303, '/alerts');
  });

  return r;
}

export function alertApi(ctx: WebContext): Router {
  const r = Router();
  const { client, config, registry } = ctx;
  r.get('/alerts', async (req, res) => {
    const p = req.query as Params;
    const state = oneOf(p, 'state', STATES);
    const monitor = text(p, 'monitor');
    res.json({
      alerts: await listAlerts(client, config, {
        ...(state ? { states: [state] } : flag(p, 'all') ? {} : { states: ['active', 'acknowledged'] }),
        ...(monitor ? { monitor } : {}),
        limit: integer(p, 'limit', 1, 1000) ?? 100,
      }),
    });
  });
  r.post('/alerts/:id/ack', async (req, res) => {
    res.json(
      await acknowledgeAlert(
        client,
        config,
        idParam(req),
        ctx.now(),
        text(bodyOf(req), 'note', MAX_DESCRIPTION_LENGTH),
      ),
    );
  });
  r.get('/detectors', (_req, res) => {
    res.json({
      detectors: [...registry.detectors.values()].map((d) => ({
        name: d.name,
        description: d.description,
        schedule: d.schedule,
        groups: d.groups,
        defaults: d.defaults,
        module: registry.modules.get(d.name) ?? null,
      })),
      errors: registry.errors,
    });
  });
  r.get('/monitors', async (_req, res) => {
    res.json({ monitors: await listMonitors(client, config) });
  });
  r.post('/monitors', async (req, res) => {
    const m = await createMonitor(client, config, registry, monitorOf(bodyOf(req)), ctx.now());
    res
      .status(201)
      .location(`/api/monitors/${encodeURIComponent(m.slug)}`)
      .json(m);
  });
  r.get('/monitors/:name', async (req, res) => {
    res.json(await getMonitor(client, config, req.params.name));
  });
  r.delete('/monitors/:name', async (req, res) => {
    await deleteMonitor(client, config, req.params.name);
    res.status(204).end();
  });
  return r;
}
