import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Enrichment } from '../../../src/enrich/pipeline';
import { TemplateEncoder } from '../../../src/generate/encode-netflow';
import type { FlowRecord } from '../../../src/model/flow';
import { searchFlows } from '../../../src/report/search';
import { setup } from '../../../src/store/setup';
import { connect } from '../../../src/store/client';
import { testCluster } from '../../support/opensearch';
import { HANG_MS, sendDatagrams, settled, startCollector, tempDir, waitFor } from './support';

const tc = testCluster(__filename);
const tmp = tempDir('collect-enrich');
const T0 = Date.UTC(2026, 4, 2, 8);

afterAll(async () => {
  await tc.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

function flow(i: number, dst: string): FlowRecord {
  return {
    format: 'x',
    start: T0 + i * 1000,
    end: T0 + i * 1000 + 200,
    srcIp: '10.20.0.5',
    dstIp: dst,
    srcPort: 41000 + i,
    dstPort: 443,
    protocol: 6,
    srcBytes: 500,
    srcPackets: 2,
    inputInterface: 3,
    outputInterface: 4,
  };
}

test('the collector enriches live flows: AS, network, direction, exporter name and the interface names the exporter announced', async () => {
  const { client, info } = await connect(tc.config);
  await setup(client, tc.config, info);
  await client.close();
  const networks = path.join(tmp, 'networks.yaml');
  writeFileSync(
    networks,
    'networks:\n  10.20.0.0/16: branch\nexporters:\n  127.0.0.1: { name: lab-router, interfaces: { 4: { name: wan0, description: uplink } } }\n',
  );
  const enrich = Enrichment.open({ enabled: true, networksFile: networks });
  const collector = await startCollector(tc.client, tc.config, path.join(tmp, 'spool'), { enrich });
  try {
    const enc = new TemplateEncoder(true, { bootMs: T0 - 3_600_000 });
    const datagrams = [
      enc.encodeInterfaceNames(new Map([[3, 'lan0']]), T0),
      Buffer.from(enc.encode([flow(1, '8.8.8.8'), flow(2, '10.20.9.9')])),
    ];
    await sendDatagrams(collector.ports[0] ?? 0, datagrams);
    await waitFor(
      'the collector to index',
      () => settled(collector.stats(), datagrams.length) && collector.stats().totals.indexed >= 2,
      HANG_MS,
      () => collector.stats(),
    );
  } finally {
    await collector.stop();
    enrich.close();
  }
  await tc.client.indices.refresh({ index: `${tc.prefix}flows-*` });
  const page = await searchFlows(tc.client, tc.config, {
    query: 'exporter_name:lab-router',
    from: new Date(T0 - 60_000).toISOString(),
    to: new Date(T0 + 60_000).toISOString(),
    sort: '@timestamp',
    order: 'asc',
  });
  expect(page.hits.map((h) => h.doc.destination.ip)).toEqual(['8.8.8.8', '10.20.9.9']);
  const [out, internal] = page.hits.map((h) => h.doc);
  expect(out?.destination.as?.number).toBe(15169);
  expect(out?.network.direction).toBe('outbound');
  expect(internal?.network.direction).toBe('internal');
  expect(out?.flow.src_net?.name).toBe('branch');
  expect(out?.observer).toMatchObject({
    name: 'lab-router',
    ingress: { interface: { id: 3, name: 'lan0' } },
    egress: { interface: { id: 4, name: 'wan0', alias: 'uplink' } },
  });
});
