import { loadConfig } from '../../src/config';
import { startNode } from '../../src/store/local-node';

/**
 * One real OpenSearch node for the whole run: the cluster named by OPENSEARCH_URL, or the
 * local node flowdex manages (started here when it is not already running).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.OPENSEARCH_URL) return;
  const cfg = loadConfig();
  const r = await startNode(cfg.node, (line) => process.stderr.write(`[opensearch] ${line}\n`));
  process.stderr.write(
    `\n[opensearch] ${r.started ? 'started' : 'reusing'} ${r.version} at ${r.url} (${(r.startupMs / 1000).toFixed(1)}s)\n`,
  );
  process.env.OPENSEARCH_URL = r.url;
  if (r.started) process.env.FLOWDEX_TEST_STARTED_NODE = '1';
}
