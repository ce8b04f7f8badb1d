import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { errorMessage } from '../errors';
import type { TimeRange } from '../model/time';
import { toFlowdexError } from '../store/client';
import { ALERT_CURSORS, type AlertCursor, type StateEntry } from '../store/state';
import { detectorContext, indexNamesOnce } from './context';
import { applyWindow, DEFAULT_POLICY, type LifecyclePolicy } from './lifecycle';
import { listMonitors } from './monitors';
import type { Notifier } from './notify';
import { effectiveParams } from './params';
import { detectorOf, type Registry } from './registry';
import { lastWindow, scheduleMs, windowsBetween } from './schedule';
import { knownAlerts, saveAlerts } from './store';
import type { Alert, Finding, Monitor } from './types';

export interface RunnerDeps {
  client: Client;
  config: FlowdexConfig;
  registry: Registry;
  notifier: Notifier;
  policy?: LifecyclePolicy;
}

export interface Evaluation {
  findings: Finding[];
  took_ms: number;
}

/** Runs a monitor's detector on one window; writes nothing (`alerts test`, benchmarks). */
export async function evaluateMonitor(
  d: Pick<RunnerDeps, 'client' | 'config' | 'registry'>,
  monitor: Monitor,
  window: TimeRange,
  now: number = Date.now(),
  indexNames?: () => Promise<Set<string>>,
): Promise<Evaluation> {
  const detector = detectorOf(d.registry, monitor.detector);
  const t0 = performance.now();
  const ctx = detectorContext({
    client: d.client,
    config: d.config,
    monitor,
    params: effectiveParams(detector, monitor.params),
    window,
    now,
    ...(indexNames ? { indexNames } : {}),
  });
  const findings = await detector.evaluate(ctx);
  return { findings, took_ms: Math.round((performance.now() - t0) * 10) / 10 };
}

type Cursor = StateEntry<AlertCursor>;

async function readCursor(client: Client, cfg: FlowdexConfig, slug: string): Promise<Cursor | undefined> {
  try {
    return await ALERT_CURSORS.get(client, cfg.prefix, slug);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'read alert cursor');
  }
}

/**
 * The lease: moves the monitor's cursor to the end of the windows about to be evaluated, only if
 * nobody moved it since it was read. Whoever wins evaluates them; a second runner sees the
 * conflict and skips them, so no window is evaluated twice (a runner dying mid-run leaves the
 * rest of its windows unevaluated rather than risk evaluating them twice).
 */
async function claim(
  client: Client,
  cfg: FlowdexConfig,
  slug: string,
  cursor: Cursor | undefined,
  window: TimeRange,
): Promise<boolean> {
  try {
    const written = await ALERT_CURSORS.put(
      client,
      cfg.prefix,
      slug,
      { to: window.to },
      cursor ? { ifVersion: cursor.version } : { create: true },
    );
    return written === 'written';
  } catch (e) {
    throw toFlowdexError(e, cfg, 'claim alert window');
  }
}

export interface WindowRun {
  monitor: string;
  window: TimeRange;
  findings: number;
  raised: number;
  resolved: number;
  took_ms: number;
  error?: string;
}

export interface RunOptions {
  /** Clock, epoch ms. */
  now: number;
  /** Windows end this long before `now` so late flows are in. @default 60000 */
  delayMs?: number;
  /** Where a monitor without a cursor starts; default: only its last whole window. */
  since?: number;
  /** Most windows per monitor and run (catching up after downtime). @default 1440 */
  maxWindows?: number;
  /** Only these monitors (slugs). */
  only?: readonly string[];
}

/** Evaluates one monitor's due windows in order, each claimed first; errors stay with the monitor. */
export async function runMonitor(deps: RunnerDeps, monitor: Monitor, o: RunOptions): Promise<WindowRun[]> {
  const { client, config } = deps;
  const ms = scheduleMs(monitor.schedule);
  const until = o.now - (o.delayMs ?? 60_000);
  const cursor = await readCursor(client, config, monitor.slug);
  const start = cursor?.data.to ?? o.since ?? lastWindow(until, ms).from;
  const windows = windowsBetween(start, until, ms).slice(0, o.maxWindows ?? 1440);
  const out: WindowRun[] = [];
  if (windows.length === 0) return out;
  const policy = deps.policy ?? DEFAULT_POLICY;
  const known = new Map<string, Alert>(
    (await knownAlerts(client, config, monitor.slug, (windows[0]?.from ?? 0) - policy.flapWindows * ms)).map((a) => [
      a.id,
      a,
    ]),
  );
  // One claim covers the run's windows: whoever moves the cursor evaluates them, nobody else.
  if (
    !(await claim(client, config, monitor.slug, cursor, {
      from: windows[0]?.from ?? 0,
      to: windows[windows.length - 1]?.to ?? 0,
    }))
  )
    return out;
  const indexNames = indexNamesOnce(client, config);
  for (const window of windows) {
    const run: WindowRun = { monitor: monitor.slug, window, findings: 0, raised: 0, resolved: 0, took_ms: 0 };
    try {
      const ev = await evaluateMonitor(deps, monitor, window, o.now, indexNames);
      const outcome = applyWindow(monitor, [...known.values()], ev.findings, window, policy);
      await saveAlerts(client, config, outcome.changed);
      for (const a of outcome.changed) known.set(a.id, a);
      deps.notifier.notify(outcome.events);
      Object.assign(run, {
        findings: ev.findings.length,
        raised: outcome.events.filter((e) => e.event === 'raised').length,
        resolved: outcome.events.filter((e) => e.event === 'resolved').length,
        took_ms: ev.took_ms,
      });
    } catch (e) {
      run.error = errorMessage(e);
    }
    out.push(run);
  }
  return out;
}

/** Every enabled monitor's due windows, one monitor after another. */
export async function runDue(deps: RunnerDeps, o: RunOptions): Promise<WindowRun[]> {
  const monitors = (await listMonitors(deps.client, deps.config)).filter(
    (m) => m.enabled && (o.only === undefined || o.only.includes(m.slug)),
  );
  const out: WindowRun[] = [];
  for (const m of monitors) {
    try {
      out.push(...(await runMonitor(deps, m, o)));
    } catch (e) {
      out.push({
        monitor: m.slug,
        window: { from: o.now, to: o.now },
        findings: 0,
        raised: 0,
        resolved: 0,
        took_ms: 0,
        error: errorMessage(e),
      });
    }
  }
  return out;
}

export interface LoopOptions {
  /** How often to look for due windows. @default 15000 */
  tickMs?: number;
  delayMs?: number;
  onRun?: (runs: WindowRun[]) => void;
  now?: () => number;
}

/** Runs `runDue` on a timer until stopped (inside `serve`, or `alerts run`). */
export function startRunner(deps: RunnerDeps, o: LoopOptions = {}): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = runDue(deps, { now: (o.now ?? Date.now)(), ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}) })
      .then((runs) => o.onRun?.(runs))
      .catch((e: unknown) => void process.stderr.write(`flowdex alerts: ${errorMessage(e)}\n`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.tickMs ?? 15_000);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await deps.notifier.flush();
    },
  };
}
