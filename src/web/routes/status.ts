import { Router } from 'express';
import { clusterStatus } from '../../store/status';
import { renderPage, type WebContext } from '../context';

export function statusPages(ctx: WebContext): Router {
  return Router().get('/status', async (_req, res) => {
    const status = await clusterStatus(ctx.client, ctx.config);
    const flows = status.indices.filter((i) => i.index.startsWith(`${status.prefix}flows-`));
    renderPage(ctx, res, 'status', { title: 'Status', nav: 'status' }, {
      status,
      totals: { docs: flows.reduce((n, i) => n + i.docs, 0), size_bytes: status.indices.reduce((n, i) => n + i.size_bytes, 0), flowIndices: flows.length },
    });
  });
}

export function statusApi(ctx: WebContext): Router {
  return Router().get('/status', async (_req, res) => {
    res.json(await clusterStatus(ctx.client, ctx.config));
  });
}
