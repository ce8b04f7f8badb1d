import { loadConfig } from '../../src/config';
import { stopNode } from '../../src/store/local-node';

/** Stops the node only if this run started it, so a developer's running node survives. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.FLOWDEX_TEST_STARTED_NODE !== '1') return;
  await stopNode(loadConfig({ opensearch: undefined }, { ...process.env, OPENSEARCH_URL: undefined }).node);
}
