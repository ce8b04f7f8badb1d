import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateFlows } from '../../../src/generate/flows';
import type { FlowDoc } from '../../../src/model/flow';
import { decodeDocs, GOLDEN, GOLDEN_OPTS, goldenPcap } from '../../fixtures/make-fixtures';
import { FIXTURES } from './support';

/** Golden binary fixtures (written by test/fixtures/make-fixtures.ts): decode must match them exactly. */

test.each(GOLDEN)('%s/flows.pcap decodes to flows.expected.json', async (dir, format) => {
  const pcap = readFileSync(path.join(FIXTURES, dir, 'flows.pcap'));
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, dir, 'flows.expected.json'), 'utf8')) as FlowDoc[];
  expect(await decodeDocs('flows.pcap', pcap)).toEqual(expected);
  // The committed pcap is still what the generator writes, so the fixture cannot drift silently.
  expect((await goldenPcap(format)).equals(pcap)).toBe(true);
});

test.each(GOLDEN)('%s: golden documents agree field by field with the generator input', (dir) => {
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, dir, 'flows.expected.json'), 'utf8')) as FlowDoc[];
  const input = [...generateFlows(GOLDEN_OPTS)];
  for (const f of input) {
    const doc = expected.find(
      (d) => d.source.ip === f.srcIp && d.source.port === f.srcPort && d.destination.ip === f.dstIp,
    );
    expect(doc).toMatchObject({
      '@timestamp': new Date(f.start).toISOString(),
      source: { bytes: f.srcBytes, packets: f.srcPackets },
      destination: { port: f.dstPort },
      network: { iana_number: f.protocol },
    });
    if (f.icmpType !== undefined) expect(doc?.flow.icmp).toEqual({ type: f.icmpType, code: f.icmpCode });
  }
});
