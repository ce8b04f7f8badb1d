import { REPORTS, type ReportName } from '../src/query/reports';
import { runReport, type ReportRequest } from '../src/report/run-report';
import { updateRollups } from '../src/rollup/builder';
import { allFlowIndices, isDailyIndex, rollupAlias } from '../src/store/indices';
import { benchData, sharedFlows, storeBytes, withBenchStore, withoutRequestCache } from './store';
import type { BenchResult, BenchSuite } from './types';

/** Median wall time of a few runs after one warm-up (run within `withoutRequestCache`). */
async function latency(run: () => Promise<unknown>, runs = 3): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

/** The indices that answered, raw daily ones counted rather than listed. */
function servedBy(prefix: string, indices: readonly string[]): string {
  const raw = indices.filter((i) => isDailyIndex(prefix, i)).length;
  return [...indices.filter((i) => !isDailyIndex(prefix, i)), ...(raw ? [`${raw} raw daily indices`] : [])].join(' ');
}

/**
 * Rollups: the rollup pass after indexing (per 1 M flows), size against raw, and each report's
 * latency over the whole month, raw against planned. Scale 1 is 1 M flows over a month (DESIGN
 * §10 measures whole-range reports), the shared data (`sharedFlows`).
 */
export const rollupSuite: BenchSuite = {
  name: 'rollup',
  needsOpenSearch: true,
  async run({ scale, url, prefix }) {
    const out: BenchResult[] = [];
    const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}) =>
      out.push({ suite: 'rollup', name, value: Math.round(value * 100) / 100, unit, ...extra });
    return withBenchStore(url, 'rollup', prefix, async (s) => {
      const { cfg, client } = s;
      const { items, range: generated } = sharedFlows(scale);
      const data = await benchData(s, items, generated);
      const { flows, to: now } = data;
      const days = (data.to - data.from) / 86_400_000;
      if (data.indexedInS !== undefined)
        row('index with rollups kept from the stream', flows / data.indexedInS, 'flows/s', {
          note: `${flows} flows over ${days} days in ${data.indexedInS.toFixed(1)} s`,
        });

      const t = performance.now();
      const built = await updateRollups(client, cfg, { now });
      const buildS = (performance.now() - t) / 1000;
      row('rollup pass after indexing per 1 M flows', (buildS * 1e6) / flows, 's', {
        note: `${flows} flows over ${days} days, a pass of ${buildS.toFixed(1)} s after indexing, extrapolated linearly`,
      });

      const raw = await storeBytes(client, allFlowIndices(cfg.prefix));
      for (const s of built.specs) {
        const bytes = await storeBytes(client, rollupAlias(cfg.prefix, s.spec));
        row(`${s.spec} size / raw`, bytes / raw, 'ratio', {
          note: `${s.watermark?.docs ?? 0} docs, ${(bytes / 1e6).toFixed(2)} MB vs raw ${(raw / 1e6).toFixed(2)} MB`,
        });
      }

      const range = { from: new Date(data.from).toISOString(), to: new Date(now).toISOString() };
      await withoutRequestCache(client, cfg.prefix, async () => {
        for (const name of Object.keys(REPORTS) as ReportName[]) {
          const req: ReportRequest = {
            report: name,
            ...range,
            ...(REPORTS[name].kind === 'top' ? {} : { interval: '1h' }),
          };
          const planned = await runReport(client, cfg, req, now);
          const viaRollup = planned.served_by.some((i) => !isDailyIndex(cfg.prefix, i));
          // At 10 M flows one raw top-pairs takes about a minute: past scale 2 one timed run each.
          const rawMs = await latency(() => runReport(client, cfg, { ...req, raw: true }, now), scale > 2 ? 1 : 3);
          const plannedMs = await latency(() => runReport(client, cfg, req, now));
          const goal = name === 'traffic' || REPORTS[name].kind === 'top';
          row(`${name} raw`, rawMs, 'ms');
          row(
            `${name} planned`,
            plannedMs,
            'ms',
            goal
              ? { goal: '≤ 300', met: plannedMs <= 300, note: servedBy(cfg.prefix, planned.served_by) }
              : { note: servedBy(cfg.prefix, planned.served_by) },
          );
          row(
            `${name} speedup`,
            rawMs / plannedMs,
            '×',
            goal
              ? { goal: '≥ 20', met: rawMs / plannedMs >= 20, note: viaRollup ? 'rollup' : 'raw (not covered)' }
              : { note: viaRollup ? 'rollup' : 'raw (not covered)' },
          );
        }
      });
      return out;
    });
  },
};
