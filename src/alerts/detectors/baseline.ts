import { groupTotals, windowTotal, type GroupTotal } from '../groups';
import { num, oneOfParam } from '../params';
import { ewmaScore, robustScore } from '../stats';
import type { Detector, DetectorContext, Finding, FindingKey } from '../types';
import { round } from './threshold';
import { DAY_MS } from '../../model/time';

const METRICS = ['flows', 'bytes', 'packets'] as const;
type Metric = (typeof METRICS)[number];
const FLOOR = { flows: 'floor_flows', bytes: 'floor_bytes', packets: 'floor_packets' } as const;

/** One range's values per key, and whether the range had flows at all. */
async function valuesOf(
  ctx: DetectorContext,
  metric: Metric,
  range: { from: number; to: number },
): Promise<{ any: boolean; byKey: Map<string, { key: FindingKey; value: number }> }> {
  const rows: GroupTotal[] =
    ctx.group === undefined
      ? [await windowTotal(ctx, { range })]
      : await groupTotals(ctx, ctx.group, { by: metric, range });
  const byKey = new Map(rows.map((r) => [JSON.stringify(r.key), { key: r.key, value: r[metric] }]));
  return { any: rows.some((r) => r.flows > 0), byKey };
}

/**
 * The window against the same window of each of the last `days` days, per key: a robust
 * z-score (median and MAD) or an EWMA score. Days without any flow in that window are gaps, not
 * zeros; fewer than `min_days` such days and nothing is judged. A key alerts when its score
 * reaches `z` and its value (for drops: its baseline) reaches the metric's floor.
 */
export const baseline: Detector = {
  name: 'baseline',
  description: 'the window against the same window of recent days, per key: robust z-score or EWMA, with a floor',
  schedule: '1h',
  defaults: {
    metric: 'flows',
    method: 'robust',
    days: 7,
    min_days: 3,
    z: 4,
    alpha: 0.3,
    direction: 'up',
    floor_flows: 100,
    floor_bytes: 10_000_000,
    floor_packets: 10_000,
    severity: 'medium',
  },
  groups: ['source', 'destination', 'pair', 'service', 'app', 'exporter'],
  async evaluate(ctx) {
    const metric = oneOfParam(ctx.params, 'metric', METRICS);
    const method = oneOfParam(ctx.params, 'method', ['robust', 'ewma'] as const);
    const direction = oneOfParam(ctx.params, 'direction', ['up', 'down', 'both'] as const);
    const days = Math.max(1, Math.floor(num(ctx.params, 'days')));
    const zLimit = num(ctx.params, 'z');
    const floor = num(ctx.params, FLOOR[metric]);
    const severity = oneOfParam(ctx.params, 'severity', ['low', 'medium', 'high'] as const);
    const shifts = Array.from({ length: days }, (_, i) => days - i);
    // Oldest first, which the EWMA needs.
    const history = (
      await Promise.all(
        shifts.map((d) =>
          valuesOf(ctx, metric, { from: ctx.window.from - d * DAY_MS, to: ctx.window.to - d * DAY_MS }),
        ),
      )
    ).filter((h) => h.any);
    if (history.length < num(ctx.params, 'min_days')) return [];
    const now = await valuesOf(ctx, metric, ctx.window);
    const keys = new Map(now.byKey);
    // A key gone quiet is only seen in the history.
    if (direction !== 'up')
      for (const h of history) for (const [k, v] of h.byKey) if (!keys.has(k)) keys.set(k, { key: v.key, value: 0 });
    const out: Finding[] = [];
    for (const [k, { key }] of keys) {
      const x = now.byKey.get(k)?.value ?? 0;
      const past = history.map((h) => h.byKey.get(k)?.value ?? 0);
      const s = method === 'robust' ? robustScore(x, past) : ewmaScore(x, past, num(ctx.params, 'alpha'));
      const up = s.z >= zLimit && x >= floor && (direction === 'up' || direction === 'both');
      const down = -s.z >= zLimit && s.baseline >= floor && (direction === 'down' || direction === 'both');
      if (!up && !down) continue;
      out.push({
        key,
        value: x,
        threshold: round(s.baseline + (up ? zLimit : -zLimit) * s.scale),
        severity,
        kind: up ? 'spike' : 'drop',
        message: `${metric} ${x} vs baseline ${round(s.baseline)} over ${history.length} days (z ${round(s.z)}, ${method})`,
      });
    }
    return out;
  },
};
