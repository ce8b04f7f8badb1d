import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { FlowdexError } from '../../../src/errors';
import { findJava, nodeStatus, startNode } from '../../../src/store/local-node';

// The error paths of the local node manager, each of which must name its fix.
const home = mkdtempSync(path.join(os.tmpdir(), 'flowdex-node-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<FlowdexError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof FlowdexError)) throw new Error(`expected a FlowdexError, got ${String(e)}`);
  return e;
}

describe('local OpenSearch node', () => {
  it('finds a JDK that fits each major version', async () => {
    const v3 = await findJava('3.5.0');
    expect(v3.major).toBeGreaterThanOrEqual(21);
    const v2 = await findJava('2.19.1');
    expect(v2.major).toBeLessThanOrEqual(21);
  });

  it('says which Java is missing and how to fix it', async () => {
    const e = await failure(findJava('3.5.0', {}, path.join(home, 'no-jvms')));
    expect(e.code).toBe('NODE_NO_JAVA');
    expect(e.message).toMatch(/needs Java 21\+.*install one.*FLOWDEX_JAVA_HOME/);
  });

  it('refuses a port held by something that is not OpenSearch', async () => {
    const server: Server = createServer((_req, res) => res.end('not opensearch'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const e = await failure(startNode({ ...loadConfig().node, port, home }));
      expect(e.code).toBe('NODE_PORT_IN_USE');
      expect(e.message).toContain(`port ${port}`);
    } finally {
      server.close();
    }
  });

  it('names the artifact Maven could not fetch', async () => {
    const e = await failure(startNode({ ...loadConfig().node, version: '2.0.99', port: 9299, home }));
    expect(e.code).toBe('NODE_FETCH_FAILED');
    expect(e.message).toContain('org.opensearch.distribution.integ-test-zip:opensearch:2.0.99:zip');
  });

  it('reports a node that cannot start with its last log lines', async () => {
    const cfg = loadConfig().node;
    // Share the cached distribution, but give the node a heap the JVM rejects.
    const e = await failure(startNode({ ...cfg, port: 9298, heap: 'lots' }, () => {}, 60_000));
    expect(e.code).toBe('NODE_START_FAILED');
    expect(e.message).toMatch(/last log lines/);
    expect(e.message).toMatch(/Xms|heap|Invalid/i);
    expect((await nodeStatus({ ...cfg, port: 9298 })).running).toBe(false);
  });
});
