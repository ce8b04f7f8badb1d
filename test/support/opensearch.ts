import type { Client } from '@opensearch-project/opensearch';
import path from 'node:path';
import { loadConfig, type FlowdexConfig } from '../../src/config';
import { createClient } from '../../src/store/client';

/**
 * Per-test-file isolation: a unique index prefix, a client, and cleanup that deletes every
 * index and template of that prefix by name (no wildcard deletes, which clusters may refuse).
 */
export interface TestCluster {
  prefix: string;
  config: FlowdexConfig;
  client: Client;
  cleanup(): Promise<void>;
}

export function testCluster(testFile: string): TestCluster {
  const stem = path
    .basename(testFile)
    .replace(/\.test\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const prefix = `t-${stem}-${process.pid.toString(36)}-`;
  const config = loadConfig({ prefix });
  const client = createClient(config);
  return {
    prefix,
    config,
    client,
    async cleanup() {
      await deletePrefix(client, prefix);
      await client.close();
    },
  };
}

export async function deletePrefix(client: Client, prefix: string): Promise<void> {
  const cat = await client.cat.indices(
    { index: `${prefix}*`, format: 'json', expand_wildcards: 'all' },
    { ignore: [404] },
  );
  const names = ((cat.body as { index?: string }[] | undefined) ?? [])
    .map((i) => i.index)
    .filter((n): n is string => !!n);
  for (let i = 0; i < names.length; i += 50)
    await client.indices.delete({ index: names.slice(i, i + 50).join(',') }, { ignore: [404] });
  const templates = await client.indices.getIndexTemplate({ name: `${prefix}*` }, { ignore: [404] });
  const tnames = ((templates.body as { index_templates?: { name: string }[] }).index_templates ?? []).map(
    (t) => t.name,
  );
  for (const name of tnames) await client.indices.deleteIndexTemplate({ name }, { ignore: [404] });
}

/** The CLI as users run it (built `dist/`), for tests of exit codes and output. */
export const CLI = path.resolve(__dirname, '../../dist/cli/flowdex.js');
