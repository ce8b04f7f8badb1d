import type { SourceLocation } from '../model/flow';
import type { FlowFacts } from '../rollup/partials';
import type { BulkItemResult, BulkResponse } from '../store/bulk';
import { isBlock } from '../store/failures';

/** One document on its way to OpenSearch, with what is needed to account for it afterwards. */
export interface BulkEntry {
  index: string;
  id: string;
  /** The document, already serialized. */
  source: string;
  /** `@timestamp` in epoch ms (for dirty-bucket bookkeeping). */
  ts: number;
  loc: SourceLocation;
  /** What rollups keep of the flow, when the run maintains them. */
  facts?: FlowFacts;
}

/** Documents collected until the batch is big or old enough to send. */
export class Batch {
  readonly entries: BulkEntry[] = [];
  bytes = 0;
  readonly createdAt = Date.now();

  add(e: BulkEntry): void {
    this.entries.push(e);
    // Action line overhead is ~60 bytes; exactness does not matter for a flush threshold.
    this.bytes += e.source.length + e.index.length + e.id.length + 40;
  }

  get size(): number {
    return this.entries.length;
  }
}

/** `create` (never `index`) so that a document whose id exists is refused, not overwritten. */
export function bulkBody(entries: readonly BulkEntry[]): string {
  let body = '';
  for (const e of entries)
    body += `{"create":{"_index":${JSON.stringify(e.index)},"_id":${JSON.stringify(e.id)}}}\n${e.source}\n`;
  return body;
}

export type ItemOutcome =
  | { kind: 'indexed' }
  | { kind: 'duplicate' }
  | { kind: 'retry'; reason: string }
  | { kind: 'rejected'; reason: string };

function reasonOf(r: BulkItemResult): string {
  const e = r.error;
  if (!e) return `HTTP ${r.status ?? '?'}`;
  const cause = e.caused_by ? ` (${e.caused_by.type ?? ''}: ${e.caused_by.reason ?? ''})` : '';
  return `${e.type ?? 'error'}: ${e.reason ?? ''}${cause}`;
}

/** Per-document outcome of a bulk response, in request order. */
export function classifyItem(r: BulkItemResult | undefined): ItemOutcome {
  const status = r?.status;
  if (r === undefined || status === undefined)
    return { kind: 'rejected', reason: 'no result for this document in the bulk response' };
  if (status === 200 || status === 201) return { kind: 'indexed' };
  if (status === 409) return { kind: 'duplicate' };
  // es_rejected_execution: the write queue is full; a block: writes are refused until it is lifted.
  // Either way the document is fine, try it again later.
  if (status === 429 || isBlock(r.error?.type)) return { kind: 'retry', reason: reasonOf(r) };
  return { kind: 'rejected', reason: reasonOf(r) };
}

export function classifyResponse(body: BulkResponse, count: number): ItemOutcome[] {
  if (body.errors === false) return new Array<ItemOutcome>(count).fill({ kind: 'indexed' });
  const items = body.items ?? [];
  const out: ItemOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const item = items[i];
    out.push(classifyItem(item ? Object.values(item)[0] : undefined));
  }
  return out;
}
