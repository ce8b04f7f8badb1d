import type { Client } from '@opensearch-project/opensearch';

/* Bulk requests and their answers, typed once for the indexer and the rollups. */

export interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

export interface BulkResponse {
  errors?: boolean;
  /** One per action, in request order, keyed by the action (`create`, `index`, `delete`). */
  items?: Record<string, BulkItemResult>[];
}

/** The result of each action of a bulk answer, in request order. */
export function itemResults(body: BulkResponse): (BulkItemResult | undefined)[] {
  return (body.items ?? []).map((i) => Object.values(i)[0]);
}

/** What a bulk response keeps: status and errors, which matters at tens of thousands of documents per second. */
const BULK_FILTER = 'errors,items.*.status,items.*.error';

/** Posts a prebuilt NDJSON body. */
export async function postBulk(client: Client, ndjson: string): Promise<BulkResponse> {
  const res = await client.transport.request({
    method: 'POST',
    path: '/_bulk',
    bulkBody: ndjson,
    querystring: { filter_path: BULK_FILTER },
  });
  return res.body as BulkResponse;
}

/** Sends action and document lines (objects) in one bulk request. */
export async function bulkLines(client: Client, lines: readonly unknown[]): Promise<BulkResponse> {
  const res = await client.bulk({ body: lines, filter_path: BULK_FILTER } as Parameters<Client['bulk']>[0]);
  return res.body;
}
