import { loadRegistry } from '../src/alerts/modules';
import { evaluateMonitor } from '../src/alerts/runner';
import { scheduleMs } from '../src/alerts/schedule';
import type { GroupName, Monitor, Params } from '../src/alerts/types';
import { updateRollups } from '../src/rollup/builder';
import { benchData, flowItems, sharedFlows, withBenchStore } from './store';
import type { BenchResult, BenchSuite } from './types';

const DAY = 86_400_000;
/** A week of history for baselines and new talkers, and the day evaluated. */
const DAYS = 8;
const START = Date.UTC(2024, 1, 1);
/** Windows evaluated per monitor, spread over the last day. */
const SAMPLES = 24;

/** The default monitor set: every built-in detector with its defaults and schedule. */
const DEFAULT_SET: { name: string; detector: string; group?: GroupName; params?: Params }[] = [
  { name: 'threshold', detector: 'threshold' },
  { name: 'threshold per destination', detector: 'threshold', group: 'destination' },
  { name: 'baseline per destination', detector: 'baseline', group: 'destination', params: { metric: 'bytes' } },
  { name: 'volumetric', detector: 'volumetric' },
  { name: 'vertical-scan', detector: 'vertical-scan' },
  { name: 'horizontal-scan', detector: 'horizontal-scan' },
  { name: 'new-talker pair', detector: 'new-talker' },
  { name: 'new-talker service', detector: 'new-talker', params: { kind: 'service' } },
  { name: 'exporter-silent', detector: 'exporter-silent' },
];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * Evaluation cost per monitor and window (wall time, OpenSearch's work included) on the last day
 * of the flows, rollups built, and the share of one core the whole default set takes when every
 * monitor runs on its default schedule. Scale 1 is 400 k flows over a week of history plus a day
 * (50 k a day); under a shared prefix, its month of flows (`sharedFlows`).
 */
export const alertsSuite: BenchSuite = {
  name: 'alerts',
  needsOpenSearch: true,
  async run({ scale, url, prefix }) {
    const out: BenchResult[] = [];
    const registry = loadRegistry('');
    return withBenchStore(url, 'alerts', prefix, async (s) => {
      const { cfg, client } = s;
      const own = Math.max(8000, Math.round(400_000 * scale));
      const { items, range } = s.shared
        ? sharedFlows(scale)
        : {
            items: flowItems({ flows: own, start: START, spanMs: DAYS * DAY, seed: 17 }),
            range: { from: START, to: START + DAYS * DAY, flows: own },
          };
      const data = await benchData(s, items, range);
      const now = data.to;
      const days = (data.to - data.from) / DAY;
      await updateRollups(client, cfg, { now });
      if (data.indexedInS !== undefined)
        out.push({
          suite: 'alerts',
          name: 'index with rollups kept from the stream',
          value: Math.round(data.flows / data.indexedInS),
          unit: 'flows/s',
          note: `${data.flows} flows over ${days} days in ${data.indexedInS.toFixed(1)} s`,
        });

      let perMinute = 0;
      for (const m of DEFAULT_SET) {
        const d = registry.detectors.get(m.detector)!;
        const ms = scheduleMs(d.schedule);
        const monitor: Monitor = {
          name: m.name,
          slug: m.name.replace(/\W+/g, '-'),
          description: '',
          schedule: d.schedule,
          query: '',
          detector: m.detector,
          params: m.params ?? {},
          ...(m.group ? { group: m.group } : {}),
          enabled: true,
          created: '',
          updated: '',
        };
        const times: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          // Windows spread over the last day, one per hour, aligned to the schedule.
          const from = Math.floor((now - DAY + i * (DAY / SAMPLES)) / ms) * ms;
          times.push(
            (await evaluateMonitor({ client, config: cfg, registry }, monitor, { from, to: from + ms }, now)).took_ms,
          );
        }
        times.sort((a, b) => a - b);
        const p50 = percentile(times, 0.5);
        perMinute += (p50 * 60_000) / ms;
        out.push({
          suite: 'alerts',
          name: `${m.name} per window`,
          value: p50,
          unit: 'ms',
          note: `median of ${SAMPLES} windows of ${d.schedule}, p95 ${percentile(times, 0.95)} ms`,
        });
      }
      const share = (perMinute / 60_000) * 100;
      out.push({
        suite: 'alerts',
        name: 'default set, each on its schedule',
        value: share,
        unit: '% of one core',
        goal: '< 10',
        met: share < 10,
        note: `${Math.round(perMinute)} ms of evaluation per minute at ${data.flows} flows over ${days} days (wall time, OpenSearch included)`,
      });
      return out;
    });
  },
};
