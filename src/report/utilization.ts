import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { canonicalIp } from '../enrich/ip';
import { enrichConfig } from '../enrich/pipeline';
import { loadSiteConfig, type ExporterDef } from '../enrich/site-config';
import { timeFilter } from '../query/compile';
import type { BoundedRow, ReportResult } from '../query/reports';
import { searchIndices } from '../store/client';
import { existingIndices } from './targets';

/** Bits per second of an exporter's interface (networks file `speed`), undefined when not configured. */
export type InterfaceSpeeds = (exporter: string, ifIndex: number) => number | undefined;

export function speedsOf(exporters: ReadonlyMap<string, ExporterDef>): InterfaceSpeeds {
  return (exporter, ifIndex) => exporters.get(canonicalIp(exporter) ?? exporter)?.interfaces.get(ifIndex)?.speed;
}

/**
 * Interface speeds from the networks file the environment names (FLOWDEX_NETWORKS); none without
 * one. The file is read at the first question, so reports that show no interface never read it.
 */
export function configuredSpeeds(env: NodeJS.ProcessEnv = process.env): InterfaceSpeeds {
  let speeds: InterfaceSpeeds | undefined;
  return (exporter, ifIndex) => {
    if (speeds === undefined) {
      const file = enrichConfig({}, env).networksFile;
      speeds = file === undefined ? () => undefined : speedsOf(loadSiteConfig(file).exporters);
    }
    return speeds(exporter, ifIndex);
  };
}

/** `exporter#ifIndex` → bits/s, as interface speeds are looked up. */
const speedKey = (exporter: string, ifIndex: number) => `${canonicalIp(exporter) ?? exporter}#${ifIndex}`;

/** The (exporter, input interface) a top-interfaces row names, when it names both. */
function interfaceOf(row: BoundedRow): { exporter: string; ifIndex: number } | undefined {
  return typeof row.exporter === 'string' && typeof row.interface === 'number'
    ? { exporter: row.exporter, ifIndex: row.interface }
    : undefined;
}

interface SpeedAggs {
  aggregations?: { i?: { buckets: { key: [string, number]; speed: { value: number | null } }[] } };
}

/**
 * The speeds the exporters reported for the report's interfaces (sFlow interface counters, stored
 * on each flow as `flow.interface_speed.ingress`): the highest one seen over the report's range.
 * One size-0 search over the range's raw indices, for the report's rows only.
 */
export async function reportedSpeeds(client: Client, cfg: FlowdexConfig, r: ReportResult): Promise<InterfaceSpeeds> {
  const wanted = r.rows.flatMap((row) => interfaceOf(row) ?? []);
  const indices = wanted.length > 0 ? await existingIndices(client, cfg, r.range) : [];
  if (indices.length === 0) return () => undefined;
  // Two `terms` filters, not a clause per row: a report of thousands of rows would pass the
  // node's clause limit. Combinations no row names are read too, and left unused.
  const exporters = [...new Set(wanted.map((w) => w.exporter))];
  const ifIndexes = [...new Set(wanted.map((w) => w.ifIndex))];
  const res = await searchIndices(client, indices, {
    size: 0,
    query: {
      bool: {
        filter: [
          timeFilter(r.range),
          { exists: { field: 'flow.interface_speed.ingress' } },
          { terms: { 'observer.ip': exporters } },
          { terms: { 'observer.ingress.interface.id': ifIndexes } },
        ],
      },
    },
    aggs: {
      i: {
        multi_terms: {
          terms: [{ field: 'observer.ip' }, { field: 'observer.ingress.interface.id' }],
          // Within the node's bucket limit (65,536 by default).
          size: Math.min(exporters.length * ifIndexes.length, 65_000),
        },
        aggs: { speed: { max: { field: 'flow.interface_speed.ingress' } } },
      },
    },
  });
  const found = new Map<string, number>();
  for (const b of (res.body as SpeedAggs).aggregations?.i?.buckets ?? [])
    if (b.speed.value !== null) found.set(speedKey(b.key[0], Number(b.key[1])), b.speed.value);
  return (exporter, ifIndex) => found.get(speedKey(exporter, ifIndex));
}

/** Configured speeds first (an operator may correct the exporter), else those the exporter reported. */
export function eitherSpeed(configured: InterfaceSpeeds, reported: InterfaceSpeeds): InterfaceSpeeds {
  return (exporter, ifIndex) => configured(exporter, ifIndex) ?? reported(exporter, ifIndex);
}

/**
 * A report with interface speeds and utilization (see `withUtilization`): configured speeds,
 * else the speeds the exporters reported. Other reports come back as they are, without a request.
 */
export async function withInterfaceSpeeds(
  client: Client,
  cfg: FlowdexConfig,
  r: ReportResult,
  configured: InterfaceSpeeds,
): Promise<ReportResult> {
  if (r.report !== 'top-interfaces') return r;
  return withUtilization(r, eitherSpeed(configured, await reportedSpeeds(client, cfg, r)));
}

/**
 * The top-interfaces report with each interface's speed (`speed_bps`) and its mean input
 * utilization over the report's range (`utilization_pct`: bytes × 8 / seconds / speed), empty
 * where no speed is known. Other reports come back as they are.
 */
export function withUtilization(r: ReportResult, speeds: InterfaceSpeeds): ReportResult {
  if (r.report !== 'top-interfaces') return r;
  const seconds = (r.range.to - r.range.from) / 1000;
  const rows = r.rows.map((row): BoundedRow => {
    const named = interfaceOf(row);
    const speed = named && speeds(named.exporter, named.ifIndex);
    const out: BoundedRow = Object.assign({}, row, { speed_bps: null, utilization_pct: null });
    if (speed !== undefined && seconds > 0) {
      out.speed_bps = speed;
      out.utilization_pct = Math.round(((Number(row.bytes) * 8) / seconds / speed) * 100 * 1000) / 1000;
    }
    return out;
  });
  return { ...r, columns: [...r.columns, 'speed_bps', 'utilization_pct'], rows };
}
