import { FlowdexError } from '../errors';
import type { Metric, ReportName, ReportRow } from '../query/reports';
import { MAX_TOP } from '../report/check';
import type { TimeRange } from '../model/time';
import type { DetectorContext, FindingKey, GroupName } from './types';

/** Each group's report (whose rows carry the key columns) — or raw flows when no report has it. */
const GROUP_REPORTS: Readonly<Record<Exclude<GroupName, 'exporter'>, { report: ReportName; columns: string[] }>> = {
  source: { report: 'top-sources', columns: ['source'] },
  destination: { report: 'top-destinations', columns: ['destination'] },
  pair: { report: 'top-pairs', columns: ['source', 'destination'] },
  service: { report: 'top-services', columns: ['port', 'transport'] },
  app: { report: 'top-apps', columns: ['app'] },
};

export interface GroupTotal {
  key: FindingKey;
  flows: number;
  bytes: number;
  packets: number;
}

function totalOf(key: FindingKey, row: ReportRow): GroupTotal {
  return { key, flows: Number(row.flows ?? 0), bytes: Number(row.bytes ?? 0), packets: Number(row.packets ?? 0) };
}

/**
 * Flows, bytes and packets per group over a range, largest `by` first, at most `top` groups
 * (exact top-N). Groups of a report go through it, so rollups serve them when they cover.
 */
export async function groupTotals(
  ctx: DetectorContext,
  group: GroupName,
  o: { by: Metric; top?: number; extra?: string; range?: TimeRange },
): Promise<GroupTotal[]> {
  const top = Math.min(o.top ?? MAX_TOP, MAX_TOP);
  if (group === 'exporter') {
    const rows = await ctx.composite(
      { exporter: { field: 'observer.ip' } },
      { bytes: { sum: { field: 'network.bytes' } }, packets: { sum: { field: 'network.packets' } } },
      o,
    );
    return rows
      .map((r) => ({
        key: { exporter: r.key.exporter ?? null },
        flows: r.flows,
        bytes: r.values.bytes ?? 0,
        packets: r.values.packets ?? 0,
      }))
      .sort((a, b) => b[o.by] - a[o.by])
      .slice(0, top);
  }
  const g = GROUP_REPORTS[group];
  const res = await ctx.report({
    report: g.report,
    by: o.by,
    top,
    ...(o.extra ? { query: o.extra } : {}),
    ...(o.range ? { range: o.range } : {}),
  });
  return res.rows.map((row) => totalOf(Object.fromEntries(g.columns.map((c) => [c, row[c] ?? null])), row));
}

/** Totals over the whole range as one row (the `traffic` report with the range as its interval). */
export async function windowTotal(
  ctx: DetectorContext,
  o: { extra?: string; range?: TimeRange } = {},
): Promise<GroupTotal> {
  const range = o.range ?? ctx.window;
  const res = await ctx.report({
    report: 'traffic',
    interval: `${(range.to - range.from) / 1000}s`,
    ...(o.extra ? { query: o.extra } : {}),
    range,
  });
  const sum = (m: 'flows' | 'bytes' | 'packets'): number => res.rows.reduce((n, r) => n + Number(r[m] ?? 0), 0);
  return { key: {}, flows: sum('flows'), bytes: sum('bytes'), packets: sum('packets') };
}

/** The stored field a key column filters on, and its query-language name. */
const KEY_FIELDS: Readonly<Record<string, string>> = {
  source: 'src',
  destination: 'dst',
  port: 'dport',
  transport: 'proto',
  app: 'app',
  exporter: 'exporter',
  host: 'dst',
};

function quoted(v: string | number): string {
  return typeof v === 'number' || /^[0-9a-fA-F.:]+$/.test(v) ? String(v) : JSON.stringify(v);
}

/** The query-language filter selecting a key's flows (`src:10.1.2.3 dport:22`); columns it cannot name are left out. */
export function keyQuery(key: FindingKey): string {
  return Object.entries(key)
    .filter((e): e is [string, string | number] => e[1] !== null && KEY_FIELDS[e[0]] !== undefined)
    .map(([col, v]) => `${KEY_FIELDS[col]}:${quoted(v)}`)
    .join(' ');
}

/** A list filter (`dst:(a, b)`) for the values of a few keys, or BAD_REQUEST when there are none. */
export function listQuery(alias: string, values: readonly (string | number)[]): string {
  if (values.length === 0) throw new FlowdexError('BAD_REQUEST', `no values for ${alias}`);
  return `${alias}:(${values.map(quoted).join(', ')})`;
}
