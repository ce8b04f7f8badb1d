import { isZero } from '../binary';
import { makeTemplate, TemplateCache, type ExportHeader, type Origin, type Sink } from './templates';

/** NetFlow v9 (RFC 3954): 20-byte header, then flowsets 0 (templates), 1 (options templates), ≥256 data. */
export const V9_HEADER = 20;

export function decodeV9(buf: Buffer, origin: Origin, cache: TemplateCache, sink: Sink): void {
  if (buf.length < V9_HEADER) {
    sink.reject(`NetFlow v9 datagram of ${buf.length} bytes is shorter than its 20-byte header`, origin, 0);
    return;
  }
  const header: ExportHeader = {
    format: 'netflow-v9',
    sysUptime: buf.readUInt32BE(4),
    exportMs: buf.readUInt32BE(8) * 1000,
    domain: buf.readUInt32BE(16),
  };
  const scope = TemplateCache.scope(origin.exporter, header);
  let o = V9_HEADER;
  while (o + 4 <= buf.length) {
    const id = buf.readUInt16BE(o);
    const len = buf.readUInt16BE(o + 2);
    if (len < 4 || o + len > buf.length) {
      // Exporters pad datagrams with zeros after the last flowset; that is not an error.
      if (isZero(buf, o, buf.length)) return;
      sink.reject(
        `flowset ${id} claims ${len} bytes but ${buf.length - o} remain; rest of datagram skipped`,
        origin,
        o,
      );
      return;
    }
    const end = o + len;
    const set: FlowSet = { buf, start: o + 4, end, scope, cache, sink, origin };
    if (id === 0) templates(set);
    else if (id === 1) optionTemplates(set);
    else if (id >= 256) cache.dataSet(scope, id, buf, o + 4, end, header, origin, sink);
    o = end;
  }
}

/** A template or options-template flowset: its bytes and where its templates go. */
interface FlowSet {
  buf: Buffer;
  start: number;
  end: number;
  scope: string;
  cache: TemplateCache;
  sink: Sink;
  origin: Origin;
}

function templates({ buf, start, end, scope, cache, sink, origin }: FlowSet): void {
  let o = start;
  while (o + 4 <= end) {
    const id = buf.readUInt16BE(o);
    const count = buf.readUInt16BE(o + 2);
    if (id < 256) return; // padding
    if (o + 4 + count * 4 > end) {
      sink.reject(`template ${id} declares ${count} fields but its flowset ends first`, origin, o);
      return;
    }
    const fields = [];
    for (let i = 0; i < count; i++) {
      const p = o + 4 + i * 4;
      fields.push({ id: buf.readUInt16BE(p), enterprise: 0, length: buf.readUInt16BE(p + 2) });
    }
    cache.define(scope, makeTemplate(id, fields, false, true), sink);
    o += 4 + count * 4;
  }
}

function optionTemplates({ buf, start, end, scope, cache, sink, origin }: FlowSet): void {
  let o = start;
  while (o + 6 <= end) {
    const id = buf.readUInt16BE(o);
    const scopeLen = buf.readUInt16BE(o + 2);
    const optLen = buf.readUInt16BE(o + 4);
    if (id < 256) return;
    if (scopeLen % 4 || optLen % 4 || o + 6 + scopeLen + optLen > end) {
      sink.reject(
        `options template ${id} has scope length ${scopeLen} and option length ${optLen} that do not fit its flowset`,
        origin,
        o,
      );
      return;
    }
    const fields = [];
    for (let p = o + 6; p < o + 6 + scopeLen + optLen; p += 4) {
      // Scope types (system, interface…) have setters of their own; ids 1–5 would collide with flow fields.
      fields.push({
        id: buf.readUInt16BE(p),
        enterprise: 0,
        length: buf.readUInt16BE(p + 2),
        scope: p < o + 6 + scopeLen,
      });
    }
    cache.define(scope, makeTemplate(id, fields, true, true), sink);
    o += 6 + scopeLen + optLen;
    // Options templates are padded to 4 bytes.
    if (end - o < 6) return;
  }
}
