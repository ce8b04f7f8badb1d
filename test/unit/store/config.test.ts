import { loadConfig, parseTimeout, redactUrl } from '../../../src/config';
import { FlowdexError } from '../../../src/errors';
import { yamlConfig } from '../../../src/store/local-node';
import { MAX_CONDITIONS } from '../../../src/query/limits';

describe('configuration', () => {
  it('reads environment and lets options win', () => {
    const env = {
      OPENSEARCH_URL: 'https://os:9200',
      FLOWDEX_PREFIX: 'lab-',
      OPENSEARCH_USERNAME: 'u',
      FLOWDEX_REPLICAS: '1',
    };
    const c = loadConfig({ prefix: 'cli-' }, env);
    expect(c.opensearchUrl).toBe('https://os:9200');
    expect(c.prefix).toBe('cli-');
    expect(c.username).toBe('u');
    expect(c.replicas).toBe(1);
    expect(c.node.version).toBe('3.5.0');
  });

  it('defaults to the flowdex- prefix and a local node', () => {
    const c = loadConfig({}, {});
    expect(c.prefix).toBe('flowdex-');
    expect(c.opensearchUrl).toBeUndefined();
  });

  it.each([
    [{ prefix: 'Bad Prefix' }, {}],
    [{}, { OPENSEARCH_URL: 'not a url' }],
    [{ port: '99999' }, {}],
    [{}, { FLOWDEX_SHARDS: 'two' }],
  ])('rejects %j %j with CONFIG_INVALID', (o, env) => {
    expect(() => loadConfig(o, env)).toThrow(FlowdexError);
  });

  it('never prints credentials of a URL', () => {
    expect(redactUrl('https://admin:s3cret@os.example:9200/')).toBe('https://***@os.example:9200');
    expect(redactUrl('http://127.0.0.1:9200')).toBe('http://127.0.0.1:9200');
  });

  it('keeps credentials out of the invalid-URL message', () => {
    expect(() => loadConfig({}, { OPENSEARCH_URL: 'http//admin:s3cret@x' })).toThrow(/^(?!.*s3cret)/);
  });
});

describe('request timeout', () => {
  test('30 s by default; FLOWDEX_TIMEOUT and --timeout take s, m, ms or plain seconds', () => {
    expect(loadConfig({}, {}).requestTimeoutMs).toBe(30_000);
    expect(loadConfig({}, { FLOWDEX_TIMEOUT: '5s' }).requestTimeoutMs).toBe(5_000);
    expect(loadConfig({ timeout: '2m' }, { FLOWDEX_TIMEOUT: '5s' }).requestTimeoutMs).toBe(120_000);
    expect(parseTimeout('1500ms')).toBe(1_500);
    expect(parseTimeout('45')).toBe(45_000);
    for (const bad of ['0', '1ms', '2h', 'soon', '-1s'])
      expect(() => parseTimeout(bad)).toThrow(/timeout must be a duration/);
  });
});

describe('local node guards', () => {
  test('the node config enforces search backpressure, cancels runaway searches and keeps the clause limit', () => {
    const yml = yamlConfig(loadConfig({}, {}).node, { data: '/d', logs: '/l' });
    expect(yml).toContain('search_backpressure.mode: enforced');
    expect(yml).toContain('search.cancel_after_time_interval: 60s');
    expect(yml).toContain('indices.query.bool.max_clause_count: 1024');
    // flowdex's own bound stays under the node's, with room for the time range and report filters.
    expect(MAX_CONDITIONS).toBeLessThan(1024);
    expect(yml).toContain('search.allow_expensive_queries: true');
  });
});

describe('local cluster', () => {
  test('one node by default, alone; --nodes over FLOWDEX_OPENSEARCH_NODES, bounded', () => {
    expect(loadConfig({}, {}).node.nodes).toBe(1);
    expect(loadConfig({}, { FLOWDEX_OPENSEARCH_NODES: '3' }).node.nodes).toBe(3);
    expect(loadConfig({ nodes: '2' }, { FLOWDEX_OPENSEARCH_NODES: '3' }).node.nodes).toBe(2);
    for (const bad of ['0', '10', 'x', '1.5'])
      expect(() => loadConfig({ nodes: bad }, {})).toThrow(/nodes must be 1-9/);
    const yml = yamlConfig(loadConfig({}, {}).node, { data: '/d', logs: '/l' });
    expect(yml).toContain('discovery.type: single-node');
    expect(yml).not.toContain('discovery.seed_hosts');
  });

  test('each node of a cluster has its own ports and name, and all find each other', () => {
    const node = loadConfig({ nodes: 3, port: 9301 }, {}).node;
    const ymls = [0, 1, 2].map((i) => yamlConfig(node, { data: `/d${i}`, logs: `/l${i}` }, i));
    ymls.forEach((yml, i) => {
      expect(yml).toContain(`node.name: flowdex-${9301 + i}`);
      expect(yml).toContain(`http.port: ${9301 + i}`);
      expect(yml).toContain(`transport.port: ${9401 + i}`);
      expect(yml).toContain(`path.data: /d${i}`);
      expect(yml).toContain('cluster.name: flowdex-cluster-9301');
      expect(yml).toContain('discovery.seed_hosts: ["127.0.0.1:9401", "127.0.0.1:9402", "127.0.0.1:9403"]');
      expect(yml).toContain('cluster.initial_cluster_manager_nodes: ["flowdex-9301", "flowdex-9302", "flowdex-9303"]');
      expect(yml).not.toContain('single-node');
      expect(yml).toContain('search_backpressure.mode: enforced');
    });
  });
});
