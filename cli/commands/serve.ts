import type { Command } from 'commander';
import { loadRegistry } from '../../src/alerts/modules';
import { channelsOf, Notifier } from '../../src/alerts/notify';
import { startRunner } from '../../src/alerts/runner';
import { errorMessage, FlowdexError } from '../../src/errors';
import { connect, createClient } from '../../src/store/client';
import { setup } from '../../src/store/setup';
import { serve, type ServeOptions } from '../../src/web/server';
import { parseBasicAuth, type WebAuth } from '../../src/web/security';
import { action, configOf, log } from '../common';

function authOf(spec: string | undefined, token: string | undefined): WebAuth | undefined {
  const auth: WebAuth = {};
  if (spec) auth.basic = parseBasicAuth(spec);
  if (token) auth.token = token;
  return auth.basic || auth.token ? auth : undefined;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the web explorer and JSON API')
    .option('--host <host>', 'address to listen on; anything but loopback needs --auth', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3000')
    .option('--auth <user:password>', 'require HTTP basic auth (env FLOWDEX_AUTH); env FLOWDEX_TOKEN adds a bearer token')
    .option('--no-alerts', 'do not evaluate alert monitors in this process')
    .action(action(async (opts: { host: string; port: string; auth?: string; alerts: boolean }, cmd: Command) => {
      const cfg = configOf(cmd);
      const port = parsePort(opts.port);
      const auth = authOf(opts.auth ?? process.env.FLOWDEX_AUTH, process.env.FLOWDEX_TOKEN);
      // The explorer starts even when the cluster is down: pages say so and recover when it is back.
      let client;
      try {
        const c = await connect(cfg);
        await setup(c.client, cfg, c.info);
        client = c.client;
      } catch (e) {
        log(`flowdex: warning: ${errorMessage(e)}`);
        client = createClient(cfg);
      }
      const registry = loadRegistry();
      for (const e of registry.errors) log(`flowdex: module not loaded: ${e.message}`);
      // Monitors run beside the explorer; notifications go to FLOWDEX_ALERT_WEBHOOK / FLOWDEX_ALERT_FILE.
      const runner = opts.alerts ? startRunner({ client, config: cfg, registry, notifier: new Notifier(channelsOf({})) }) : undefined;
      await serveUntilStopped({ client, config: cfg, host: opts.host, port, auth, registry }, `prefix ${cfg.prefix}${auth ? ', auth required' : ''}${runner ? ', alerts on' : ''}`, () => runner?.stop());
    }));
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FlowdexError('CONFIG_INVALID', `--port must be 0-65535, got ${text}`, { field: 'port' });
  return port;
}

/** Serves the explorer, prints its URL on stdout, and returns once SIGINT or SIGTERM closed it (`beforeClose` runs before the client closes). */
export async function serveUntilStopped(o: ServeOptions, note: string, beforeClose: () => Promise<void> | undefined = () => undefined): Promise<void> {
  const running = await serve(o);
  process.stdout.write(`${running.url}\n`);
  log(`flowdex explorer on ${running.url} (${note}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    const stop = (): void => void running.close().then(beforeClose).then(() => o.client.close()).then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
