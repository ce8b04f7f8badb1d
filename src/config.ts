import { FlowdexError } from './errors';

/** Everything configurable, from one place: CLI options override environment, which overrides defaults. */
export interface FlowdexConfig {
  /** Cluster URL; when absent flowdex manages a local node. */
  opensearchUrl?: string;
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the cluster's certificate. */
  caFile?: string;
  /** Accept any TLS certificate (test clusters only). */
  insecure: boolean;
  /** Index name prefix. @default "flowdex-" */
  prefix: string;
  /** Primary shards per daily index (FLOWDEX_SHARDS); the template's value when unset. */
  shards?: number;
  /** Replicas per index (FLOWDEX_REPLICAS); 0 suits one node, 1+ a cluster. */
  replicas?: number;
  /**
   * One deadline per OpenSearch request, retries included (FLOWDEX_TIMEOUT, `--timeout`); a
   * search still running then is cancelled in OpenSearch. @default 30000
   */
  requestTimeoutMs: number;
  /** Local node settings. */
  node: LocalNodeConfig;
}

export interface LocalNodeConfig {
  /** @default "3.5.0" */
  version: string;
  /** HTTP port of the (first) node; node `i` of a cluster takes `port + i`, transport 100 above. @default 9200 */
  port: number;
  /** Nodes of the local cluster, all on 127.0.0.1; 1 is a single node. @default 1 */
  nodes: number;
  /** @default "1g" */
  heap: string;
  /** Where distributions, data and logs live. @default "/var/tmp/flowdex" */
  home: string;
  /** Unprivileged user that runs the node when flowdex runs as root. @default "flowdex" */
  user: string;
}

export interface ConfigOverrides {
  opensearch?: string;
  username?: string;
  password?: string;
  ca?: string;
  insecure?: boolean;
  prefix?: string;
  version?: string;
  port?: string | number;
  heap?: string;
  nodes?: string | number;
  timeout?: string;
}

export const DEFAULT_PREFIX = 'flowdex-';
export const DEFAULT_OPENSEARCH_VERSION = '3.5.0';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** `30s`, `2m`, `500ms` or plain seconds; between 100 ms and one hour. */
export function parseTimeout(v: string | undefined): number {
  if (v === undefined || v === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const m = /^(\d+)(ms|s|m)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : NaN;
  if (!(ms >= 100 && ms <= 3_600_000))
    throw new FlowdexError('CONFIG_INVALID', `timeout must be a duration from 100ms to 60m (e.g. 30s), got "${v}"`, {
      field: 'timeout',
    });
  return ms;
}

function envCount(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new FlowdexError('CONFIG_INVALID', `${name} must be a whole number, got "${v}"`, { field: name });
  return n;
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes)$/i.test(v);
}

export function loadConfig(o: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): FlowdexConfig {
  const prefix = o.prefix ?? env.FLOWDEX_PREFIX ?? DEFAULT_PREFIX;
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(prefix)) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `prefix "${prefix}" is not a valid index name start (lower case letters, digits, - _ .)`,
      { field: 'prefix' },
    );
  }
  const port = Number(o.port ?? env.FLOWDEX_OPENSEARCH_PORT ?? 9200);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new FlowdexError('CONFIG_INVALID', `port must be 1-65535, got ${o.port}`, { field: 'port' });
  const nodes = Number(o.nodes ?? env.FLOWDEX_OPENSEARCH_NODES ?? 1);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9 || port + nodes - 1 > 65535 - 100)
    throw new FlowdexError(
      'CONFIG_INVALID',
      `nodes must be 1-9 with ports left above ${port}, got ${o.nodes ?? env.FLOWDEX_OPENSEARCH_NODES}`,
      {
        field: 'nodes',
      },
    );
  const url = o.opensearch ?? env.OPENSEARCH_URL;
  if (url !== undefined && url !== '') {
    for (const one of url.split(','))
      try {
        new URL(one.trim());
      } catch {
        throw new FlowdexError(
          'CONFIG_INVALID',
          `OPENSEARCH_URL is not a URL or a comma-separated list of URLs: ${redactUrl(url)}`,
          { field: 'opensearch' },
        );
      }
  }
  return {
    opensearchUrl: url || undefined,
    username: o.username ?? env.OPENSEARCH_USERNAME,
    password: o.password ?? env.OPENSEARCH_PASSWORD,
    caFile: o.ca ?? env.OPENSEARCH_CA,
    insecure: o.insecure ?? envFlag(env.OPENSEARCH_INSECURE),
    prefix,
    shards: envCount('FLOWDEX_SHARDS', env.FLOWDEX_SHARDS),
    replicas: envCount('FLOWDEX_REPLICAS', env.FLOWDEX_REPLICAS),
    requestTimeoutMs: parseTimeout(o.timeout ?? env.FLOWDEX_TIMEOUT),
    node: {
      version: o.version ?? env.FLOWDEX_OPENSEARCH_VERSION ?? DEFAULT_OPENSEARCH_VERSION,
      port,
      nodes,
      heap: o.heap ?? env.FLOWDEX_OPENSEARCH_HEAP ?? '1g',
      home: env.FLOWDEX_HOME ?? '/var/tmp/flowdex',
      user: env.FLOWDEX_OPENSEARCH_USER ?? 'flowdex',
    },
  };
}

/** A URL (or a comma-separated list of them) safe to print: user info removed. Credentials never reach logs or errors. */
export function redactUrl(url: string): string {
  if (url.includes(',')) return url.split(',').map(redactUrl).join(',');
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
