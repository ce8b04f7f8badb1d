import { FlowdexError } from '../errors';
import type { FlowRecord } from '../model/flow';
import { TemplateEncoder, V5Encoder, V9_PER_DATAGRAM, type ExportClock } from './encode-netflow';
import { lanlCsv, LANL_HEADER, nprobeJson } from './encode-text';
import { generateFlows, GENERATOR_EXPORTER, type GenerateOptions } from './flows';
import { PcapWriter } from './pcap-writer';

/** `flowdex generate` output formats: generated flows through an encoder into bytes. */
export const GENERATE_FORMATS = [
  'netflow-v5-pcap',
  'netflow-v9-pcap',
  'ipfix-pcap',
  'nprobe-json',
  'lanl-csv',
] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

/** v5/v9 uptimes are 32-bit milliseconds: a span beyond ~49 days cannot be expressed. */
const MAX_UPTIME_SPAN_MS = 45 * 86_400_000;

export interface GenerateResult {
  flows: number;
  /** Records written (v5 splits answered flows into two records and cannot carry IPv6). */
  records: number;
  bytes: number;
}

/**
 * Writes `opts.flows` generated flows in `format`, handing chunks to `emit` (which may apply
 * backpressure by returning a promise).
 */
export async function writeGenerated(
  format: GenerateFormat,
  opts: GenerateOptions,
  emit: (chunk: Buffer) => void | Promise<void>,
): Promise<GenerateResult> {
  const result: GenerateResult = { flows: 0, records: 0, bytes: 0 };
  const pending: Buffer[] = [];
  const out = (chunk: Buffer): void => {
    result.bytes += chunk.length;
    pending.push(chunk);
  };
  const drain = async (): Promise<void> => {
    for (const c of pending.splice(0)) await emit(c);
  };
  const flows = generateFlows(opts);
  if (format === 'nprobe-json' || format === 'lanl-csv') {
    let text = format === 'lanl-csv' ? LANL_HEADER + '\n' : '';
    for (const r of flows) {
      result.flows++;
      result.records++;
      text += (format === 'lanl-csv' ? lanlCsv(r, opts.start) : nprobeJson(r)) + '\n';
      if (text.length > 1 << 20) {
        out(Buffer.from(text));
        text = '';
        await drain();
      }
    }
    out(Buffer.from(text));
    await drain();
    return result;
  }
  if (opts.spanMs > MAX_UPTIME_SPAN_MS)
    throw new FlowdexError('BAD_REQUEST', `--span longer than 45 days does not fit NetFlow's 32-bit uptime clock`, {
      field: 'span',
    });
  const clock: ExportClock = { bootMs: Math.floor(opts.start / 1000) * 1000 - 3_600_000 };
  const pcap = new PcapWriter(GENERATOR_EXPORTER, out);
  if (format === 'netflow-v5-pcap') {
    const v5 = new V5Encoder(clock, (datagram, exportMs) => pcap.write(datagram, exportMs));
    for (const r of flows) {
      result.flows++;
      result.records += v5.add(r);
      if (pending.length) await drain();
    }
    v5.flush();
  } else {
    const templates = new TemplateEncoder(format === 'ipfix-pcap', clock);
    let batch: FlowRecord[] = [];
    const send = (): void => {
      result.records += batch.length;
      let last = 0;
      for (const r of batch) last = Math.max(last, r.end ?? r.start);
      pcap.write(templates.encode(batch), Math.ceil(last / 1000) * 1000);
      batch = [];
    };
    for (const r of flows) {
      result.flows++;
      batch.push(r);
      if (batch.length === V9_PER_DATAGRAM) send();
      if (pending.length) await drain();
    }
    if (batch.length) send();
  }
  pcap.flush();
  await drain();
  return result;
}
