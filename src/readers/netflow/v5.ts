import type { FlowRecord } from '../../model/flow';
import { ipv4String } from '../binary';
import { icmpFields, type Origin, type Sink } from './templates';

/** NetFlow v5: fixed 24-byte header and 48-byte records. */
export const V5_HEADER = 24;
export const V5_RECORD = 48;

export function decodeV5(buf: Buffer, origin: Origin, sink: Sink): void {
  if (buf.length < V5_HEADER) {
    sink.reject(`NetFlow v5 datagram of ${buf.length} bytes is shorter than its 24-byte header`, origin, 0);
    return;
  }
  const count = buf.readUInt16BE(2);
  const sysUptime = buf.readUInt32BE(4);
  const exportMs = buf.readUInt32BE(8) * 1000 + Math.floor(buf.readUInt32BE(12) / 1e6);
  // Top two bits are the sampling mode (0 none, 1 deterministic, 2 random), the low 14 the interval.
  // Mode 0 with an interval is what many exporters send for 1-in-N; only an interval of 0 or 1 means unsampled.
  const interval = buf.readUInt16BE(22) & 0x3fff;
  const boot = exportMs - sysUptime;
  const present = Math.min(count, Math.floor((buf.length - V5_HEADER) / V5_RECORD));
  for (let i = 0; i < present; i++) {
    const o = V5_HEADER + i * V5_RECORD;
    const r: FlowRecord = {
      format: 'netflow-v5',
      srcIp: ipv4String(buf, o),
      dstIp: ipv4String(buf, o + 4),
      inputInterface: buf.readUInt16BE(o + 12),
      outputInterface: buf.readUInt16BE(o + 14),
      srcPackets: buf.readUInt32BE(o + 16),
      srcBytes: buf.readUInt32BE(o + 20),
      start: boot + uptimeBefore(sysUptime, buf.readUInt32BE(o + 24)),
      end: boot + uptimeBefore(sysUptime, buf.readUInt32BE(o + 28)),
      srcPort: buf.readUInt16BE(o + 32),
      dstPort: buf.readUInt16BE(o + 34),
      tcpFlags: buf[o + 37],
      protocol: buf[o + 38],
      tos: buf[o + 39],
    };
    if (r.protocol === 1 || r.protocol === 58) icmpFields(r, undefined);
    if (interval > 0) r.samplingRate = interval;
    if (origin.exporter !== undefined) r.exporter = origin.exporter;
    sink.flow(r, origin, o);
  }
  // A count that lies is one problem, not thousands of missing records.
  if (present < count) {
    sink.reject(
      `NetFlow v5 header counts ${count} records but the datagram holds ${present} (truncated or bad count)`,
      origin,
      V5_HEADER + present * V5_RECORD,
    );
  }
  const whole = Math.floor((buf.length - V5_HEADER) / V5_RECORD);
  if (whole > count) {
    sink.reject(
      `NetFlow v5 datagram holds ${whole} records but its header counts ${count}; the ${whole - count} after them are not decoded`,
      origin,
      V5_HEADER + count * V5_RECORD,
    );
  }
}

/** An uptime stamp as ms since boot, allowing for the 32-bit wrap before export time. */
function uptimeBefore(sysUptime: number, t: number): number {
  return t > sysUptime && t - sysUptime > 0x80000000 ? t - 4294967296 : t;
}
