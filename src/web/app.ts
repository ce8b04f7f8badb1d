import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import express, { type Application } from 'express';
import helmet from 'helmet';
import type { CollectorStats } from '../collect/stats';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import type { WebContext } from './context';
import { errorMiddleware } from './errors';
import { formOf } from './params';
import { collectorApi } from './routes/collector';
import { flowApi, flowPages } from './routes/flow';
import { reportApi, reportPages } from './routes/reports';
import { savedApi, savedPages } from './routes/saved';
import { searchApi, searchPages } from './routes/search';
import { statusApi, statusPages } from './routes/status';
import { Csrf, requireAuth, requireJson, type WebAuth } from './security';
import { loadViews, viewsDir } from './views';

/** No page waits longer than this for OpenSearch; a slow cluster gives an error, not a hung tab. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Largest JSON or form body accepted (saved queries are small). */
const BODY_LIMIT = '64kb';

export interface AppOptions {
  client: Client;
  config: FlowdexConfig;
  /** Required when the server listens beyond loopback (checked by `serve`). */
  auth?: WebAuth;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
  /** CSRF signing key. @default 32 random bytes per process */
  secret?: Buffer;
  /** Stats of a collector running in this process (`serve --collect`). */
  collector?: () => CollectorStats;
}

/** The explorer as an Express application: pages, the JSON API under /api, static files. */
export function createApp(o: AppOptions): Application {
  const ctx: WebContext = {
    client: o.client.child({ requestTimeout: REQUEST_TIMEOUT_MS }),
    config: o.config,
    views: loadViews(),
    now: o.now ?? Date.now,
    collector: o.collector,
  };
  const csrf = new Csrf(o.secret);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'script-src': ["'self'"], 'style-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'form-action': ["'self'"] },
      },
    }),
  );
  app.use('/static', express.static(path.join(viewsDir(), 'static'), { maxAge: '1h', index: false }));
  if (o.auth) app.use(requireAuth(o.auth));

  const api = express.Router();
  api.use(express.json({ limit: BODY_LIMIT }), requireJson);
  api.use(searchApi(ctx), flowApi(ctx), reportApi(ctx), savedApi(ctx), statusApi(ctx), collectorApi(ctx));
  api.use((req, _res, next) => next(new FlowdexError('NOT_FOUND', `no API endpoint ${req.method} ${req.path}`)));
  app.use('/api', api);

  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }), csrf.issue, (req, res, next) => {
    res.locals.form = formOf(req.query);
    next();
  });
  app.use(searchPages(ctx), flowPages(ctx), reportPages(ctx), savedPages(ctx, csrf), statusPages(ctx));
  app.use((req, _res, next) => next(new FlowdexError('NOT_FOUND', `no page ${req.path}`)));
  app.use(errorMiddleware(ctx.views));
  return app;
}
