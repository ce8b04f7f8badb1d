import { num } from '../params';
import type { Detector, DetectorContext, Finding, FindingKey } from '../types';

const MINUTE = 60_000;
/** SYN-only TCP flows: connection attempts that got no further (cumulative flags = SYN). */
export const SYN_ONLY = 'proto:tcp flags:2';

/**
 * The largest count of distinct `counted` values per (source, `other`) within any minute of
 * the window, over SYN-only flows, keeping keys at or above `limit`.
 */
async function perMinute(
  ctx: DetectorContext,
  other: { field: string; column: string },
  counted: string,
  limit: number,
): Promise<{ key: FindingKey; value: number; minute: number }[]> {
  const rows = await ctx.composite(
    { minute: { field: '@timestamp', interval: MINUTE }, src: { field: 'source.ip' }, other: { field: other.field } },
    { distinct: { cardinality: { field: counted } } },
    { extra: SYN_ONLY },
  );
  const best = new Map<string, { key: FindingKey; value: number; minute: number }>();
  for (const r of rows) {
    const v = r.values.distinct ?? 0;
    if (v < limit) continue;
    const key = { source: r.key.src ?? null, [other.column]: r.key.other ?? null };
    const id = JSON.stringify(key);
    const seen = best.get(id);
    if (seen === undefined || v > seen.value) best.set(id, { key, value: v, minute: Number(r.key.minute) });
  }
  return [...best.values()];
}

/** One source touching many ports of one host within a minute. */
export const verticalScan: Detector = {
  name: 'vertical-scan',
  description: 'one source sends SYN-only flows to many destination ports of one host within a minute',
  schedule: '1m',
  defaults: { ports: 100 },
  groups: [],
  async evaluate(ctx) {
    const limit = num(ctx.params, 'ports');
    return (await perMinute(ctx, { field: 'destination.ip', column: 'destination' }, 'destination.port', limit)).map(
      (f): Finding => ({
        key: f.key,
        value: f.value,
        threshold: limit,
        severity: 'medium',
        message: `vertical scan: ${String(f.key.source)} probed ${f.value} ports of ${String(f.key.destination)} in the minute from ${new Date(f.minute).toISOString()}`,
      }),
    );
  },
};

/** One source touching one port on many hosts within a minute. */
export const horizontalScan: Detector = {
  name: 'horizontal-scan',
  description: 'one source sends SYN-only flows to one destination port on many hosts within a minute',
  schedule: '1m',
  defaults: { hosts: 50 },
  groups: [],
  async evaluate(ctx) {
    const limit = num(ctx.params, 'hosts');
    return (await perMinute(ctx, { field: 'destination.port', column: 'port' }, 'destination.ip', limit)).map(
      (f): Finding => ({
        key: f.key,
        value: f.value,
        threshold: limit,
        severity: 'medium',
        message: `horizontal scan: ${String(f.key.source)} probed port ${String(f.key.port)} on ${f.value} hosts in the minute from ${new Date(f.minute).toISOString()}`,
      }),
    );
  },
};
