import { isZero } from '../binary';
import { makeTemplate, TemplateCache, type ExportHeader, type Origin, type Sink } from './templates';

/** IPFIX (RFC 7011): 16-byte message header, then sets 2 (templates), 3 (options templates), ≥256 data. */
export const IPFIX_HEADER = 16;

/** Decodes one IPFIX message; returns its length so back-to-back messages in one buffer can follow. */
export function decodeIpfix(buf: Buffer, origin: Origin, cache: TemplateCache, sink: Sink): number {
  if (buf.length < IPFIX_HEADER) {
    sink.reject(`IPFIX message of ${buf.length} bytes is shorter than its 16-byte header`, origin, 0);
    return buf.length;
  }
  const declared = buf.readUInt16BE(2);
  // A message longer than the bytes present was cut short (capture snap length, file end); said once, below.
  const cut = declared > buf.length;
  let length = declared;
  if (declared < IPFIX_HEADER || cut) length = buf.length;
  if (declared < IPFIX_HEADER)
    sink.reject(
      `IPFIX message length ${declared} is shorter than its header; decoding the ${buf.length} bytes present`,
      origin,
      2,
    );
  const header: ExportHeader = { format: 'ipfix', exportMs: buf.readUInt32BE(4) * 1000, domain: buf.readUInt32BE(12) };
  const scope = TemplateCache.scope(origin.exporter, header);
  let o = IPFIX_HEADER;
  while (o + 4 <= length) {
    const id = buf.readUInt16BE(o);
    const len = buf.readUInt16BE(o + 2);
    if (len < 4 || o + len > length) {
      if (isZero(buf, o, length)) return length;
      if (cut && len >= 4 && o + len <= declared) {
        // The cut falls inside this set: the whole data records before it still decode.
        if (id >= 256) cache.dataSet(scope, id, buf, o + 4, length, header, origin, sink);
        sink.reject(
          `IPFIX message cut short: ${length} of its ${declared} bytes present, set ${id} lacks its last ${o + len - length}`,
          origin,
          length,
        );
        return length;
      }
      sink.reject(
        `set ${id} claims ${len} bytes but ${length - o} remain in the ${length}-byte message; rest skipped`,
        origin,
        o,
      );
      // The bytes the set overran into are part of this one problem, not the start of another message.
      return len < 4 ? length : Math.min(buf.length, Math.max(length, o + len));
    }
    const end = o + len;
    if (id === 2 || id === 3) templates(buf, o + 4, end, id === 3, scope, cache, sink, origin);
    else if (id >= 256) cache.dataSet(scope, id, buf, o + 4, end, header, origin, sink);
    o = end;
  }
  if (cut)
    sink.reject(
      `IPFIX message length ${declared} disagrees with the ${buf.length} bytes present; the sets present were decoded`,
      origin,
      2,
    );
  return length;
}

function templates(
  buf: Buffer,
  start: number,
  end: number,
  options: boolean,
  scope: string,
  cache: TemplateCache,
  sink: Sink,
  origin: Origin,
): void {
  let o = start;
  const headLen = options ? 6 : 4;
  while (o + headLen <= end) {
    const id = buf.readUInt16BE(o);
    const count = buf.readUInt16BE(o + 2);
    const scopeCount = options ? buf.readUInt16BE(o + 4) : 0;
    if (id < 256) return; // padding
    o += headLen;
    if (count === 0) {
      cache.withdraw(scope, id);
      continue;
    }
    const fields = [];
    for (let i = 0; i < count; i++) {
      if (o + 4 > end) {
        sink.reject(`template ${id} declares ${count} fields but its set ends after ${i}`, origin, o);
        return;
      }
      const raw = buf.readUInt16BE(o);
      const length = buf.readUInt16BE(o + 2);
      o += 4;
      let enterprise = 0;
      if (raw & 0x8000) {
        if (o + 4 > end) {
          sink.reject(`template ${id} field ${i} lacks its enterprise number`, origin, o);
          return;
        }
        enterprise = buf.readUInt32BE(o);
        o += 4;
      }
      // Scope fields have setters of their own so they cannot overwrite flow fields.
      fields.push({ id: raw & 0x7fff, enterprise, length, scope: i < scopeCount });
    }
    cache.define(scope, makeTemplate(id, fields, options, false), sink);
  }
}
