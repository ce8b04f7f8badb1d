import type { Client } from '@opensearch-project/opensearch';
import type { Response } from 'express';
import type { Registry } from '../alerts/registry';
import type { CollectorStats } from '../collect/stats';
import type { FlowdexConfig } from '../config';
import type { PartialResults } from '../store/deadline';
import type { LayoutModel, Views } from './views';

/** What every route gets: the cluster, the configuration, the views and the clock. */
export interface WebContext {
  client: Client;
  config: FlowdexConfig;
  views: Views;
  /** Alert detectors: built-ins and user modules. */
  registry: Registry;
  /** Epoch ms; injectable so tests and pages agree on "now". */
  now(): number;
  /** Stats of a collector running in this process (`serve --collect`). */
  collector?: () => CollectorStats;
}

export const EMPTY_FORM: LayoutModel['form'] = { q: '', from: '', to: '' };

/** Renders a page inside the layout with the request's CSRF token and current query. */
export function renderPage<M extends object>(
  ctx: WebContext,
  res: Response,
  page: string,
  layout: Pick<LayoutModel, 'title' | 'nav'>,
  model: M,
): void {
  const csrf = typeof res.locals.csrf === 'string' ? res.locals.csrf : '';
  const form = (res.locals.form as LayoutModel['form'] | undefined) ?? EMPTY_FORM;
  const partial = res.locals.partial as PartialResults | undefined;
  res.type('html').send(
    ctx.views.render(page, {
      ...layout,
      csrf,
      form,
      ...(partial && partial.failed_shards > 0 ? { partial } : {}),
      ...model,
    }),
  );
}
