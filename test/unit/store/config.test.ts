import { loadConfig, redactUrl } from '../../../src/config';
import { FlowdexError } from '../../../src/errors';

describe('configuration', () => {
  it('reads environment and lets options win', () => {
    const env = { OPENSEARCH_URL: 'https://os:9200', FLOWDEX_PREFIX: 'lab-', OPENSEARCH_USERNAME: 'u', FLOWDEX_REPLICAS: '1' };
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
