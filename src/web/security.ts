import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FlowdexError } from '../errors';

/** Who may use the explorer: HTTP basic credentials and/or a bearer token. */
export interface WebAuth {
  basic?: { user: string; password: string };
  token?: string;
}

/** `user:pass` as given to `--auth` / FLOWDEX_AUTH. */
export function parseBasicAuth(spec: string): { user: string; password: string } {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1)
    throw new FlowdexError('CONFIG_INVALID', 'auth must be user:password with both parts non-empty', { field: 'auth' });
  return { user: spec.slice(0, i), password: spec.slice(i + 1) };
}

/** Compares digests, so neither content nor length leaks through timing. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function authorized(header: string | undefined, auth: WebAuth): boolean {
  if (header === undefined) return false;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (auth.token !== undefined && scheme?.toLowerCase() === 'bearer') return safeEqual(value, auth.token);
  if (auth.basic !== undefined && scheme?.toLowerCase() === 'basic') {
    return safeEqual(Buffer.from(value, 'base64').toString('utf8'), `${auth.basic.user}:${auth.basic.password}`);
  }
  return false;
}

/**
 * Wrong credentials per client (by address): `limit` failures per `windowMs`, then every attempt
 * from that client is refused with 429 until the window has passed — the password is not even
 * compared, so guessing runs at `limit` per window instead of thousands per second. A success
 * clears the client's count. Memory is bounded: at most `maxClients` addresses are tracked.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  /** Seconds the client must wait, or undefined when it may try. */
  blocked(client: string): number | undefined {
    const f = this.failures.get(client);
    if (f === undefined) return undefined;
    const left = f.since + this.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(client);
      return undefined;
    }
    return f.count >= this.limit ? Math.ceil(left / 1000) : undefined;
  }

  failed(client: string): void {
    const f = this.failures.get(client);
    if (f !== undefined) {
      f.count++;
      return;
    }
    if (this.failures.size >= this.maxClients) {
      // Maps iterate in insertion order: the oldest entry goes first.
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(client, { count: 1, since: this.now() });
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }
}

export function requireAuth(auth: WebAuth, throttle: LoginThrottle = new LoginThrottle()): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.blocked(client);
    if (wait !== undefined) {
      return next(
        new FlowdexError('TOO_MANY_REQUESTS', `too many failed logins from this address; try again in ${wait} s`, {
          retryAfter: wait,
        }),
      );
    }
    if (authorized(req.headers.authorization, auth)) {
      throttle.succeeded(client);
      return next();
    }
    // A browser's first request carries no credentials; only wrong ones count as failures.
    if (req.headers.authorization !== undefined) throttle.failed(client);
    if (auth.basic !== undefined) res.setHeader('WWW-Authenticate', 'Basic realm="flowdex", charset="UTF-8"');
    else res.setHeader('WWW-Authenticate', 'Bearer realm="flowdex"');
    next(new FlowdexError('AUTH_REQUIRED', 'authentication required'));
  };
}

const CSRF_COOKIE = 'flowdex_csrf';
export const CSRF_FIELD = '_csrf';

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * CSRF protection by signed double submit: a random nonce in a SameSite cookie, and in every
 * form the HMAC of that nonce under a per-process secret. A cross-site page can neither read
 * the token nor forge one for a nonce it planted.
 */
export class Csrf {
  private readonly secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.secret = secret;
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(nonce).digest('base64url');
  }

  /** Sets `res.locals.csrf` to the form token, issuing the cookie when the browser has none. */
  readonly issue: RequestHandler = (req, res, next) => {
    let nonce = cookie(req, CSRF_COOKIE);
    if (nonce === undefined || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = randomBytes(32).toString('base64url');
      res.setHeader('Set-Cookie', `${CSRF_COOKIE}=${nonce}; Path=/; HttpOnly; SameSite=Strict`);
    }
    res.locals.csrf = this.sign(nonce);
    next();
  };

  /** Rejects a form post whose token does not sign the cookie's nonce. */
  readonly verify: RequestHandler = (req, _res, next) => {
    const nonce = cookie(req, CSRF_COOKIE);
    const body: unknown = req.body;
    const token = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
    if (nonce === undefined || typeof token !== 'string' || !safeEqual(token, this.sign(nonce))) {
      return next(
        new FlowdexError(
          'FORBIDDEN',
          'the form is stale or did not come from this site (CSRF token missing or invalid); reload the page and try again',
        ),
      );
    }
    next();
  };
}

/**
 * API writes must be JSON: browsers cannot send that cross-site without a CORS preflight, which
 * flowdex never grants, so scripts need no token and forms on other sites cannot reach the API.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
  if (!req.is('application/json'))
    return next(new FlowdexError('BAD_REQUEST', 'API writes need Content-Type: application/json'));
  next();
};

/** Hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
