import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@opensearch-project/opensearch';
import type { Registry } from '../alerts/registry';
import type { CollectorStats } from '../collect/stats';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { createApp } from './app';
import { isLoopback, type WebAuth } from './security';

export interface ServeOptions {
  client: Client;
  config: FlowdexConfig;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 3000 */
  port?: number;
  auth?: WebAuth;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
  /** Stats of a collector running in this process (`serve --collect`). */
  collector?: () => CollectorStats;
  /** Alert detectors. @default built-ins and FLOWDEX_MODULES */
  registry?: Registry;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the explorer. Listening beyond loopback without auth is refused: flows are sensitive. */
export async function serve(o: ServeOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 3000;
  if (!isLoopback(host) && o.auth === undefined) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `refusing to listen on ${host} without authentication: pass --auth user:password (or FLOWDEX_AUTH / FLOWDEX_TOKEN), or listen on 127.0.0.1`,
      { field: 'host' },
    );
  }
  const app = createApp({
    client: o.client,
    config: o.config,
    auth: o.auth,
    now: o.now,
    registry: o.registry,
    collector: o.collector,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  // A request never outlives the OpenSearch timeout by much; exports are streamed and exempt.
  server.headersTimeout = Math.max(o.config.requestTimeoutMs, 10_000);
  server.requestTimeout = 0;
  const { port: bound } = server.address() as AddressInfo;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/`,
    server,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
