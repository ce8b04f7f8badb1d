import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { CLI, testCluster } from '../../support/opensearch';

const run = promisify(execFile);
const cluster = testCluster(__filename);
afterAll(() => cluster.cleanup());

describe('flowdex setup against a real node', () => {
  it('creates everything once, then reports unchanged', async () => {
    const { client, info } = await connect(cluster.config);
    const first = await setup(client, cluster.config, info);
    expect(first.items.every((i) => i.action === 'created')).toBe(true);
    expect(first.items.map((i) => i.name)).toEqual(
      expect.arrayContaining([`${cluster.prefix}flows`, `${cluster.prefix}saved-queries`, `${cluster.prefix}state`]),
    );
    const second = await setup(client, cluster.config, info);
    expect(second.items.map((i) => i.action)).toEqual(first.items.map(() => 'unchanged'));
    await client.close();
  });

  it('gives a daily index the tuned mapping', async () => {
    const index = `${cluster.prefix}flows-2026.11.23`;
    await cluster.client.index({
      index,
      id: 'one',
      refresh: true,
      body: {
        '@timestamp': '2026-11-23T10:00:00Z',
        source: { ip: '10.1.2.3', port: 51000 },
        destination: { ip: '2001:db8::1', port: 443 },
        network: { bytes: 1200, transport: 'tcp' },
        unknown_field: 'kept in _source only',
      },
    });
    interface Mapped {
      type?: string;
      properties?: Record<string, Mapped>;
    }
    const mapping = (await cluster.client.indices.getMapping({ index })).body[index]?.mappings as {
      dynamic?: string;
      properties: Record<string, Mapped>;
    };
    expect(mapping.dynamic).toBe('false');
    expect(mapping.properties['source']?.properties?.['ip']?.type).toBe('ip');
    expect(mapping.properties['@timestamp']?.type).toBe('date');
    expect(mapping.properties['unknown_field']).toBeUndefined();
    const settings = (await cluster.client.indices.getSettings({ index })).body[index]?.settings?.index;
    expect(settings?.sort?.field).toBe('@timestamp');
    expect(settings?.codec).toBe('best_compression');
    const alias = await cluster.client.indices.getAlias({ name: `${cluster.prefix}flows` });
    expect(Object.keys(alias.body)).toContain(index);
    const hit = await cluster.client.search({
      index: `${cluster.prefix}flows`,
      body: { query: { term: { 'destination.ip': '2001:db8::/32' } } },
    });
    expect(hit.body.hits.hits.map((h) => h._id)).toEqual(['one']);
  });

  it('the CLI reports unchanged on a second run', async () => {
    const env = { ...process.env, FLOWDEX_PREFIX: cluster.prefix };
    const { stdout } = await run('node', [CLI, 'setup', '--json'], { env });
    const report = JSON.parse(stdout) as { items: { action: string }[] };
    expect(report.items.length).toBeGreaterThanOrEqual(5);
    expect(report.items.every((i) => i.action === 'unchanged')).toBe(true);
  });

  it('a bad OPENSEARCH_URL gives one line, no credentials, exit 1', async () => {
    const env = { ...process.env, OPENSEARCH_URL: 'http://admin:s3cret@127.0.0.1:1', FLOWDEX_PREFIX: cluster.prefix };
    const err = await run('node', [CLI, 'setup'], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    const lines = (err?.stderr ?? '').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^flowdex: cannot reach OpenSearch at http:\/\/\*\*\*@127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(err?.stderr).not.toContain('s3cret');
  });
});
