import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMonitor } from '../../../src/alerts/monitors';
import { loadRegistry } from '../../../src/alerts/modules';
import { Notifier, type Channel } from '../../../src/alerts/notify';
import { runDue, type WindowRun } from '../../../src/alerts/runner';
import { scheduleMs } from '../../../src/alerts/schedule';
import { listAlerts } from '../../../src/alerts/store';
import type { AlertEvent, MonitorInput } from '../../../src/alerts/types';
import { injectedEvents, type InjectedEvent } from '../../../src/generate/events';
import { generateFlows } from '../../../src/generate/flows';
import type { FlowRecord } from '../../../src/model/flow';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-alerts-'));
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 3);
/** Three days of history, a clean day (index 3) and a day with the injected events (index 4). */
const CLEAN = T0 + 3 * DAY;
const EVENTS = T0 + 4 * DAY;
const FLOWS_PER_DAY = 4000;

const events: InjectedEvent[] = injectedEvents(
  {
    'vertical-scan': EVENTS + 3 * HOUR + 17 * MIN + 12_000,
    'horizontal-scan': EVENTS + 9 * HOUR + 41 * MIN + 30_000,
    'udp-amplification': EVENTS + 14 * HOUR + 6 * MIN,
    'new-service': EVENTS + 17 * HOUR + 20 * MIN,
    'exporter-silent': EVENTS + 20 * HOUR + 2 * MIN + 5_000,
  },
  EVENTS,
  21,
);

/** The monitors under test: defaults except the schedule (longer windows, fewer evaluations), one per detector. */
const MONITORS: MonitorInput[] = [
  { name: 'vertical', detector: 'vertical-scan', schedule: '30m' },
  { name: 'horizontal', detector: 'horizontal-scan', schedule: '30m' },
  { name: 'flood', detector: 'volumetric', schedule: '15m' },
  { name: 'services', detector: 'new-talker', schedule: '1h', params: { kind: 'service' } },
  { name: 'exporters', detector: 'exporter-silent', schedule: '30m' },
  { name: 'bytes-baseline', detector: 'baseline', schedule: '1h', group: 'destination', params: { metric: 'bytes' } },
];

const sent: AlertEvent[] = [];
const collect: Channel = { name: 'test', send: async (e) => void sent.push(e) };
const registry = loadRegistry('');
const runs: WindowRun[] = [];

/** Evaluates the monitors named `<prefix>…` over every window of the day starting at `day`. */
async function runDay(prefix: string, day: number): Promise<void> {
  const notifier = new Notifier([collect]);
  runs.push(
    ...(await runDue(
      { client: tc.client, config: tc.config, registry, notifier },
      { now: day + DAY + MIN, since: day, only: MONITORS.map((m) => `${prefix}${m.name}`) },
    )),
  );
  await notifier.flush();
}

useStore(tc, dir);
beforeAll(async () => {
  function* all(): Generator<FlowRecord> {
    for (let d = 0; d < 5; d++)
      yield* generateFlows({ flows: FLOWS_PER_DAY, start: T0 + d * DAY, spanMs: DAY, seed: 100 + d });
    for (const e of events) yield* e.flows;
  }
  await indexRecords(tc, all(), 'flows', dir);
  for (const prefix of ['clean-', 'events-'])
    for (const m of MONITORS) await createMonitor(tc.client, tc.config, registry, { ...m, name: `${prefix}${m.name}` });
  await runDay('clean-', CLEAN);
  await runDay('events-', EVENTS);
});

test('every evaluation ran without error', () => {
  expect(runs.filter((r) => r.error)).toEqual([]);
  // Every window of both days: 48 a day for 30-minute monitors, 96 for 15-minute ones, 24 for hourly ones.
  expect(runs).toHaveLength(2 * MONITORS.reduce((n, m) => n + DAY / scheduleMs(m.schedule ?? ''), 0));
});

test('each injected event raises exactly its alert, within two evaluation intervals', async () => {
  const alerts = await listAlerts(tc.client, tc.config, { limit: 1000 });
  const evented = alerts.filter((a) => a.monitor.startsWith('events-'));
  const expected: Record<string, InjectedEvent['label'][]> = {
    'events-vertical': ['vertical-scan'],
    'events-horizontal': ['horizontal-scan'],
    'events-flood': ['udp-amplification'],
    'events-services': ['new-service'],
    'events-exporters': ['exporter-silent'],
    'events-bytes-baseline': ['udp-amplification'],
  };
  for (const [monitor, labels] of Object.entries(expected)) {
    const mine = evented.filter((a) => a.monitor === monitor);
    const ms = scheduleMs(MONITORS.find((m) => `events-${m.name}` === monitor)?.schedule ?? '');
    expect({ monitor, keys: mine.map((a) => a.key) }).toEqual({
      monitor,
      keys: labels.map((l) => events.find((e) => e.label === l)?.key),
    });
    for (const [i, l] of labels.entries()) {
      const e = events.find((x) => x.label === l)!;
      const detectedBy = Date.parse(mine[i]!.first_seen) + ms;
      expect({ monitor, late: detectedBy - e.at <= 2 * ms }).toEqual({ monitor, late: true });
    }
  }
  expect(evented.find((a) => a.monitor === 'events-flood')?.kind).toBe('udp-amplification');
});

test('a clean day raises at most one false alert per monitor', async () => {
  const alerts = await listAlerts(tc.client, tc.config, { limit: 1000 });
  for (const m of MONITORS)
    expect({ monitor: m.name, alerts: alerts.filter((a) => a.monitor === `clean-${m.name}`).length <= 1 }).toEqual({
      monitor: m.name,
      alerts: true,
    });
});
