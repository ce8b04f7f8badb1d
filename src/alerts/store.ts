import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { getDocument, indexDocuments, searchHits, toFlowdexError } from '../store/client';
import { alertsIndex as alertsIndexOf } from '../store/indices';
import { acknowledge } from './lifecycle';
import type { Alert, AlertState } from './types';

/** Most alerts one listing returns. */
export const MAX_ALERTS = 1000;

export function alertsIndex(cfg: FlowdexConfig): string {
  return alertsIndexOf(cfg.prefix);
}

type Stored = Omit<Alert, 'id'>;

function alertsOf(hits: readonly { _id: string; _source: Stored }[]): Alert[] {
  return hits.map((h) => ({ ...h._source, id: h._id }));
}

/** Writes alerts as they are now (one bulk request, visible to the next read). */
export async function saveAlerts(client: Client, cfg: FlowdexConfig, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  let failed;
  try {
    const docs = alerts.map(({ id, ...doc }) => ({ id, doc }));
    failed = await indexDocuments(client, alertsIndex(cfg), docs, { refresh: true });
  } catch (e) {
    throw toFlowdexError(e, cfg, 'save alerts');
  }
  if (failed) throw new FlowdexError('OPENSEARCH_ERROR', `alert ${failed.id} not saved: ${failed.reason}`);
}

/** A monitor's open alerts and those resolved since `since` (epoch ms), for the lifecycle. */
export async function knownAlerts(
  client: Client,
  cfg: FlowdexConfig,
  monitor: string,
  since: number,
): Promise<Alert[]> {
  try {
    const hits = await searchHits<Stored>(client, alertsIndex(cfg), {
      size: 10000,
      query: {
        bool: {
          filter: [{ term: { monitor } }],
          should: [
            { bool: { must_not: [{ term: { state: 'resolved' } }] } },
            { range: { resolved_at: { gte: since, format: 'epoch_millis' } } },
          ],
          minimum_should_match: 1,
        },
      },
    });
    return alertsOf(hits);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'read alerts');
  }
}

export interface AlertFilter {
  states?: readonly AlertState[];
  monitor?: string;
  /** @default 100 */
  limit?: number;
}

/** Alerts newest first (by last window seen). */
export async function listAlerts(client: Client, cfg: FlowdexConfig, f: AlertFilter = {}): Promise<Alert[]> {
  const filter: object[] = [];
  if (f.states && f.states.length) filter.push({ terms: { state: [...f.states] } });
  if (f.monitor) filter.push({ term: { monitor: f.monitor } });
  try {
    const hits = await searchHits<Stored>(client, alertsIndex(cfg), {
      size: Math.min(f.limit ?? 100, MAX_ALERTS),
      sort: [{ last_seen: 'desc' }, { first_seen: 'desc' }],
      query: { bool: { filter } },
    });
    return alertsOf(hits);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'list alerts');
  }
}

export async function getAlert(client: Client, cfg: FlowdexConfig, id: string): Promise<Alert> {
  let stored: Stored | undefined;
  try {
    stored = await getDocument<Stored>(client, alertsIndex(cfg), id);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'get alert');
  }
  if (stored === undefined) throw new FlowdexError('ALERT_NOT_FOUND', `no alert "${id}"`, { field: 'id' });
  return { ...stored, id };
}

/** Acknowledges an active alert; acknowledging one already acknowledged or resolved changes nothing. */
export async function acknowledgeAlert(
  client: Client,
  cfg: FlowdexConfig,
  id: string,
  now: number = Date.now(),
  note?: string,
): Promise<Alert> {
  const a = await getAlert(client, cfg, id);
  const next = acknowledge(a, now, note);
  if (next !== a) await saveAlerts(client, cfg, [next]);
  return next;
}
