import type { ErrorRequestHandler, Request, Response } from 'express';
import { FlowdexError, type ErrorCode } from '../errors';
import { renderCaret } from '../query';
import type { LayoutModel, Views } from './views';

/** The one mapping of error codes to HTTP statuses. */
export function httpStatus(code: ErrorCode): number {
  if (code.startsWith('QUERY_') || code === 'BAD_REQUEST' || code === 'CONFIG_INVALID' || code === 'DETECTOR_UNKNOWN')
    return 400;
  if (code === 'AUTH_REQUIRED') return 401;
  if (code === 'FORBIDDEN') return 403;
  if (
    code === 'NOT_FOUND' ||
    code === 'SAVED_NOT_FOUND' ||
    code === 'REPORT_UNKNOWN' ||
    code === 'MONITOR_NOT_FOUND' ||
    code === 'ALERT_NOT_FOUND'
  )
    return 404;
  if (code === 'SAVED_EXISTS' || code === 'MONITOR_EXISTS') return 409;
  if (code === 'TOO_MANY_REQUESTS') return 429;
  // nginx's "client closed request": nobody reads it, but the log says what happened.
  if (code === 'CANCELLED') return 499;
  if (code === 'OPENSEARCH_UNREACHABLE' || code === 'OPENSEARCH_BUSY') return 503;
  if (code === 'OPENSEARCH_TIMEOUT') return 504;
  if (code === 'OPENSEARCH_ERROR') return 502;
  return 500;
}

/**
 * Body-parser and other framework errors carry an HTTP status of their own; anything else that
 * is not a FlowdexError is a bug in flowdex: INTERNAL, with the details in the server log only.
 */
function asFlowdexError(e: unknown, requestId: string): FlowdexError {
  if (e instanceof FlowdexError) return e;
  const status = (e as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new FlowdexError('BAD_REQUEST', e instanceof Error ? e.message : 'bad request', { status });
  }
  return new FlowdexError(
    'INTERNAL',
    `internal error; the server log has the details under request id ${requestId}`,
    {},
    { cause: e },
  );
}

/** Server-side failures go to the log with the request id the client was shown. */
function logFailure(e: FlowdexError, status: number, req: Request, requestId: string): void {
  if (status < 500 || e.code === 'CANCELLED') return;
  const cause = e.cause instanceof Error ? `\n${e.cause.stack ?? e.cause.message}` : '';
  process.stderr.write(
    `flowdex web: request ${requestId} ${req.method} ${req.path}: ${e.code} ${e.message}${e.code === 'INTERNAL' ? cause : ''}\n`,
  );
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; position?: number; request_id?: string };
}

export function errorBody(e: FlowdexError, requestId?: string): ErrorBody {
  const position = e.context.position;
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(position !== undefined ? { position } : {}),
      ...(requestId !== undefined ? { request_id: requestId } : {}),
    },
  };
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
    const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : '-';
    const e = asFlowdexError(err, requestId);
    const status = typeof e.context.status === 'number' ? e.context.status : httpStatus(e.code);
    logFailure(e, status, req, requestId);
    if (e.code === 'TOO_MANY_REQUESTS' && typeof e.context.retryAfter === 'number')
      res.setHeader('Retry-After', String(e.context.retryAfter));
    res.status(status);
    if (req.path.startsWith('/api/') || req.path.startsWith('/export.')) {
      res.json(errorBody(e, requestId));
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
        requestId: status >= 500 ? requestId : undefined,
      }),
    );
  };
}
