import { Router } from 'express';
import { isDailyIndex } from '../../store/indices';
import { clusterStatus } from '../../store/status';
import { renderPage, type WebContext } from '../context';
import { collectorView } from './collector';

export function statusPages(ctx: WebContext): Router {
  return Router().get('/status', async (_req, res) => {
    const [status, collect] = await Promise.all([clusterStatus(ctx.client, ctx.config), collectorView(ctx)]);
    const flows = status.indices.filter((i) => isDailyIndex(status.prefix, i.index));
    renderPage(
      ctx,
      res,
      'status',
      { title: 'Status', nav: 'status' },
      {
        status,
        collect,
        totals: {
          docs: flows.reduce((n, i) => n + i.docs, 0),
          size_bytes: status.indices.reduce((n, i) => n + i.size_bytes, 0),
          flowIndices: flows.length,
        },
      },
    );
  });
}

export function statusApi(ctx: WebContext): Router {
  return Router().get('/status', async (_req, res) => {
    res.json(await clusterStatus(ctx.client, ctx.config));
  });
}
