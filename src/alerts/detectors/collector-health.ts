import type { CollectorStats } from '../../collect/stats';
import { num } from '../params';
import type { Detector, Finding, Severity } from '../types';

const MIN = 60_000;

/** Counters of an exporter at the previous evaluation, per monitor and collector. */
interface Seen {
  lost: number;
  flows: number;
  noTemplate: number;
}

/**
 * Losses and missing templates are counted since the collector started; they alert on what was
 * added since this process last evaluated the monitor, so a loss long ago does not alert forever.
 * The first evaluation after a start only takes the counters in.
 */
const previous = new Map<string, Seen>();

function finding(
  key: Finding['key'],
  kind: string,
  value: number,
  threshold: number,
  severity: Severity,
  message: string,
): Finding {
  return { key, kind, value, threshold, severity, message };
}

/**
 * Collector health from the stats collectors write to the state index: a collector that stopped
 * writing them, an exporter silent for `silent_minutes` while its collector runs, sequence loss
 * of at least `loss_share` of the flows since the last evaluation, and datagrams dropped for a
 * missing template.
 */
export const collectorHealth: Detector = {
  name: 'collector-health',
  description:
    "collectors that stopped, silent exporters, sequence loss and missing templates, from the collectors' own stats",
  schedule: '5m',
  defaults: { silent_minutes: 5, stale_minutes: 5, forget_hours: 24, loss_share: 0.01, missing_templates: 1 },
  groups: [],
  async evaluate(ctx) {
    const at = ctx.window.to;
    const stale = num(ctx.params, 'stale_minutes') * MIN;
    const out: Finding[] = [];
    const all: CollectorStats[] = (await ctx.collectors()).filter(
      (c) => Date.parse(c.updated) >= at - num(ctx.params, 'forget_hours') * 60 * MIN,
    );
    for (const c of all) {
      const updated = Date.parse(c.updated);
      if (updated < at - stale) {
        out.push(
          finding(
            { collector: c.name },
            'collector-down',
            Math.round((at - updated) / MIN),
            num(ctx.params, 'stale_minutes'),
            'high',
            `collector ${c.name} last reported ${c.updated}`,
          ),
        );
        continue;
      }
      for (const e of c.exporters) {
        const key = { collector: c.name, exporter: e.address };
        const silentFor = at - Date.parse(e.last_seen);
        if (silentFor >= num(ctx.params, 'silent_minutes') * MIN) {
          out.push(
            finding(
              key,
              'silent',
              Math.round(silentFor / MIN),
              num(ctx.params, 'silent_minutes'),
              'high',
              `exporter ${e.address} silent for ${Math.round(silentFor / MIN)} minutes (last datagram ${e.last_seen})`,
            ),
          );
        }
        const id = `${ctx.monitor.slug}|${c.name}|${c.started}|${e.address}`;
        const now: Seen = { lost: e.sequence.lost, flows: e.flows, noTemplate: e.bad['no template'] ?? 0 };
        const before = previous.get(id);
        previous.set(id, now);
        if (before === undefined) continue;
        const lost = now.lost - before.lost;
        const share = lost > 0 ? lost / (lost + Math.max(0, now.flows - before.flows)) : 0;
        if (lost > 0 && share >= num(ctx.params, 'loss_share')) {
          out.push(
            finding(
              key,
              'sequence-loss',
              Math.round(share * 10_000) / 10_000,
              num(ctx.params, 'loss_share'),
              'medium',
              `exporter ${e.address}: ${lost} flows lost by sequence numbers (${(share * 100).toFixed(1)} %) since the last evaluation`,
            ),
          );
        }
        const missing = now.noTemplate - before.noTemplate;
        if (missing >= num(ctx.params, 'missing_templates') && missing > 0) {
          out.push(
            finding(
              key,
              'missing-templates',
              missing,
              num(ctx.params, 'missing_templates'),
              'medium',
              `exporter ${e.address}: ${missing} datagrams or sets without a template since the last evaluation`,
            ),
          );
        }
      }
    }
    return out;
  },
};
