import { TemplateEncoder } from '../../../src/generate/encode-netflow';
import { Enrichment } from '../../../src/enrich/pipeline';
import type { FlowDoc, FlowRecord } from '../../../src/model/flow';
import { normalize } from '../../../src/model/normalize';
import { ExportDecoder } from '../../../src/readers/export-decoder';

const START = Date.UTC(2026, 0, 5, 10);
const EXPORTER = '198.51.100.7';

function flow(i: number, input: number, output: number): FlowRecord {
  return {
    format: 'x',
    start: START + i * 1000,
    end: START + i * 1000 + 500,
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 40000 + i,
    dstPort: 443,
    protocol: 6,
    srcBytes: 100,
    srcPackets: 1,
    inputInterface: input,
    outputInterface: output,
  };
}

function decode(decoder: ExportDecoder, datagram: Buffer): FlowDoc[] {
  return decoder.decode(Buffer.from(datagram), { file: 'mem', base: 0, exporter: EXPORTER }).map((item) => {
    if (item.kind === 'reject') throw item.error;
    return normalize(item.record).doc;
  });
}

describe.each([false, true])('interface names from options data (%s: IPFIX)', (ipfix) => {
  it('are put on the exporter’s flows, and remembered by enrichment for flows that come without them', () => {
    const encoder = new TemplateEncoder(ipfix, { bootMs: START - 3_600_000 });
    const enrich = Enrichment.open({ enabled: true });
    const announced = new ExportDecoder();
    expect(
      decode(
        announced,
        encoder.encodeInterfaceNames(
          new Map([
            [7, 'xe-1/0/7'],
            [9, 'ae0.100'],
          ]),
          START,
        ),
      ),
    ).toEqual([]);
    const first = decode(announced, encoder.encode([flow(1, 7, 9)])).map((d) => enrich.apply(d));
    expect(first.map((d) => [d.observer?.ingress?.interface.name, d.observer?.egress?.interface?.name])).toEqual([
      ['xe-1/0/7', 'ae0.100'],
    ]);

    // Another decoder (a restarted collector, the next file of another run) never saw the options.
    const later = new TemplateEncoder(ipfix, { bootMs: START - 3_600_000 });
    const plain = decode(new ExportDecoder(), later.encode([flow(2, 7, 9), flow(3, 7, 12)]));
    expect(plain.map((d) => d.observer?.ingress?.interface.name)).toEqual([undefined, undefined]);
    const filled = plain.map((d) => enrich.apply(d));
    expect(filled.map((d) => [d.observer?.ingress?.interface.name, d.observer?.egress?.interface?.name])).toEqual([
      ['xe-1/0/7', 'ae0.100'],
      ['xe-1/0/7', undefined],
    ]);
    enrich.close();
  });
});
