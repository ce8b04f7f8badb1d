import type { ErrorRequestHandler, Request, Response } from 'express';
import { FlowdexError, type ErrorCode } from '../errors';
import { renderCaret } from '../query';
import type { LayoutModel, Views } from './views';

/** The one mapping of error codes to HTTP statuses. */
export function httpStatus(code: ErrorCode): number {
  if (code.startsWith('QUERY_') || code === 'BAD_REQUEST' || code === 'CONFIG_INVALID' || code === 'DETECTOR_UNKNOWN') return 400;
  if (code === 'AUTH_REQUIRED') return 401;
  if (code === 'FORBIDDEN') return 403;
  if (code === 'NOT_FOUND' || code === 'SAVED_NOT_FOUND' || code === 'REPORT_UNKNOWN' || code === 'MONITOR_NOT_FOUND' || code === 'ALERT_NOT_FOUND') return 404;
  if (code === 'SAVED_EXISTS' || code === 'MONITOR_EXISTS') return 409;
  if (code === 'OPENSEARCH_UNREACHABLE') return 503;
  if (code === 'OPENSEARCH_ERROR') return 502;
  return 500;
}

/** Body-parser and other framework errors carry an HTTP status of their own. */
function asFlowdexError(e: unknown): FlowdexError {
  if (e instanceof FlowdexError) return e;
  const status = (e as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new FlowdexError('BAD_REQUEST', e instanceof Error ? e.message : 'bad request', { status });
  }
  process.stderr.write(`flowdex web: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return new FlowdexError('OPENSEARCH_ERROR', 'internal error; see the server log');
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; position?: number };
}

export function errorBody(e: FlowdexError): ErrorBody {
  const position = e.context.position;
  return { error: { code: e.code, message: e.message, ...(position !== undefined ? { position } : {}) } };
}

/** The query a page was running: the route's (`res.locals.form`) or the request's `q`. */
function formOf(req: Request, res: Response): LayoutModel['form'] {
  const locals = res.locals.form as LayoutModel['form'] | undefined;
  if (locals) return locals;
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { q: s(req.query.q), from: s(req.query.from), to: s(req.query.to) };
}

/**
 * The one error middleware: `/api` gets `{"error":{code,message,position?}}`, pages get a
 * readable page; query errors show the search form again with a caret under the position.
 */
export function errorMiddleware(views: Views): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // A streamed export broke half way: all that is left is to cut the connection.
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    void next;
    const e = asFlowdexError(err);
    const status = typeof e.context.status === 'number' ? e.context.status : httpStatus(e.code);
    res.status(status);
    if (req.path.startsWith('/api/') || req.path.startsWith('/export.')) {
      res.json(errorBody(e));
      return;
    }
    const form = formOf(req, res);
    const position = e.context.position;
    res.type('html').send(
      views.render('error', {
        title: e.code.startsWith('QUERY_') ? 'Query error' : `Error ${status}`,
        nav: 'none',
        csrf: typeof res.locals.csrf === 'string' ? res.locals.csrf : '',
        form,
        status,
        code: e.code,
        message: e.message,
        isQuery: e.code.startsWith('QUERY_'),
        caret: position !== undefined && form.q !== '' ? renderCaret(form.q, position) : undefined,
        unreachable: e.code === 'OPENSEARCH_UNREACHABLE',
      }),
    );
  };
}
