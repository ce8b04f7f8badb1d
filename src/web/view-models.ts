import { columnFields, getPath, type FieldDef } from '../model/fields';
import { endpointName } from '../model/endpoint';
import type { FlowDoc } from '../model/flow';
import { parseTimeRange } from '../query';
import { autoInterval } from '../query/units';
import { flagColumn } from '../query/flags';
import type { ReportResult } from '../report/run-report';
import { formatBytes, formatDurationNs, formatMetric, formatNumber, formatTime } from './format';
import { estimateText, ratesText } from '../query/sampling';
import type { ChartModel } from './views';

/** The interval for the range given as typed, read with the same `now` the core will use. */
export function intervalFor(from: string | undefined, to: string | undefined, now: number): string {
  return autoInterval(parseTimeRange(from, to, now));
}

export const TIME_PRESETS = [
  { label: 'last 1 h', from: 'now-1h' },
  { label: 'last 24 h', from: 'now-24h' },
  { label: 'last 7 d', from: 'now-7d' },
  { label: 'last 30 d', from: 'now-30d' },
];

/** "source" columns show the ip, else the device name (DESIGN §7 "address"). */
export function addressOf(end: FlowDoc['source']): string {
  return endpointName(end) ?? '';
}

/** Country and AS of one end, shown beside its address (` · US · AS15169 Google LLC`); empty when not enriched. */
export function endpointTag(end: FlowDoc['source']): string {
  const parts = [
    end.geo?.country_iso_code,
    end.as?.number !== undefined
      ? `AS${end.as.number}${end.as.organization?.name ? ` ${end.as.organization.name}` : ''}`
      : undefined,
  ];
  const shown = parts.filter((p): p is string => p !== undefined);
  return shown.length > 0 ? ` · ${shown.join(' · ')}` : '';
}

/** A results-table cell: addresses carry their country and AS. */
export function tableCellText(f: FieldDef, doc: FlowDoc): string {
  if (f.name === 'source.ip') return addressOf(doc.source) + endpointTag(doc.source);
  if (f.name === 'destination.ip') return addressOf(doc.destination) + endpointTag(doc.destination);
  return cellText(f, doc);
}

export function columnLabel(f: FieldDef): string {
  return f.label ?? f.name;
}

/** One table cell, formatted by the field's type and unit. */
export function cellText(f: FieldDef, doc: FlowDoc): string {
  if (f.name === 'source.ip') return addressOf(doc.source);
  if (f.name === 'destination.ip') return addressOf(doc.destination);
  const v = getPath(doc, f.name);
  if (v === undefined || v === null) return '';
  if (f.type === 'date' && (typeof v === 'string' || typeof v === 'number')) return formatTime(v);
  if (typeof v === 'number') {
    // TCP flags as nfdump prints them (`...AP.SF`), not the number 27.
    if (f.name === 'flow.tcp_flags') return flagColumn(v);
    if (f.unit === 'bytes') return formatBytes(v);
    if (f.unit === 'duration_ns') return formatDurationNs(v);
    if (f.unit === 'count') return formatNumber(v);
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are JSON above; what is left is a scalar
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function isNumeric(f: FieldDef): boolean {
  return f.type === 'long' || f.type === 'integer' || f.type === 'short' || f.type === 'float';
}

export const TABLE_COLUMNS: readonly FieldDef[] = columnFields();

/** A time series report as a chart: `column` over time. */
export function seriesChart(
  r: ReportResult,
  column: string,
  kind: ChartModel['kind'],
  title: string,
  size: Pick<ChartModel, 'width' | 'height'> = {},
): ChartModel {
  return {
    ...size,
    kind,
    title,
    unit: column.startsWith('bytes') ? 'bytes' : 'count',
    stepMs: r.interval_ms,
    points: r.rows.map((row) => ({ t: Date.parse(String(row.time)), v: Number(row[column] ?? 0) })),
  };
}

export interface TopTable {
  columns: string[];
  rows: { cells: { text: string; numeric: boolean; href?: string }[]; fraction: number }[];
}

/** A top-N report as table rows with a bar for the ranking metric; addresses link to host pages (keeping `range`, a query string). */
export function topTable(r: ReportResult, metric: string, range = ''): TopTable {
  const max = Math.max(0, ...r.rows.map((row) => Number(row[metric] ?? 0)));
  return {
    columns: r.columns,
    rows: r.rows.map((row) => ({
      fraction: max > 0 ? Number(row[metric] ?? 0) / max : 0,
      cells: r.columns.map((c) => {
        const v = row[c] ?? null;
        const isAddress = (c === 'source' || c === 'destination') && typeof v === 'string';
        const shown = typeof v === 'number' ? formatMetric(c, v) : v === null ? '—' : v;
        // Sampled rows: ≈ estimate ± its 95 % bound; ~ where the order against the next row is open.
        const estimated = estimateText(row, c, (n) => formatMetric(c, n))
          ?.replace(/^≈/, '≈ ')
          .replace(' ±', ' ± ');
        const open = c === metric && row.error?.overlaps_next ? ' ~' : '';
        return {
          text: (estimated ?? shown) + open,
          numeric: typeof v === 'number',
          ...(isAddress ? { href: `/host/${encodeURIComponent(v)}${range}` } : {}),
        };
      }),
    })),
  };
}

/** What a panel says about a sampled answer: the rates that applied and its total with bounds. */
export interface SamplingNote {
  rates: string;
  total: string;
}

export function samplingNote(r: ReportResult): SamplingNote | undefined {
  if (!r.sampled) return undefined;
  const total = r.total;
  const part = (c: string) =>
    total
      ? `${c} ${(estimateText(total, c, (n) => formatMetric(c, n)) ?? formatMetric(c, Number(total[c] ?? 0))).replace(/^≈/, '≈ ').replace(' ±', ' ± ')}`
      : '';
  return {
    rates: ratesText(r.sampling_rates ?? []),
    total: total ? ['flows', 'bytes', 'packets'].map(part).join(', ') : '',
  };
}
