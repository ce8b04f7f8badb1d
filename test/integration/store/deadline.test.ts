import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { createClient, toFlowdexError } from '../../../src/store/client';
import { outsideScope, withScope } from '../../../src/store/deadline';
import { createApp } from '../../../src/web/app';
import { CLI } from '../../support/opensearch';

/**
 * A hung cluster — it accepts connections and never answers — cannot be made of the shared node
 * without hanging everyone's tests, so a socket that stays silent stands in for it. The bounds
 * are what is tested: one deadline for all attempts, no re-sent request after a timeout, and
 * the connection closed (which is what makes OpenSearch cancel a search task).
 */
interface Hung {
  url: string;
  connections: number;
  closed: number;
  server: Server;
}

async function hungNode(): Promise<Hung> {
  const h: Hung = { url: '', connections: 0, closed: 0, server: createServer() };
  const sockets = new Set<Socket>();
  h.server.on('connection', (s) => {
    h.connections++;
    sockets.add(s);
    // Read (and ignore) the request, so the client closing the connection is seen.
    s.resume();
    s.on('close', () => {
      h.closed++;
      sockets.delete(s);
    });
  });
  await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
  const address = h.server.address() as AddressInfo;
  h.url = `http://127.0.0.1:${address.port}`;
  const close = h.server.close.bind(h.server);
  h.server.close = (cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return h;
}

let h: Hung;
beforeEach(async () => {
  h = await hungNode();
});
afterEach(() => new Promise<void>((resolve) => h.server.close(() => resolve())));

function config(timeout: string) {
  return loadConfig({ opensearch: h.url, timeout, prefix: 'deadline-' }, {});
}

async function timed<T>(p: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await p;
    return { error: undefined, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

test('a search on a hung node fails after one deadline, is sent once, and its connection is closed', async () => {
  const cfg = config('1s');
  const client = createClient(cfg);
  const { error, ms } = await timed(client.search({ index: 'x', body: { query: { match_all: {} } } }));
  expect(toFlowdexError(error, cfg, 'search').code).toBe('OPENSEARCH_TIMEOUT');
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(2500);
  expect(h.connections).toBe(1);
  await new Promise((r) => setTimeout(r, 50));
  expect(h.closed).toBe(1);
  await client.close();
});

test('a scope deadline shortens the request; a scope abort ends it at once', async () => {
  const cfg = config('10s');
  const client = createClient(cfg);
  const short = await timed(withScope({ deadline: Date.now() + 300 }, () => client.search({ index: 'x' })));
  expect(toFlowdexError(short.error, cfg).code).toBe('OPENSEARCH_TIMEOUT');
  expect(short.ms).toBeLessThan(2000);
  const gone = new AbortController();
  setTimeout(() => gone.abort(), 100);
  const aborted = await timed(withScope({ signal: gone.signal }, () => client.search({ index: 'x' })));
  expect(toFlowdexError(aborted.error, cfg).code).toBe('CANCELLED');
  expect(aborted.ms).toBeLessThan(2000);
  await new Promise((r) => setTimeout(r, 50));
  expect(h.closed).toBe(h.connections);
  await client.close();
});

test('the explorer answers a hung node with 504 within its deadline', async () => {
  const cfg = config('1s');
  const app = createApp({ client: createClient(cfg), config: cfg });
  const t0 = performance.now();
  const res = await request(app).get('/api/search').query({ q: 'dport:53' });
  const body = res.body as { error: { code: string; request_id: string } };
  expect(res.status).toBe(504);
  expect(body.error.code).toBe('OPENSEARCH_TIMEOUT');
  expect(body.error.request_id).toMatch(/^[0-9a-f]{16}$/);
  expect(res.headers['x-request-id']).toBe(body.error.request_id);
  expect(performance.now() - t0).toBeLessThan(3000);
});

test('the CLI gives up on a hung node after --timeout, naming the cause', async () => {
  const t0 = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, '--opensearch', h.url, '--timeout', '1s', 'query', 'dport:53'],
      (err, _out, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
      },
    );
    void child;
  });
  expect(code).toBe(1);
  expect(stderr).toMatch(/did not answer within 1 s/);
  expect(performance.now() - t0).toBeLessThan(5000);
});

test('clean-up run outside an aborted scope still reaches the node', async () => {
  const cfg = loadConfig({ prefix: 'deadline-' });
  const client = createClient(cfg);
  const gone = new AbortController();
  gone.abort();
  await withScope({ signal: gone.signal }, async () => {
    await expect(client.info()).rejects.toMatchObject({ name: 'RequestAbortedError' });
    await expect(outsideScope(() => client.info())).resolves.toMatchObject({ statusCode: 200 });
  });
  await client.close();
});

test('many concurrent requests under one scope add no listener to its signal and still abort together', async () => {
  const cfg = loadConfig({ prefix: 'deadline-' });
  const client = createClient(cfg);
  const gone = new AbortController();
  try {
    await withScope({ signal: gone.signal }, async () => {
      // Held open by the node (it never has 99 nodes): all 30 are in flight at once.
      const pending = Array.from({ length: 30 }, () =>
        client.cluster.health({ wait_for_nodes: '>=99', timeout: '10s' }),
      );
      await new Promise((r) => setTimeout(r, 100));
      // Each listener on the one scope signal counts towards MaxListenersExceededWarning (10).
      expect(getEventListeners(gone.signal, 'abort').length).toBeLessThanOrEqual(1);
      gone.abort();
      const settled = await Promise.allSettled(pending);
      expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).name : s.status))).toEqual(
        Array(30).fill('RequestAbortedError'),
      );
    });
  } finally {
    await client.close();
  }
});

test("the client's own helpers, which call the transport with a callback, get their answers and errors", async () => {
  const client = createClient(loadConfig({ prefix: 'deadline-' }));
  const index = `deadline-helpers-${process.pid}`;
  try {
    const stats = await client.helpers.bulk({
      datasource: Array.from({ length: 100 }, (_, i) => ({ n: i })),
      onDocument: () => ({ create: { _index: index } }),
      refreshOnCompletion: index,
    });
    expect(stats).toMatchObject({ total: 100, successful: 100, failed: 0 });
    const hits: unknown[] = [];
    for await (const page of client.helpers.scrollSearch({ index, body: { size: 30 } }))
      hits.push(...(page.body as { hits: { hits: unknown[] } }).hits.hits);
    expect(hits).toHaveLength(100);
    await expect(
      client.helpers.bulk({ datasource: [{ n: 1 }], onDocument: () => ({ create: { _index: '_bad' } }), retries: 0 }),
    ).resolves.toMatchObject({ failed: 1 });
  } finally {
    await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
  }
});
