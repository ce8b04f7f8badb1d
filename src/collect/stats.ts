import type { ExporterSnapshot } from './exporters';
import type { SpoolStats } from './spool';

/** What `GET /api/collector`, the Status page and the state index show of a running collector. */
export interface CollectorStats {
  name: string;
  started: string;
  updated: string;
  listeners: {
    listen: string;
    address: string;
    port: number;
    family: string;
    recv_buffer_bytes: number;
    kernel_drops: number | null;
  }[];
  totals: {
    datagrams: number;
    bytes: number;
    datagrams_per_s: number;
    flows: number;
    flows_per_s: number;
    indexed: number;
    duplicates: number;
    rejected: number;
    bad_datagrams: number;
    sequence_lost: number;
    kernel_drops: number;
  };
  spool: SpoolStats;
  /** `ok`, or why writes are waiting (OpenSearch slow or down). */
  opensearch: string;
  exporters: ExporterSnapshot[];
}

function n(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The periodic one-line status on stderr. */
export function statusLine(s: CollectorStats): string {
  const t = s.totals;
  const spool = `spool ${mib(s.spool.bytes)} in ${s.spool.segments} segment${s.spool.segments === 1 ? '' : 's'}${s.spool.refused ? `, ${n(s.spool.refused)} refused (full)` : ''}`;
  return (
    `collect: ${n(t.flows_per_s)} flows/s, ${n(t.datagrams_per_s)} datagrams/s, ${s.exporters.length} exporter${s.exporters.length === 1 ? '' : 's'}; ` +
    `lost ${n(t.sequence_lost)} (sequence) ${n(t.kernel_drops)} (kernel drops); ${spool}; ` +
    `indexed ${n(t.indexed)}, duplicates ${n(t.duplicates)}, rejected ${n(t.rejected)}, bad datagrams ${n(t.bad_datagrams)}` +
    (s.opensearch === 'ok' ? '' : `; OpenSearch: ${s.opensearch}`)
  );
}
