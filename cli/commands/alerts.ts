import type { Client } from '@opensearch-project/opensearch';
import type { Command } from 'commander';
import { createMonitor, deleteMonitor, getMonitor, listMonitors, updateMonitor } from '../../src/alerts/monitors';
import { loadRegistry } from '../../src/alerts/modules';
import { channelsOf, Notifier } from '../../src/alerts/notify';
import { parseParamArgs } from '../../src/alerts/params';
import type { Registry } from '../../src/alerts/registry';
import { evaluateMonitor, runDue, startRunner, type WindowRun } from '../../src/alerts/runner';
import { lastWindow, scheduleMs, windowsBetween } from '../../src/alerts/schedule';
import { acknowledgeAlert, listAlerts } from '../../src/alerts/store';
import { GROUPS, type AlertState, type GroupName, type MonitorInput } from '../../src/alerts/types';
import type { FlowdexConfig } from '../../src/config';
import { FlowdexError } from '../../src/errors';
import { parseTime } from '../../src/query/time';
import { intervalMs } from '../../src/query/units';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { formatTable } from '../format';

/** Runs `fn` with a connected client and the detector registry (built-ins and FLOWDEX_MODULES). */
async function withAlerts(
  cmd: Command,
  fn: (client: Client, cfg: FlowdexConfig, reg: Registry) => Promise<number | void>,
): Promise<number | void> {
  const cfg = configOf(cmd);
  const reg = loadRegistry();
  for (const e of reg.errors) log(`flowdex: module not loaded: ${e.message}`);
  const { client } = await connectLogged(cfg);
  try {
    return await fn(client, cfg, reg);
  } finally {
    await client.close();
  }
}

function collect(v: string, all: string[]): string[] {
  return [...all, v];
}

interface AddOptions {
  detector: string;
  query?: string;
  schedule?: string;
  group?: string;
  param: string[];
  description?: string;
  disabled?: boolean;
  replace?: boolean;
}

function monitorInput(name: string, o: AddOptions): MonitorInput {
  if (o.group !== undefined && !GROUPS.includes(o.group as GroupName))
    throw new FlowdexError('BAD_REQUEST', `--group must be one of ${GROUPS.join(', ')}, got "${o.group}"`, {
      field: 'group',
    });
  return {
    name,
    detector: o.detector,
    params: parseParamArgs(o.param),
    ...(o.query !== undefined ? { query: o.query } : {}),
    ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
    ...(o.group !== undefined ? { group: o.group as GroupName } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    enabled: !o.disabled,
  };
}

function printRuns(runs: readonly WindowRun[]): void {
  for (const r of runs) {
    log(
      `${r.monitor} ${new Date(r.window.from).toISOString()} +${(r.window.to - r.window.from) / 60_000}m: ${r.error ? `error: ${r.error}` : `${r.findings} findings, ${r.raised} raised, ${r.resolved} resolved, ${r.took_ms} ms`}`,
    );
  }
}

export function registerAlerts(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('monitors on flows, their alerts and the runner that evaluates them');

  alerts
    .command('detectors')
    .description('list the detectors (built-in and FLOWDEX_MODULES) with their default parameters')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (opts: { json?: boolean }) => {
        const reg = loadRegistry();
        const rows = [...reg.detectors.values()].map((d) => ({
          name: d.name,
          schedule: d.schedule,
          groups: d.groups,
          defaults: d.defaults,
          description: d.description,
          module: reg.modules.get(d.name) ?? null,
        }));
        if (opts.json)
          return writeOut(
            rows.map((r) => JSON.stringify(r) + '\n').join('') +
              reg.errors.map((e) => JSON.stringify({ error: e }) + '\n').join(''),
          );
        await writeOut(
          formatTable(
            ['detector', 'schedule', 'groups', 'defaults', 'description'],
            rows.map((r) => [
              r.name,
              r.schedule,
              r.groups.join(',') || '-',
              Object.entries(r.defaults)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
              r.description,
            ]),
          ),
        );
        for (const e of reg.errors) log(`module not loaded: ${e.message}`);
      }),
    );

  alerts
    .command('add <name>')
    .description('add a monitor: a detector on flows matching a query, evaluated on a schedule')
    .requiredOption('--detector <name>', 'detector (see `flowdex alerts detectors`)')
    .option('--query <q>', 'query-language filter of the flows watched', '')
    .option('--schedule <every>', "window and period, e.g. 1m or 'every 15m' (default: the detector's)")
    .option('--group <by>', `one alert per group: ${GROUPS.join(', ')}`)
    .option('--param <name=value>', 'a detector parameter (repeatable)', collect, [])
    .option('--description <text>', 'what the monitor is for')
    .option('--disabled', 'store it without evaluating it')
    .option('--replace', 'replace a monitor of the same name')
    .action(
      action(async (name: string, opts: AddOptions, cmd: Command) =>
        withAlerts(cmd, async (client, cfg, reg) => {
          const input = monitorInput(name, opts);
          const exists = opts.replace
            ? await getMonitor(client, cfg, name).then(
                () => true,
                (e: unknown) => {
                  if (e instanceof FlowdexError && e.code === 'MONITOR_NOT_FOUND') return false;
                  throw e;
                },
              )
            : false;
          const m = exists
            ? await updateMonitor(client, cfg, reg, input)
            : await createMonitor(client, cfg, reg, input);
          log(
            `monitor "${m.name}": ${m.detector} every ${m.schedule}${m.group ? ` per ${m.group}` : ''}${m.query ? ` on ${m.query}` : ''}`,
          );
        }),
      ),
    );

  alerts
    .command('list')
    .description('list monitors')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) =>
        withAlerts(cmd, async (client, cfg) => {
          const all = await listMonitors(client, cfg);
          if (opts.json) return writeOut(all.map((m) => JSON.stringify(m) + '\n').join(''));
          if (all.length === 0) return log('no monitors');
          await writeOut(
            formatTable(
              ['name', 'detector', 'schedule', 'group', 'query', 'params', 'enabled'],
              all.map((m) => [
                m.name,
                m.detector,
                m.schedule,
                m.group ?? '',
                m.query,
                Object.entries(m.params)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' '),
                m.enabled,
              ]),
            ),
          );
        }),
      ),
    );

  alerts
    .command('show <name>')
    .description('print a monitor and its recent alerts as JSON')
    .action(
      action(async (name: string, _opts: object, cmd: Command) =>
        withAlerts(cmd, async (client, cfg) => {
          const monitor = await getMonitor(client, cfg, name);
          await writeOut(
            JSON.stringify(
              { monitor, alerts: await listAlerts(client, cfg, { monitor: monitor.slug, limit: 20 }) },
              null,
              2,
            ) + '\n',
          );
        }),
      ),
    );

  alerts
    .command('rm <name>')
    .description('delete a monitor (its alerts stay in the history)')
    .action(
      action(async (name: string, _opts: object, cmd: Command) =>
        withAlerts(cmd, (client, cfg) => deleteMonitor(client, cfg, name)),
      ),
    );

  alerts
    .command('test <name>')
    .description('evaluate a monitor without storing or notifying: its last window, or every window of --from/--to')
    .option('--from <time>', 'first window start (ISO, epoch or now-1h)')
    .option('--to <time>', 'last window end', 'now')
    .option('--json', 'one JSON object per window')
    .action(
      action(async (name: string, opts: { from?: string; to: string; json?: boolean }, cmd: Command) =>
        withAlerts(cmd, async (client, cfg, reg) => {
          const m = await getMonitor(client, cfg, name);
          const now = Date.now();
          const ms = scheduleMs(m.schedule);
          const to = parseTime(opts.to, now, 'to');
          const windows =
            opts.from !== undefined ? windowsBetween(parseTime(opts.from, now, 'from'), to, ms) : [lastWindow(to, ms)];
          if (windows.length > 10_000)
            throw new FlowdexError(
              'QUERY_BAD_VALUE',
              `${windows.length} windows of ${m.schedule}; test at most 10000`,
              { field: 'from' },
            );
          let total = 0;
          for (const w of windows) {
            const ev = await evaluateMonitor({ client, config: cfg, registry: reg }, m, w, now);
            total += ev.findings.length;
            const head = {
              monitor: m.slug,
              from: new Date(w.from).toISOString(),
              to: new Date(w.to).toISOString(),
              took_ms: ev.took_ms,
            };
            if (opts.json) await writeOut(JSON.stringify({ ...head, findings: ev.findings }) + '\n');
            else for (const f of ev.findings) await writeOut(`${head.from}  ${f.severity}  ${f.message}\n`);
            if (!opts.json) log(`${head.from} → ${head.to}: ${ev.findings.length} findings (${ev.took_ms} ms)`);
          }
          if (!opts.json) log(`${total} findings in ${windows.length} windows`);
        }),
      ),
    );

  alerts
    .command('run')
    .description('evaluate due monitor windows (every --tick until stopped, or --once), storing alerts and notifying')
    .option('--once', 'evaluate what is due, then exit')
    .option('--since <time>', 'where monitors without a cursor start (default: their last window)')
    .option('--delay <duration>', 'windows end this long before now, so late flows are in', '60s')
    .option('--tick <duration>', 'how often to look for due windows', '15s')
    .option('--webhook <url>', 'POST each alert event as JSON (env FLOWDEX_ALERT_WEBHOOK)')
    .option('--file <path>', 'append each alert event as NDJSON (env FLOWDEX_ALERT_FILE)')
    .option('--stdout', 'print each alert event as NDJSON on stdout')
    .action(
      action(
        async (
          opts: {
            once?: boolean;
            since?: string;
            delay: string;
            tick: string;
            webhook?: string;
            file?: string;
            stdout?: boolean;
          },
          cmd: Command,
        ) =>
          withAlerts(cmd, async (client, cfg, registry) => {
            const notifier = new Notifier(channelsOf(opts));
            const delayMs = intervalMs(opts.delay);
            const deps = { client, config: cfg, registry, notifier };
            if (opts.once) {
              const now = Date.now();
              const runs = await runDue(deps, {
                now,
                delayMs,
                ...(opts.since !== undefined ? { since: parseTime(opts.since, now, 'since') } : {}),
              });
              printRuns(runs);
              await notifier.flush();
              return runs.some((r) => r.error) || notifier.stats.failed > 0 ? 1 : 0;
            }
            const runner = startRunner(deps, { tickMs: intervalMs(opts.tick), delayMs, onRun: printRuns });
            log('flowdex alerts runner started; Ctrl-C stops it');
            await new Promise<void>((resolve) => {
              const stop = (): void => void runner.stop().then(resolve);
              process.once('SIGINT', stop);
              process.once('SIGTERM', stop);
            });
          }),
      ),
    );

  alerts
    .command('active')
    .description('list open alerts (active and acknowledged), newest first')
    .option('--all', 'resolved ones too')
    .option('--monitor <name>', 'only this monitor')
    .option('--limit <n>', 'at most this many (1-1000)', '100')
    .option('--json', 'one JSON object per line')
    .action(
      action(async (opts: { all?: boolean; monitor?: string; limit: string; json?: boolean }, cmd: Command) =>
        withAlerts(cmd, async (client, cfg) => {
          const states: AlertState[] = opts.all ? [] : ['active', 'acknowledged'];
          const list = await listAlerts(client, cfg, {
            states,
            ...(opts.monitor ? { monitor: (await getMonitor(client, cfg, opts.monitor)).slug } : {}),
            limit: Number(opts.limit),
          });
          if (opts.json) return writeOut(list.map((a) => JSON.stringify(a) + '\n').join(''));
          if (list.length === 0) return log('no alerts');
          await writeOut(
            formatTable(
              ['id', 'state', 'severity', 'first_seen', 'last_seen', 'message'],
              list.map((a) => [a.id, a.state, a.severity, a.first_seen, a.last_seen, a.message]),
            ),
          );
        }),
      ),
    );

  alerts
    .command('ack <id>')
    .description('acknowledge an active alert: it stays open until resolved but is not notified again')
    .option('--note <text>', 'why')
    .action(
      action(async (id: string, opts: { note?: string }, cmd: Command) =>
        withAlerts(cmd, async (client, cfg) => {
          const a = await acknowledgeAlert(client, cfg, id, Date.now(), opts.note);
          log(`${a.id}: ${a.state}`);
        }),
      ),
    );
}
