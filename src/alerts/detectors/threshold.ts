import { FlowdexError } from '../../errors';
import { groupTotals, windowTotal, type GroupTotal } from '../groups';
import { num, oneOfParam } from '../params';
import type { Detector, DetectorContext, Finding, FindingKey, Severity } from '../types';
import { SEVERITIES } from '../types';

const METRICS = ['bytes_per_s', 'bits_per_s', 'packets_per_s', 'flows_per_s', 'peers'] as const;
type ThresholdMetric = (typeof METRICS)[number];

/** Which report metric ranks the groups for a rate. */
const RANK = { bytes_per_s: 'bytes', bits_per_s: 'bytes', packets_per_s: 'packets', flows_per_s: 'flows' } as const;

function rate(t: GroupTotal, metric: Exclude<ThresholdMetric, 'peers'>, seconds: number): number {
  const v = metric === 'bits_per_s' ? t.bytes * 8 : t[RANK[metric]];
  return v / seconds;
}

/** Distinct counterparts: sources of a destination, destinations of a source, sources overall. */
async function peers(ctx: DetectorContext): Promise<{ key: FindingKey; value: number }[]> {
  const group = ctx.group;
  if (group === undefined) {
    const res = await ctx.aggregate<{ peers?: { value: number } }>({ peers: { cardinality: { field: 'source.ip' } } });
    return [{ key: {}, value: res.peers?.value ?? 0 }];
  }
  if (group !== 'source' && group !== 'destination')
    throw new FlowdexError('BAD_REQUEST', `metric peers groups by source or destination, not ${group}`, {
      field: 'group',
    });
  const [own, other] = group === 'source' ? ['source.ip', 'destination.ip'] : ['destination.ip', 'source.ip'];
  const rows = await ctx.composite({ g: { field: own } }, { peers: { cardinality: { field: other } } });
  return rows.map((r) => ({ key: { [group]: r.key.g ?? null }, value: r.values.peers ?? 0 }));
}

/**
 * A report metric over the window above a limit: bytes, bits, packets or flows per second, or
 * distinct peers. Per group, every group above the limit is a finding.
 */
export const threshold: Detector = {
  name: 'threshold',
  description:
    'a metric over the window above a limit: bytes_per_s, bits_per_s, packets_per_s, flows_per_s, or peers (distinct counterparts)',
  schedule: '1m',
  defaults: { metric: 'bits_per_s', above: 100_000_000, severity: 'medium' },
  groups: ['source', 'destination', 'pair', 'service', 'app', 'exporter'],
  async evaluate(ctx) {
    const metric = oneOfParam(ctx.params, 'metric', METRICS);
    const above = num(ctx.params, 'above');
    const severity = oneOfParam<Severity>(ctx.params, 'severity', SEVERITIES);
    const values =
      metric === 'peers'
        ? await peers(ctx)
        : (ctx.group === undefined
            ? [await windowTotal(ctx)]
            : await groupTotals(ctx, ctx.group, { by: RANK[metric] })
          ).map((t) => ({ key: t.key, value: rate(t, metric, ctx.seconds) }));
    return values
      .filter((v) => v.value > above)
      .map((v): Finding => ({
        key: v.key,
        value: v.value,
        threshold: above,
        severity,
        message: `${metric} ${round(v.value)} above ${above}`,
      }));
  },
};

export function round(v: number): number {
  return Math.round(v * 100) / 100;
}
