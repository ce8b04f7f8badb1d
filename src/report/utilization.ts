import { canonicalIp } from '../enrich/ip';
import { enrichConfig } from '../enrich/pipeline';
import { loadSiteConfig, type ExporterDef } from '../enrich/site-config';
import type { BoundedRow, ReportResult } from '../query/reports';

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

/**
 * The top-interfaces report with each interface's configured speed (`speed_bps`) and its mean
 * input utilization over the report's range (`utilization_pct`: bytes × 8 / seconds / speed),
 * empty where no speed is configured. Other reports come back as they are.
 */
export function withUtilization(r: ReportResult, speeds: InterfaceSpeeds): ReportResult {
  if (r.report !== 'top-interfaces') return r;
  const seconds = (r.range.to - r.range.from) / 1000;
  const rows = r.rows.map((row): BoundedRow => {
    const speed =
      typeof row.exporter === 'string' && typeof row.interface === 'number'
        ? speeds(row.exporter, row.interface)
        : undefined;
    const out: BoundedRow = Object.assign({}, row, { speed_bps: null, utilization_pct: null });
    if (speed !== undefined && seconds > 0) {
      out.speed_bps = speed;
      out.utilization_pct = Math.round(((Number(row.bytes) * 8) / seconds / speed) * 100 * 1000) / 1000;
    }
    return out;
  });
  return { ...r, columns: [...r.columns, 'speed_bps', 'utilization_pct'], rows };
}
