import { Readable } from 'node:stream';
import type { FlowRecord } from '../../../src/model/flow';
import { writeGenerated, type GenerateFormat } from '../../../src/generate/output';
import { generateFlows } from '../../../src/generate/flows';
import { v5Records } from '../../../src/generate/encode-netflow';
import { pcapReader } from '../../../src/readers/pcap';

const OPTS = { flows: 500, start: Date.UTC(2024, 2, 1), spanMs: 86_400_000, seed: 42 };

async function roundTrip(format: GenerateFormat): Promise<FlowRecord[]> {
  const chunks: Buffer[] = [];
  await writeGenerated(format, OPTS, (c) => void chunks.push(Buffer.from(c)));
  const out: FlowRecord[] = [];
  for await (const item of pcapReader.read({ name: 'mem.pcap', chunks: Readable.from([Buffer.concat(chunks)]) }, {})) {
    if (item.kind === 'reject') throw item.error;
    out.push(item.record);
  }
  return out;
}

function key(r: FlowRecord): string {
  return [
    r.srcIp,
    r.dstIp,
    r.srcPort,
    r.dstPort,
    r.icmpType,
    r.icmpCode,
    r.protocol,
    r.srcBytes,
    r.srcPackets,
    r.dstBytes ?? 0,
    r.dstPackets ?? 0,
    r.start,
    r.end,
    r.tcpFlags ?? 0,
  ].join(' ');
}

describe('generated pcaps decode back to the generated flows', () => {
  const flows = [...generateFlows(OPTS)];

  test('the generator is deterministic and shaped', () => {
    expect([...generateFlows(OPTS)].map(key)).toEqual(flows.map(key));
    const v6 = flows.filter((f) => f.srcIp?.includes(':')).length;
    expect(v6 / flows.length).toBeGreaterThan(0.02);
    expect(v6 / flows.length).toBeLessThan(0.1);
    for (let i = 1; i < flows.length; i++) expect(flows[i]!.start).toBeGreaterThanOrEqual(flows[i - 1]!.start);
  });

  test.each(['netflow-v9-pcap', 'ipfix-pcap'] as const)('%s', async (format) => {
    const got = await roundTrip(format);
    expect(got.map(key).sort()).toEqual(flows.map(key).sort());
    expect(got.filter((g) => g.app).length).toBe(flows.filter((f) => f.app).length);
  });

  test('netflow-v5-pcap: one record per direction, IPv4 only', async () => {
    const got = await roundTrip('netflow-v5-pcap');
    const want = flows.flatMap(v5Records).map((r) => ({ ...r, dstBytes: undefined, dstPackets: undefined }));
    expect(got.map(key).sort()).toEqual(want.map(key).sort());
  });
});
