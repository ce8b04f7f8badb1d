import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../../../src/config';
import { generateFlows } from '../../../src/generate/flows';
import type { FlowDoc, FlowRecord } from '../../../src/model/flow';
import { normalize } from '../../../src/model/normalize';
import { indexFor } from '../../../src/store/indices';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';

/**
 * A few thousand flows over three days: the generator's mix (IPv4, ~5 % IPv6, ICMP, DNS, web,
 * a scanner) plus LANL-style flows with device names and no IP, some without ports.
 */
export const DATA_START = Date.UTC(2024, 4, 1, 0, 0, 0);
export const DATA_SPAN = 3 * 86400000;

export interface Stored {
  id: string;
  doc: FlowDoc;
  time: number;
}

function deviceFlows(n: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const withPorts = i % 3 !== 0;
    out.push({
      format: 'lanl-csv',
      start: DATA_START + Math.floor((i * DATA_SPAN) / n) + 1234,
      end: DATA_START + Math.floor((i * DATA_SPAN) / n) + 1234 + (i % 50) * 1000,
      srcAddress: `Comp${String(i % 37).padStart(5, '0')}`,
      dstAddress: `Comp${String((i * 7) % 23).padStart(5, '0')}`,
      ...(withPorts ? { srcPort: 40000 + i, dstPort: [445, 80, 443][i % 3] } : {}),
      protocol: 6,
      srcBytes: 100 * (i % 11) + 40,
      dstBytes: 300 * (i % 5) + 40,
      srcPackets: 1 + (i % 4),
      dstPackets: 1 + (i % 6),
    });
  }
  return out;
}

export function buildDataset(flows: number, devices: number): Stored[] {
  const byId = new Map<string, Stored>();
  const records = [
    ...generateFlows({ flows, start: DATA_START, spanMs: DATA_SPAN, seed: 20240501 }),
    ...deviceFlows(devices),
  ];
  for (const r of records) {
    const { id, doc } = normalize(r);
    byId.set(id, { id, doc, time: Date.parse(doc['@timestamp']) });
  }
  return [...byId.values()];
}

/** Installs the templates for the prefix and bulk-indexes the flows into their daily indices. */
export async function indexDataset(client: Client, cfg: FlowdexConfig, data: readonly Stored[]): Promise<void> {
  const { client: c, info } = await connect(cfg);
  await setup(c, cfg, info);
  await c.close();
  for (let i = 0; i < data.length; i += 2000) {
    const body = data
      .slice(i, i + 2000)
      .flatMap((s) => [{ index: { _index: indexFor(cfg.prefix, s.time), _id: s.id } }, s.doc]);
    const res = await client.bulk({ body });
    if ((res.body as { errors: boolean }).errors) throw new Error('bulk indexing of the test dataset failed');
  }
  await client.indices.refresh({ index: `${cfg.prefix}flows-*` });
}

// Independent helpers over stored documents, written without the query code.

function v6Words(ip: string): bigint {
  const [head = '', tail] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return words.reduce((acc, w) => (acc << 16n) | BigInt(parseInt(w, 16)), 0n);
}

function v4Number(ip: string): bigint {
  return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

export function inCidr(ip: string | undefined, cidr: string): boolean {
  if (ip === undefined) return false;
  const [net = '', bitsText] = cidr.split('/');
  const v6 = net.includes(':');
  if (v6 !== ip.includes(':')) return false;
  const width = v6 ? 128n : 32n;
  const bits = BigInt(bitsText ?? String(width));
  const toNum = v6 ? v6Words : v4Number;
  const shift = width - bits;
  return toNum(ip) >> shift === toNum(net) >> shift;
}

/** `ip ?? address`, as the reports' address columns read it. */
export function addr(side: FlowDoc['source']): string | null {
  return side.ip ?? side.address ?? null;
}
