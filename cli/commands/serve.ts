import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadRegistry } from '../../src/alerts/modules';
import { channelsOf, Notifier } from '../../src/alerts/notify';
import { startRunner } from '../../src/alerts/runner';
import { errorMessage, FlowdexError } from '../../src/errors';
import { createClient } from '../../src/store/client';
import { setup } from '../../src/store/setup';
import type { ServeOptions } from '../../src/web/server';
import { parseBasicAuth, type WebAuth } from '../../src/web/security';
import { action, configOf, connectLogged, log, openEnrichment } from '../common';
import { collectorOptions, setupWhenReady, withCollectOptions, type CollectCliOptions } from './collect';
import { Collector } from '../../src/collect/collector';

function authOf(spec: string | undefined, token: string | undefined): WebAuth | undefined {
  const auth: WebAuth = {};
  if (spec) auth.basic = parseBasicAuth(spec);
  if (token) auth.token = token;
  return auth.basic || auth.token ? auth : undefined;
}

/** `user:password` from the first line of a file (kept out of `ps` and shell history). */
export function readAuthFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `cannot read the auth file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { field: 'auth-file' },
    );
  }
  return text.split(/\r?\n/, 1)[0]?.trim() ?? '';
}

/** The login, in order of precedence: --auth, --auth-file, FLOWDEX_AUTH, FLOWDEX_AUTH_FILE. */
function authSpec(opts: { auth?: string; authFile?: string }): string | undefined {
  if (opts.auth !== undefined) {
    log('flowdex: warning: --auth is visible to every user of this machine (ps); prefer FLOWDEX_AUTH or --auth-file');
    return opts.auth;
  }
  const file = opts.authFile ?? process.env.FLOWDEX_AUTH_FILE;
  if (file) return readAuthFile(file);
  return process.env.FLOWDEX_AUTH;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the web explorer and JSON API')
    .option('--host <host>', 'address to listen on; anything but loopback needs --auth', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3000')
    .option(
      '--auth <user:password>',
      'require HTTP basic auth (env FLOWDEX_AUTH; visible in ps, so prefer the env or --auth-file); env FLOWDEX_TOKEN adds a bearer token',
    )
    .option(
      '--auth-file <file>',
      'read user:password for HTTP basic auth from the first line of a file (env FLOWDEX_AUTH_FILE)',
    )
    .option('--no-alerts', 'do not evaluate alert monitors in this process')
    .option(
      '--collect',
      'also run the collector in this process (options as for `collect`; the Status page shows it live)',
    );
  withCollectOptions(cmd).action(
    action(
      async (
        opts: {
          host: string;
          port: string;
          auth?: string;
          authFile?: string;
          alerts: boolean;
          collect?: boolean;
        } & CollectCliOptions,
        cmd: Command,
      ) => {
        const cfg = configOf(cmd);
        const port = parsePort(opts.port);
        const auth = authOf(authSpec(opts), process.env.FLOWDEX_TOKEN);
        // The explorer starts even when the cluster is down: pages say so and recover when it is back.
        let client;
        try {
          const c = await connectLogged(cfg);
          await setup(c.client, cfg, c.info);
          client = c.client;
        } catch (e) {
          log(`flowdex: warning: ${errorMessage(e)}`);
          client = createClient(cfg);
        }
        const registry = loadRegistry();
        for (const e of registry.errors) log(`flowdex: module not loaded: ${e.message}`);
        // Monitors run beside the explorer; notifications go to FLOWDEX_ALERT_WEBHOOK / FLOWDEX_ALERT_FILE.
        const runner = opts.alerts
          ? startRunner({ client, config: cfg, registry, notifier: new Notifier(channelsOf({})) })
          : undefined;
        const enrich = opts.collect ? await openEnrichment(opts) : undefined;
        const collector = opts.collect
          ? new Collector(client, cfg, { ...collectorOptions(cfg, opts), enrich, ready: setupWhenReady(cfg) })
          : undefined;
        await collector?.start();
        const note = `prefix ${cfg.prefix}${auth ? ', auth required' : ''}${runner ? ', alerts on' : ''}${collector ? ', collecting' : ''}`;
        await serveUntilStopped(
          {
            client,
            config: cfg,
            host: opts.host,
            port,
            auth,
            registry,
            collector: collector && (() => collector.stats()),
          },
          note,
          async () => {
            await runner?.stop();
            await collector?.stop();
            enrich?.close();
          },
        );
      },
    ),
  );
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new FlowdexError('CONFIG_INVALID', `--port must be 0-65535, got ${text}`, { field: 'port' });
  return port;
}

/**
 * Serves the explorer, prints its URL on stdout, and returns once SIGINT or SIGTERM closed it
 * (`beforeClose` runs before the client closes). Route errors become 500 responses; anything
 * that still escapes (a rejected promise nobody awaited, an exception in a callback) is logged
 * and the explorer keeps serving everyone else.
 */
export async function serveUntilStopped(
  o: ServeOptions,
  note: string,
  beforeClose: () => Promise<void> | undefined = () => undefined,
): Promise<void> {
  const keepRunning =
    (kind: string) =>
    (e: unknown): void =>
      log(`flowdex web: ${kind} (kept running): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.on('unhandledRejection', keepRunning('unhandled rejection'));
  process.on('uncaughtException', keepRunning('uncaught exception'));
  // Loaded here: Express and the page templates are most of the CLI's code, and help or a bad
  // option never needs them.
  const { serve } = await import('../../src/web/server');
  const running = await serve(o);
  process.stdout.write(`${running.url}\n`);
  log(`flowdex explorer on ${running.url} (${note}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    const stop = (): void =>
      void running
        .close()
        .then(beforeClose)
        .then(() => o.client.close())
        .then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
