import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { FlowdexError } from '../errors';
import { toFlowdexError } from '../store/client';
import { alertsIndex as alertsIndexOf } from '../store/indices';
import { acknowledge } from './lifecycle';
import type { Alert, AlertState } from './types';

/** Most alerts one listing returns. */
export const MAX_ALERTS = 1000;

export function alertsIndex(cfg: FlowdexConfig): string {
  return alertsIndexOf(cfg.prefix);
}

interface Hit {
  _id: string;
  _source: Omit<Alert, 'id'>;
}

function hitsOf(body: unknown): Alert[] {
  return ((body as { hits?: { hits: Hit[] } }).hits?.hits ?? []).map((h) => ({ ...h._source, id: h._id }));
}

/** Writes alerts as they are now (one bulk request, visible to the next read). */
export async function saveAlerts(client: Client, cfg: FlowdexConfig, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  const body = alerts.flatMap(({ id, ...doc }) => [{ index: { _index: alertsIndex(cfg), _id: id } }, doc]);
  let res;
  try {
    res = await client.bulk({ body, refresh: true });
  } catch (e) {
    throw toFlowdexError(e, cfg, 'save alerts');
  }
  const failed = (
    res.body as { errors?: boolean; items?: { index?: { _id?: string; error?: { reason?: string } } }[] }
  ).items?.find((i) => i.index?.error);
  if (failed)
    throw new FlowdexError(
      'OPENSEARCH_ERROR',
      `alert ${failed.index?._id} not saved: ${failed.index?.error?.reason ?? 'unknown reason'}`,
    );
}

/** A monitor's open alerts and those resolved since `since` (epoch ms), for the lifecycle. */
export async function knownAlerts(
  client: Client,
  cfg: FlowdexConfig,
  monitor: string,
  since: number,
): Promise<Alert[]> {
  try {
    const res = await client.search(
      {
        index: alertsIndex(cfg),
        body: {
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
        },
      },
      { ignore: [404] },
    );
    return hitsOf(res.body);
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
    const res = await client.search(
      {
        index: alertsIndex(cfg),
        body: {
          size: Math.min(f.limit ?? 100, MAX_ALERTS),
          sort: [{ last_seen: 'desc' }, { first_seen: 'desc' }],
          query: { bool: { filter } },
        },
      },
      { ignore: [404] },
    );
    return hitsOf(res.body);
  } catch (e) {
    throw toFlowdexError(e, cfg, 'list alerts');
  }
}

export async function getAlert(client: Client, cfg: FlowdexConfig, id: string): Promise<Alert> {
  let body: { found?: boolean; _source?: Omit<Alert, 'id'> };
  try {
    body = (await client.get({ index: alertsIndex(cfg), id }, { ignore: [404] })).body;
  } catch (e) {
    throw toFlowdexError(e, cfg, 'get alert');
  }
  if (!body.found || body._source === undefined)
    throw new FlowdexError('ALERT_NOT_FOUND', `no alert "${id}"`, { field: 'id' });
  return { ...body._source, id };
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
