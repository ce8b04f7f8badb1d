import { Router } from 'express';
import { loadStats } from '../../collect/state';
import type { CollectorStats } from '../../collect/stats';
import { toFlowdexError } from '../../store/client';
import type { WebContext } from '../context';

export interface CollectorView {
  /** `live`: the collector runs in this process (`serve --collect`); `state`: last stats written to the state index. */
  source: 'live' | 'state';
  collectors: CollectorStats[];
}

/** The running collector's stats, or what collectors on this prefix last wrote to `<prefix>state`. */
export async function collectorView(ctx: WebContext): Promise<CollectorView> {
  if (ctx.collector) return { source: 'live', collectors: [ctx.collector()] };
  try {
    return { source: 'state', collectors: await loadStats(ctx.client, ctx.config.prefix) };
  } catch (e) {
    // Typed like every other read of the cluster, so an unreachable node is a 503 here too.
    throw toFlowdexError(e, ctx.config, 'collector stats');
  }
}

export function collectorApi(ctx: WebContext): Router {
  return Router().get('/collector', async (_req, res) => {
    res.json(await collectorView(ctx));
  });
}
