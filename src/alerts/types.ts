import type { CollectorStats } from '../collect/stats';
import type { ReportRequest, ReportResult } from '../report/run-report';
import type { AggregationDsl, CompositeKey } from '../query/dsl';
import type { TimeRange } from '../model/time';

/**
 * What a monitor can be split by, giving one alert per offending group (like OpenSearch
 * Alerting's bucket monitors). Each names the key columns its findings carry.
 */
export type GroupName = 'source' | 'destination' | 'pair' | 'service' | 'app' | 'exporter';
export const GROUPS: readonly GroupName[] = ['source', 'destination', 'pair', 'service', 'app', 'exporter'];

/** Detector parameters: flat numbers, strings and flags, each with a documented default. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** A key column value: an address, a port, a name; null where the flow had none. */
export type KeyValue = string | number | null;
export type FindingKey = Record<string, KeyValue>;

export type Severity = 'low' | 'medium' | 'high';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

/** One offending key in one evaluation window. */
export interface Finding {
  /** Identifies the offender (`{}` for a monitor without groups); alerts are deduplicated by it. */
  key: FindingKey;
  /** The measured value and the limit it crossed, in the detector's unit. */
  value: number;
  threshold: number;
  severity: Severity;
  /** One line for people: what happened, with numbers. */
  message: string;
  /** A finer label when a detector tells kinds apart (e.g. `udp-amplification`). */
  kind?: string;
}

/** A report request within the window, the monitor's query ANDed to the report's own. */
export type WindowReport = Omit<ReportRequest, 'from' | 'to'> & { range?: TimeRange };

/**
 * What a detector sees: its monitor, validated parameters, the window, and ways to read flows.
 * Reports go through the report execution (rollups where they cover the request, raw flows
 * otherwise); `aggregate` runs aggregations on raw flows for what no report answers.
 */
export interface DetectorContext {
  monitor: Monitor;
  params: Params;
  /** The window being evaluated, `[from, to)`. */
  window: TimeRange;
  /** Window length in seconds, for rates. */
  seconds: number;
  /** The monitor's filter in the query language (may be empty). */
  query: string;
  group?: GroupName;
  report(req: WindowReport): Promise<ReportResult>;
  /**
   * Aggregations over raw flows of `range` (default: the window) matching the monitor's query and
   * `extra` (query language). Returns the `aggregations` object of the answer.
   */
  aggregate<T>(aggs: Record<string, AggregationDsl>, o?: { range?: TimeRange; extra?: string }): Promise<T>;
  /** Every bucket of a composite aggregation over raw flows, paged to completion. */
  composite(
    sources: Record<string, { field: string; interval?: number }>,
    sub: Record<string, AggregationDsl>,
    o?: { range?: TimeRange; extra?: string },
  ): Promise<CompositeRow[]>;
  /** The latest stats every collector on this prefix wrote to the state index. */
  collectors(): Promise<CollectorStats[]>;
}

/** A composite bucket: its key, flow count and the values of its sub-aggregations. */
export interface CompositeRow {
  key: CompositeKey;
  flows: number;
  values: Record<string, number>;
}

/**
 * A detector: built-in or from a user module — the same interface. `evaluate` returns the
 * window's findings; it must not write anything (the runner keeps state and notifies).
 */
export interface Detector {
  name: string;
  description: string;
  /** Schedule a monitor gets when it names none. */
  schedule: string;
  /** Every parameter with its default; a monitor may only set these, with the same types. */
  defaults: Params;
  /** Groups the detector supports; empty when it decides its own key (scans, volumetric). */
  groups: readonly GroupName[];
  evaluate(ctx: DetectorContext): Promise<Finding[]>;
}

/** A stored monitor (`<prefix>monitors`). */
export interface Monitor {
  name: string;
  /** Document id: the name in lower case, other runs of characters as `-`. */
  slug: string;
  description: string;
  /** Window length and evaluation period, e.g. `1m`. */
  schedule: string;
  query: string;
  detector: string;
  /** Only the parameters set on this monitor; the detector's defaults fill the rest. */
  params: Params;
  group?: GroupName;
  enabled: boolean;
  created: string;
  updated: string;
}

export interface MonitorInput {
  name: string;
  detector: string;
  description?: string;
  schedule?: string;
  query?: string;
  params?: Params;
  group?: GroupName;
  enabled?: boolean;
}

export type AlertState = 'active' | 'acknowledged' | 'resolved';

export interface AlertHistoryEntry {
  at: string;
  state: AlertState;
  note: string;
}

/** One alert (`<prefix>alerts`): a monitor's key from first finding until resolved. */
export interface Alert {
  id: string;
  monitor: string;
  detector: string;
  /** Stable hash of the key: the deduplication identity within a monitor. */
  key_hash: string;
  key: FindingKey;
  kind?: string;
  state: AlertState;
  severity: Severity;
  message: string;
  value: number;
  threshold: number;
  /** Start of the first window with a finding; end of the last one. */
  first_seen: string;
  last_seen: string;
  /** Windows with a finding. */
  windows: number;
  /** Consecutive windows without a finding since the last one. */
  clean: number;
  /** Times the alert came back soon after resolving (flapping, not re-notified). */
  flaps: number;
  resolved_at?: string;
  /** The explorer, filtered to the key and time of the alert. */
  link: string;
  history: AlertHistoryEntry[];
}

/** What notifications carry: the alert after the change, and which change. */
export interface AlertEvent {
  event: 'raised' | 'resolved';
  alert: Alert;
}
