import type { Application } from 'express';
import { generateFlows } from '../../../src/generate/flows';
import { normalize } from '../../../src/model/normalize';
import type { FlowDoc } from '../../../src/model/flow';
import { indexFor } from '../../../src/store/indices';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { createApp } from '../../../src/web/app';
import { testCluster, type TestCluster } from '../../support/opensearch';

/** Flows start here and span SPAN_MS; the app's clock sits at the end, so "last 24 h" holds them all. */
export const START = Date.UTC(2024, 4, 1, 6, 0, 0);
export const SPAN_MS = 6 * 3600_000;
export const NOW = START + SPAN_MS;

export interface WebFixture {
  cluster: TestCluster;
  app: Application;
  docs: { id: string; doc: FlowDoc }[];
}

/** A prefix set up and filled with `flows` generated flows (refreshed), and an app on it. */
export async function webFixture(testFile: string, flows = 2000): Promise<WebFixture> {
  const cluster = testCluster(testFile);
  const { client, info } = await connect(cluster.config);
  await client.close();
  await setup(cluster.client, cluster.config, info);
  const docs = [...generateFlows({ flows, start: START, spanMs: SPAN_MS, seed: 7 })].map((r) => normalize(r));
  const body = docs.flatMap((d) => [
    { create: { _index: indexFor(cluster.prefix, Date.parse(d.doc['@timestamp'])), _id: d.id } },
    d.doc,
  ]);
  const res = await cluster.client.bulk({ body, refresh: true });
  const items = (res.body as { items: { create?: { status: number } }[] }).items;
  // Generated flows may repeat an id; those are duplicates (409), not failures.
  const failed = items.filter((i) => (i.create?.status ?? 500) >= 300 && i.create?.status !== 409);
  if (failed.length > 0) throw new Error(`bulk indexing failed for ${failed.length} flows`);
  const unique = [...new Map(docs.map((d) => [d.id, d])).values()];
  return { cluster, app: createApp({ client: cluster.client, config: cluster.config, now: () => NOW }), docs: unique };
}
