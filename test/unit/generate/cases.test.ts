import { Readable } from 'node:stream';
import { exportCases } from '../../../src/generate/cases';
import type { FlowRecord } from '../../../src/model/flow';
import { hydrate, normalize } from '../../../src/model/normalize';
import { pcapReader } from '../../../src/readers/pcap';
import { collect } from '../readers/support';

/** The encoder's convention captures decode to the flows they were built from. */
describe.each(exportCases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
  let records: FlowRecord[] = [];
  let rejects: string[] = [];

  beforeAll(async () => {
    records = [];
    rejects = [];
    for await (const item of pcapReader.read({ name: `${c.name}.pcap`, chunks: Readable.from([c.pcap]) }, {})) {
      if (item.kind === 'flow') records.push(item.record);
      else rejects.push(item.error.message);
    }
  });

  test('every record decodes, with the values encoded', () => {
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(c.flows.length);
    records.forEach((r, i) => expect(r).toMatchObject(c.flows[i] as Partial<FlowRecord>));
  });

  test('every record normalizes to a document', () => {
    for (const r of records) expect(() => normalize(r)).not.toThrow();
  });
});

test('documents carry the new fields in their ECS places', async () => {
  const c = exportCases().find((x) => x.name === 'ipfix-routing-fields');
  const got = await collect(
    pcapReader.read({ name: 'r.pcap', chunks: Readable.from([c?.pcap ?? Buffer.alloc(0)]) }, {}),
  );
  const doc = got.flows[1]?.doc;
  expect(doc).toMatchObject({
    source: { mac: '00-1B-21-3A-4F-5C', as: { number: 64500 } },
    destination: { mac: '00-1B-21-3A-4F-5D', as: { number: 4200000000 } },
    network: { vlan: { id: '10' } },
    observer: {
      ingress: { interface: { id: 2 ** 31 + 5, name: 'ae0.100' } },
      egress: { interface: { id: 17, name: 'xe-0/0/1' }, vlan: { id: '20' } },
    },
    flow: {
      next_hop: '198.51.100.1',
      bgp_next_hop: '198.51.100.2',
      physical_interface: { ingress: 1001, egress: 2003 },
      mpls: { top_label: 16004 },
      end_reason: 'end of flow',
      vrf: { ingress: 7, egress: 4000000000 },
    },
  });
});

test('ICMP documents keep ports 0 and hash type and code into the Community ID', async () => {
  const c = exportCases().find((x) => x.name === 'ipfix-icmp');
  const got = await collect(
    pcapReader.read({ name: 'i.pcap', chunks: Readable.from([c?.pcap ?? Buffer.alloc(0)]) }, {}),
  );
  const [, request, reply] = got.flows.map((f) => hydrate(f.doc));
  expect(request).toMatchObject({
    source: { port: 0 },
    destination: { port: 0 },
    flow: { icmp: { type: 128, code: 0 } },
  });
  // Echo request and reply are one conversation: the same Community ID from both sides.
  expect(request?.network.community_id).toBe(reply?.network.community_id);
  expect(request?.network.community_id).toMatch(/^1:/);
});

test('sFlow: the agent is the exporter, the UDP source is kept apart', async () => {
  const c = exportCases().find((x) => x.name === 'sflow-internal-interfaces');
  const got = await collect(
    pcapReader.read({ name: 's.pcap', chunks: Readable.from([c?.pcap ?? Buffer.alloc(0)]) }, {}),
  );
  expect(got.rejects).toEqual([]);
  expect(got.flows[0]?.doc.observer).toEqual({ ip: '192.0.2.55', egress: { interface: { id: 5 } } });
  expect(got.flows[0]?.doc.flow.sender_ip).toBe('192.0.2.20');
});
