import { redactUrl } from '../config';
import { FlowdexError } from '../errors';

/** Where and how to import; credentials go in a header only, never into messages. */
export interface ImportOptions {
  /** Dashboards base URL, with its base path if any (`http://host:5601/dashboards`). */
  url: string;
  username?: string;
  password?: string;
  /** @default 60000 */
  timeoutMs?: number;
}

export interface ImportedObject {
  type: string;
  id: string;
  title: string;
  /** True when Dashboards says it replaced an existing object. */
  overwritten: boolean;
}

export interface ImportError {
  type: string;
  id: string;
  title: string;
  reason: string;
}

export interface ImportOutcome {
  imported: ImportedObject[];
  errors: ImportError[];
}

/** The file name Dashboards sees; `_import` only accepts `.ndjson`. */
export const IMPORT_FILENAME = 'flowdex.ndjson';

function fail(message: string, url: string, cause?: unknown): FlowdexError {
  return new FlowdexError('DASHBOARDS_IMPORT_FAILED', message, { url }, { cause });
}

/** Splits user info out of the URL: fetch refuses URLs with credentials in them. */
function endpoint(opts: ImportOptions): { target: string; safe: string; auth?: string } {
  let u: URL;
  try {
    u = new URL(opts.url);
  } catch {
    throw new FlowdexError('CONFIG_INVALID', `Dashboards URL is not a URL: ${redactUrl(opts.url)}`, { field: 'url' });
  }
  const username = opts.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
  const password = opts.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  u.username = '';
  u.password = '';
  const base = u.toString().replace(/\/+$/, '');
  const auth =
    username !== undefined ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined;
  return { target: `${base}/api/saved_objects/_import?overwrite=true`, safe: base, auth };
}

/**
 * Node's fetch hides the socket error under `cause`; name it the way people know it. Read by
 * shape, not instanceof: fetch's errors may come from another realm (test runners, workers).
 */
function networkReason(e: unknown): string {
  const err = record(e);
  const cause = record(err.cause);
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  return code ?? str(cause.message, str(err.message, String(e)));
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.map(record) : [];
}

/** Reads `_import`'s answer: `successResults` and `errors`, tolerating fields older versions lack. */
export function parseImportResponse(body: unknown): ImportOutcome {
  const b = record(body);
  const imported = list(b.successResults).map((r) => ({
    type: str(r.type),
    id: str(r.id),
    title: str(record(r.meta).title, str(r.id)),
    overwritten: r.overwrite === true,
  }));
  const errors = list(b.errors).map((r) => {
    const err = record(r.error);
    const missing = list(err.references).map((ref) => `${str(ref.type)}:${str(ref.id)}`);
    const reason =
      missing.length > 0
        ? `missing references ${missing.join(', ')}`
        : str(err.message, str(err.type, 'unknown error'));
    return { type: str(r.type), id: str(r.id), title: str(r.title, str(record(r.meta).title, str(r.id))), reason };
  });
  return { imported, errors };
}

/** Posts the ndjson to Dashboards' `_import` (overwriting) and returns what it did. */
export async function importSavedObjects(ndjson: string, opts: ImportOptions): Promise<ImportOutcome> {
  const { target, safe, auth } = endpoint(opts);
  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), IMPORT_FILENAME);
  const headers: Record<string, string> = { 'osd-xsrf': 'true' };
  if (auth !== undefined) headers.authorization = auth;

  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60000),
    });
  } catch (e) {
    throw fail(`cannot reach OpenSearch Dashboards at ${safe}: ${networkReason(e)}`, safe, e);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    const what = auth === undefined ? 'needs credentials (--username/--password)' : 'rejected the credentials';
    throw fail(`OpenSearch Dashboards at ${safe} ${what} (HTTP ${res.status})`, safe);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw fail(
      `OpenSearch Dashboards at ${safe} answered HTTP ${res.status} with a non-JSON body (${type}); is this the Dashboards URL?`,
      safe,
      e,
    );
  }
  if (!res.ok) {
    const message = str(record(body).message, res.statusText);
    throw fail(`OpenSearch Dashboards at ${safe} refused the import (HTTP ${res.status}): ${message}`, safe);
  }
  return parseImportResponse(body);
}
