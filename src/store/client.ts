import { readFileSync } from 'node:fs';
import { Client, errors } from '@opensearch-project/opensearch';
import { redactUrl, type FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { nodeUrl } from './local-node';

/** The URL flowdex talks to: OPENSEARCH_URL, else the local node's. */
export function clusterUrl(cfg: FlowdexConfig): string {
  return cfg.opensearchUrl ?? nodeUrl(cfg.node);
}

/** A client for the configured cluster. Credentials go in `auth`, never into the URL we print. */
export function createClient(cfg: FlowdexConfig): Client {
  const url = new URL(clusterUrl(cfg));
  const username = cfg.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = cfg.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = '';
  url.password = '';
  return new Client({
    node: url.toString(),
    auth: username !== undefined ? { username, password: password ?? '' } : undefined,
    ssl: url.protocol === 'https:' ? { ca: cfg.caFile ? readFileSync(cfg.caFile) : undefined, rejectUnauthorized: !cfg.insecure } : undefined,
    requestTimeout: 120_000,
    maxRetries: 2,
    compression: undefined,
  });
}

interface ErrorBody {
  type?: string;
  reason?: string;
  root_cause?: { type?: string; reason?: string }[];
}

/** Maps client errors to one clear, credential-free FlowdexError. */
export function toFlowdexError(e: unknown, cfg: FlowdexConfig, what = 'request'): FlowdexError {
  if (e instanceof FlowdexError) return e;
  const where = redactUrl(clusterUrl(cfg));
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) {
    const cause = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|certificate|self.signed/i.exec(e.message)?.[0] ?? e.name;
    const fix = cfg.opensearchUrl ? 'check OPENSEARCH_URL' : 'start a local node with `flowdex opensearch start` or set OPENSEARCH_URL';
    return new FlowdexError('OPENSEARCH_UNREACHABLE', `cannot reach OpenSearch at ${where} (${cause}); ${fix}`, {}, { cause: e });
  }
  if (e instanceof errors.ResponseError) {
    const body = e.body as { error?: ErrorBody | string } | undefined;
    const err = body?.error;
    // "all shards failed" says nothing; the first root cause says what the shards refused.
    const root = typeof err === 'object' ? err.root_cause?.[0] : undefined;
    const reason = typeof err === 'string' ? err : err ? `${err.type ?? ''}: ${err.reason ?? ''}${root?.reason && root.reason !== err.reason ? ` (${root.reason})` : ''}` : e.message;
    if (e.statusCode === 401 || e.statusCode === 403) {
      return new FlowdexError('OPENSEARCH_ERROR', `OpenSearch at ${where} refused the credentials (HTTP ${e.statusCode}); check OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD`, {}, { cause: e });
    }
    return new FlowdexError('OPENSEARCH_ERROR', `OpenSearch ${what} failed (HTTP ${e.statusCode}): ${reason}`, {}, { cause: e });
  }
  return new FlowdexError('OPENSEARCH_ERROR', `OpenSearch ${what} failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
}

export interface ClusterInfo {
  version: string;
  major: number;
  distribution: string;
}

/** Connects and checks the cluster answers; the first call of every command that needs OpenSearch. */
export async function connect(cfg: FlowdexConfig): Promise<{ client: Client; info: ClusterInfo }> {
  const client = createClient(cfg);
  try {
    const res = await client.info();
    const v = res.body.version as { number: string; distribution?: string };
    return { client, info: { version: v.number, major: Number(v.number.split('.')[0]), distribution: v.distribution ?? 'elasticsearch' } };
  } catch (e) {
    await client.close().catch(() => {});
    throw toFlowdexError(e, cfg, 'connect');
  }
}

const majors = new WeakMap<Client, Promise<number>>();

/**
 * The cluster's major version, asked once per client. 2.x lacks what 3.x offers (derived
 * source, the `_shard_doc` tiebreaker), so a few requests differ by version.
 */
export function clusterMajor(client: Client): Promise<number> {
  let major = majors.get(client);
  if (!major) {
    major = client.info().then((r) => Number(String((r.body.version as { number: string }).number).split('.')[0]));
    major.catch(() => majors.delete(client));
    majors.set(client, major);
  }
  return major;
}

/**
 * The tiebreaker that makes a point-in-time sort total: `_shard_doc` where it exists (3.x, free),
 * else `_id` (2.x, loads ids into heap for the sort).
 */
export async function uniqueSortKey(client: Client): Promise<{ _shard_doc: 'asc' } | { _id: 'asc' }> {
  return (await clusterMajor(client)) >= 3 ? { _shard_doc: 'asc' } : { _id: 'asc' };
}
