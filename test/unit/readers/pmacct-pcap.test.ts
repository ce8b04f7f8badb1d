import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { transportName } from '../../../src/model/protocols';
import { readFlows } from '../../../src/readers';
import type { FlowRecord } from '../../../src/model/flow';
import { describeWithData, SHARED_DATA } from './shared-data';

const DIR = path.join(SHARED_DATA, 'pcap/pmacct');

interface PmacctRow {
  ip_src: string;
  ip_dst: string;
  port_src: number;
  port_dst: number;
  ip_proto: string;
  iface_in: number;
  iface_out: number;
  packets: number;
  bytes: number;
}

/** pmacct multiplies counters by the sampling rate; flowdex keeps them as exported and records the rate. */
function key(r: {
  src: string;
  dst: string;
  sp: number;
  dp: number;
  proto: string;
  inIf: number;
  outIf: number;
  packets: number;
  bytes: number;
}): string {
  return `${r.src} ${r.sp} > ${r.dst} ${r.dp} ${r.proto} if ${r.inIf}/${r.outIf} ${r.packets}p ${r.bytes}B`;
}

async function decode(file: string): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const item of readFlows(file)) {
    if (item.kind === 'reject') throw item.error;
    out.push(item.record);
  }
  return out;
}

describeWithData('pmacct NetFlow v9 / IPFIX captures', () => {
  const tests = readdirSync(DIR).filter((d) => /^\d+-/.test(d));

  test.each(tests)('%s: same records and key fields as pmacct', async (t) => {
    const dir = path.join(DIR, t);
    const flows: FlowRecord[] = [];
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.pcap'))
      .sort())
      flows.push(...(await decode(path.join(dir, f))));
    const expected = readFileSync(path.join(dir, 'output-flow-00.json'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PmacctRow)
      .map((p) =>
        key({
          src: p.ip_src,
          dst: p.ip_dst,
          sp: p.port_src,
          dp: p.port_dst,
          proto: p.ip_proto,
          inIf: p.iface_in,
          outIf: p.iface_out,
          packets: p.packets,
          bytes: p.bytes,
        }),
      );
    const got = flows.map((f) => {
      const rate = f.samplingRate ?? 1;
      return key({
        src: f.srcIp ?? '',
        dst: f.dstIp ?? '',
        sp: f.srcPort ?? 0,
        dp: f.dstPort ?? 0,
        proto: transportName(f.protocol ?? -1),
        inIf: f.inputInterface ?? 0,
        outIf: f.outputInterface ?? 0,
        packets: (f.srcPackets ?? 0) * rate,
        bytes: (f.srcBytes ?? 0) * rate,
      });
    });
    expect(got.sort()).toEqual(expected.sort());
    for (const f of flows) expect(f.exporter).toMatch(/[.:]/);
  });

  test('104: the IPFIX options record sets sampling 1-in-256 (interval 1, space 255) on each flow', async () => {
    const flows = await decode(path.join(DIR, '104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap'));
    expect(flows.map((f) => f.samplingRate)).toEqual([256, 256, 256]);
  });
});
