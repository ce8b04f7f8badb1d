import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import express, { type Application, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { CollectorStats } from '../collect/stats';
import { loadRegistry } from '../alerts/modules';
import type { Registry } from '../alerts/registry';
import { withScope, type PartialResults } from '../store/deadline';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import type { WebContext } from './context';
import { errorMiddleware } from './errors';
import { formOf } from './params';
import { collectorApi } from './routes/collector';
import { alertApi, alertPages } from './routes/alerts';
import { flowApi, flowPages } from './routes/flow';
import { reportApi, reportPages } from './routes/reports';
import { savedApi, savedPages } from './routes/saved';
import { searchApi, searchPages } from './routes/search';
import { statusApi, statusPages } from './routes/status';
import { Csrf, LoginThrottle, requireAuth, requireJson, type WebAuth } from './security';
import { loadViews, viewsDir } from './views';

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
  /** Alert detectors. @default built-ins and FLOWDEX_MODULES */
  registry?: Registry;
}

/**
 * Every request gets an id (response header `X-Request-Id`, error bodies, the server log, and
 * OpenSearch's `X-Opaque-Id`) and a scope: its OpenSearch work shares one deadline (the
 * configured request timeout; streamed exports only bound each request), and is aborted — its
 * searches cancelled in OpenSearch — when the answer has been sent or the client went away.
 */
function requestScope(timeoutMs: number): RequestHandler {
  return (req, res, next) => {
    const id = randomBytes(8).toString('hex');
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    // Once the answer is out (or the client gone), work still running for it is abandoned: a
    // page whose first report failed must not leave its other searches running in OpenSearch.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const streamed = /^\/(api\/)?export/.test(req.path);
    const partial: PartialResults = { failed_shards: 0, total_shards: 0, reasons: [] };
    res.locals.partial = partial;
    // An answer some shards were missing from says so (`partial`), never passing for the whole.
    const json = res.json.bind(res);
    res.json = (body: unknown) =>
      json(
        partial.failed_shards > 0 &&
          res.statusCode < 400 &&
          typeof body === 'object' &&
          body !== null &&
          !Array.isArray(body)
          ? { ...body, partial }
          : body,
      );
    withScope({ id, signal: gone.signal, partial, ...(streamed ? {} : { deadline: Date.now() + timeoutMs }) }, next);
  };
}

/**
 * helmet's CSP, with `upgrade-insecure-requests` only on TLS connections: on a plain-HTTP
 * deployment it would make browsers fetch styles and post forms over https, which nobody serves.
 */
function securityHeaders(): RequestHandler {
  const directives = {
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
  };
  const tls = helmet({ contentSecurityPolicy: { useDefaults: true, directives } });
  const plain = helmet({
    contentSecurityPolicy: { useDefaults: true, directives: { ...directives, 'upgrade-insecure-requests': null } },
  });
  return (req, res, next) => (req.secure ? tls : plain)(req, res, next);
}

/** The explorer as an Express application: pages, the JSON API under /api, static files. */
export function createApp(o: AppOptions): Application {
  const ctx: WebContext = {
    client: o.client,
    config: o.config,
    views: loadViews(),
    registry: o.registry ?? loadRegistry(),
    now: o.now ?? Date.now,
    collector: o.collector,
  };
  const csrf = new Csrf(o.secret);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestScope(o.config.requestTimeoutMs), securityHeaders());
  app.use('/static', express.static(path.join(viewsDir(), 'static'), { maxAge: '1h', index: false }));
  if (o.auth) app.use(requireAuth(o.auth, new LoginThrottle()));

  const api = express.Router();
  api.use(express.json({ limit: BODY_LIMIT }), requireJson);
  api.use(
    searchApi(ctx),
    flowApi(ctx),
    reportApi(ctx),
    savedApi(ctx),
    statusApi(ctx),
    alertApi(ctx),
    collectorApi(ctx),
  );
  api.use((req, _res, next) => next(new FlowdexError('NOT_FOUND', `no API endpoint ${req.method} ${req.path}`)));
  app.use('/api', api);

  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }), csrf.issue, (req, res, next) => {
    res.locals.form = formOf(req.query);
    next();
  });
  app.use(
    searchPages(ctx),
    flowPages(ctx),
    reportPages(ctx),
    savedPages(ctx, csrf),
    statusPages(ctx),
    alertPages(ctx, csrf),
  );
  app.use((req, _res, next) => next(new FlowdexError('NOT_FOUND', `no page ${req.path}`)));
  app.use(errorMiddleware(ctx.views));
  return app;
}
