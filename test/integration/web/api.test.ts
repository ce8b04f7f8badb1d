import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { REPORTS } from '../../../src/query/reports';
import { createClient } from '../../../src/store/client';
import { createApp } from '../../../src/web/app';
import { serve } from '../../../src/web/server';
import { NOW, webFixture, type WebFixture } from './fixture';

let f: WebFixture;

beforeAll(async () => {
  f = await webFixture(__filename, 2000);
});
afterAll(() => f.cluster.cleanup());

/** The CSRF cookie and form token a browser gets from a page. */
async function formToken(app: WebFixture['app']): Promise<{ cookie: string; token: string }> {
  const res = await request(app).get('/saved').expect(200);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
  expect(cookie).toMatch(/^flowdex_csrf=/);
  expect(token).not.toBe('');
  return { cookie, token };
}

describe('search', () => {
  test('GET /api/search pages through every match once with the cursor', async () => {
    const seen = new Set<string>();
    let url = '/api/search?limit=700';
    for (;;) {
      const res = await request(f.app).get(url).expect(200);
      for (const h of res.body.hits as { id: string }[]) seen.add(h.id);
      if (!res.body.cursor) break;
      url = `/api/search?limit=700&cursor=${encodeURIComponent(res.body.cursor)}&from=${res.body.range.from}&to=${res.body.range.to}`;
    }
    expect(seen.size).toBe(f.docs.length);
  });

  test('the query filters and the total counts the matches', async () => {
    const expected = f.docs.filter((d) => d.doc.destination.port === 53).length;
    expect(expected).toBeGreaterThan(0);
    const res = await request(f.app).get('/api/search').query({ q: 'dport:53', limit: 5 }).expect(200);
    expect(res.body.total).toEqual({ value: expected, exact: true });
    expect(res.body.hits).toHaveLength(5);
    for (const h of res.body.hits) expect(h.doc.destination.port).toBe(53);
  });

  test('the search page shows the table, total, histogram and sort links', async () => {
    const res = await request(f.app)
      .get('/')
      .query({ q: 'dport:53', sort: 'network.bytes', order: 'desc' })
      .expect(200);
    const expected = f.docs.filter((d) => d.doc.destination.port === 53).length;
    expect(res.text).toContain(`<strong>${expected.toLocaleString('en-US')}</strong>`);
    expect(res.text).toMatch(/<svg class="chart"[^>]*aria-label="matching flows over time"/);
    expect(res.text).toContain('class="sorted desc"');
    expect((res.text.match(/class="detail"/g) ?? []).length).toBe(Math.min(50, expected));
  });

  test('an nfdump filter in the box: same matches, and the page shows it in the flowdex language', async () => {
    const expected = f.docs.filter((d) => d.doc.destination.port === 53 && d.doc.network.transport === 'udp').length;
    expect(expected).toBeGreaterThan(0);
    // Told apart by itself, and forced by the toggle (the page carries it on as the prefix).
    for (const query of [{ q: 'dst port 53 and proto udp' }, { q: 'dst port 53 and proto udp', syntax: 'nfdump' }]) {
      const res = await request(f.app).get('/').query(query).expect(200);
      expect(res.text).toContain(`<strong>${expected.toLocaleString('en-US')}</strong>`);
      expect(res.text).toMatch(/nfdump filter; in the flowdex language: <code>[^<]*dport:53[^<]*<\/code>/);
    }
    const api = await request(f.app).get('/api/search').query({ q: 'nfdump:dst port 53 and proto udp' }).expect(200);
    expect(api.body.total).toEqual({ value: expected, exact: true });
    expect(api.body.syntax).toBe('nfdump');
    const same = await request(f.app)
      .get('/api/search')
      .query({ q: api.body.flowdex as string })
      .expect(200);
    expect(same.body.total).toEqual(api.body.total);
    // A flowdex query shows no such line.
    const plain = await request(f.app).get('/').query({ q: 'dport:53' }).expect(200);
    expect(plain.text).not.toContain('nfdump filter; in the flowdex language');
  });

  test('a bad query is a 400 with the position, and the page shows a caret under it', async () => {
    const api = await request(f.app).get('/api/search').query({ q: 'dport:443 and bytes>' }).expect(400);
    expect(api.body.error.code).toMatch(/^QUERY_/);
    expect(typeof api.body.error.position).toBe('number');
    const page = await request(f.app).get('/').query({ q: 'dport:443 and bytes>' }).expect(400);
    const caret = /<pre class="caret">([^<]*)<\/pre>/.exec(page.text)?.[1] ?? '';
    const [line, marks] = caret.split('\n');
    expect(line).toBe('dport:443 and bytes&gt;');
    expect(marks?.indexOf('^')).toBe(api.body.error.position);
  });

  test('page size, query length and report top-N are bounded', async () => {
    expect((await request(f.app).get('/api/search').query({ limit: 1001 }).expect(400)).body.error.code).toBe(
      'BAD_REQUEST',
    );
    expect(
      (
        await request(f.app)
          .get('/api/search')
          .query({ q: 'x'.repeat(4097) })
          .expect(400)
      ).body.error.code,
    ).toBe('BAD_REQUEST');
    expect((await request(f.app).get('/api/report/top-sources').query({ top: 1001 }).expect(400)).body.error.code).toBe(
      'BAD_REQUEST',
    );
  });

  test('user text is escaped in pages', async () => {
    const res = await request(f.app).get('/').query({ q: 'app:"<script>alert(1)</script>"' }).expect(200);
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).toContain('&lt;script&gt;');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('flow detail', () => {
  test('API and page show the stored flow with pivots', async () => {
    const first = (await request(f.app).get('/api/search?limit=1').expect(200)).body.hits[0];
    const api = await request(f.app).get(`/api/flow/${first.index}/${first.id}`).expect(200);
    const stored = f.docs.find((d) => d.id === first.id)?.doc;
    expect(api.body.doc).toMatchObject({
      '@timestamp': stored?.['@timestamp'],
      source: { ip: stored?.source.ip, port: stored?.source.port },
      network: { bytes: stored?.network.bytes },
    });
    const page = await request(f.app).get(`/flow/${first.index}/${first.id}`).expect(200);
    for (const label of ['same source', 'same destination', 'same pair', 'same Community ID', 'same service'])
      expect(page.text).toContain(label);
    const pivot = /<a href="([^"]+)">same pair<\/a>/.exec(page.text)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const q = new URLSearchParams(pivot.slice(2)).get('q') ?? '';
    const hits = (await request(f.app).get('/api/search').query({ q, limit: 1000 }).expect(200)).body.hits as {
      id: string;
    }[];
    expect(hits.map((h) => h.id)).toContain(first.id);
  });

  test('unknown flows and indices outside the flow indices are 404', async () => {
    const first = (await request(f.app).get('/api/search?limit=1').expect(200)).body.hits[0];
    expect((await request(f.app).get(`/api/flow/${first.index}/nope`).expect(404)).body.error.code).toBe('NOT_FOUND');
    await request(f.app).get(`/api/flow/${f.cluster.prefix}saved-queries/x`).expect(404);
    // An existing flow's id behind anything but exactly its daily index name: lists and patterns
    // would otherwise reach other prefixes' flows and saved queries.
    await request(f.app).get(`/api/flow/${first.index}/${first.id}`).expect(200);
    for (const index of [
      `${f.cluster.prefix}flows-x,${first.index}`,
      `${f.cluster.prefix}flows-x,*`,
      `${f.cluster.prefix}flows-*`,
      `${first.index}*`,
      '_all',
      '*',
    ]) {
      const res = await request(f.app)
        .get(`/api/flow/${encodeURIComponent(index)}/${first.id}`)
        .expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('reports', () => {
  test('a top-N report equals the counts of the indexed flows', async () => {
    const res = await request(f.app).get('/api/report/top-services').query({ top: 3 }).expect(200);
    expect(res.body.served_by.length).toBeGreaterThan(0);
    expect(res.body.rows).toHaveLength(3);
    const top = res.body.rows[0];
    const count = f.docs.filter(
      (d) => d.doc.destination.port === top.port && d.doc.network.transport === top.transport,
    ).length;
    expect(top.flows).toBe(count);
  });

  test('explain=1 answers the plan instead: the raw flows of the range, counted', async () => {
    const res = await request(f.app).get('/api/report/top-services').query({ explain: 1, q: 'dport:53' }).expect(200);
    expect(res.body.rows).toBeUndefined();
    expect(res.body.plan.served_by).toBe('raw');
    expect(res.body.plan.steps.map((s: { source: string }) => s.source)).toEqual(['raw']);
    expect(res.body.plan.documents).toBe(f.docs.filter((d) => d.doc.destination.port === 53).length);
  });

  test('unknown report is 404', async () => {
    expect((await request(f.app).get('/api/report/nope').expect(404)).body.error.code).toBe('REPORT_UNKNOWN');
  });

  test('the dashboard renders every report panel, each with its indices and time', async () => {
    const res = await request(f.app).get('/reports').expect(200);
    const panels = Object.keys(REPORTS).length;
    expect((res.text.match(/<section class="panel" id="panel-/g) ?? []).length).toBe(panels);
    expect((res.text.match(/<p class="served">served by <code>/g) ?? []).length).toBe(panels);
  });

  test('host API and page: traffic, peers and services', async () => {
    const host = f.docs[0]?.doc.source.ip ?? '';
    const res = await request(f.app).get(`/api/host/${host}`).expect(200);
    const sent = f.docs.filter((d) => d.doc.source.ip === host).length;
    const flows = res.body.traffic.rows.reduce((n: number, r: { flows: number }) => n + r.flows, 0);
    expect(flows).toBe(f.docs.filter((d) => d.doc.source.ip === host || d.doc.destination.ip === host).length);
    const peers = res.body.peers.destinations.rows.reduce((n: number, r: { flows: number }) => n + r.flows, 0);
    expect(peers).toBeLessThanOrEqual(sent);
    expect(peers).toBeGreaterThan(0);
    await request(f.app).get(`/host/${host}`).expect(200);
  });
});

describe('export', () => {
  test('CSV is streamed with one row per match', async () => {
    const expected = f.docs.filter((d) => d.doc.network.transport === 'udp').length;
    const res = await request(f.app).get('/export.csv').query({ q: 'proto:udp' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-length']).toBeUndefined();
    const lines = res.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^@timestamp,/);
    expect(lines.length - 1).toBe(expected);
  });

  test('NDJSON through the API', async () => {
    const res = await request(f.app).get('/api/export').query({ format: 'ndjson', q: 'dport:53' }).expect(200);
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(f.docs.filter((d) => d.doc.destination.port === 53).length);
    expect(JSON.parse(lines[0] ?? '{}').destination.port).toBe(53);
  });
});

describe('saved queries', () => {
  test('create, list, permalink, rename, update and delete through the API', async () => {
    const created = await request(f.app)
      .post('/api/saved')
      .send({ name: 'DNS traffic', query: 'dport:53', from: 'now-24h', description: 'resolvers' })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'DNS traffic', slug: 'dns-traffic', query: 'dport:53' });
    expect(
      (await request(f.app).post('/api/saved').send({ name: 'dns  traffic', query: '' }).expect(409)).body.error.code,
    ).toBe('SAVED_EXISTS');
    expect(
      (await request(f.app).get('/api/saved').expect(200)).body.saved.map((s: { name: string }) => s.name),
    ).toContain('DNS traffic');

    const page = await request(f.app).get('/saved/dns-traffic').expect(200);
    const expected = f.docs.filter((d) => d.doc.destination.port === 53).length;
    expect(page.text).toContain(`<strong>${expected.toLocaleString('en-US')}</strong>`);

    const renamed = await request(f.app)
      .put('/api/saved/dns-traffic')
      .send({ name: 'Resolvers', query: 'dport:53 proto:udp' })
      .expect(200);
    expect(renamed.body).toMatchObject({
      name: 'Resolvers',
      slug: 'resolvers',
      query: 'dport:53 proto:udp',
      description: 'resolvers',
      created: created.body.created,
    });
    expect((await request(f.app).get('/api/saved/dns-traffic').expect(404)).body.error.code).toBe('SAVED_NOT_FOUND');
    await request(f.app).get('/saved/resolvers').expect(200);

    expect(
      (await request(f.app).put('/api/saved/resolvers').send({ query: 'dport:' }).expect(400)).body.error.code,
    ).toBe('QUERY_SYNTAX');
    await request(f.app).delete('/api/saved/resolvers').expect(204);
    await request(f.app).delete('/api/saved/resolvers').expect(404);
  });

  test('unknown saved query is 404 as page and JSON', async () => {
    expect((await request(f.app).get('/api/saved/nothing-here').expect(404)).body.error.code).toBe('SAVED_NOT_FOUND');
    const page = await request(f.app).get('/saved/nothing-here').expect(404);
    expect(page.text).toContain('no saved query named');
  });

  test('forms: create, rename, delete with the CSRF token; without it they are refused', async () => {
    const { cookie, token } = await formToken(f.app);
    await request(f.app).post('/saved').type('form').send({ name: 'web', q: 'proto:tcp' }).expect(403);
    await request(f.app)
      .post('/saved')
      .set('Cookie', cookie)
      .type('form')
      .send({ name: 'web', q: 'proto:tcp', _csrf: (token[0] === 'x' ? 'y' : 'x') + token.slice(1) })
      .expect(403);
    const other = await formToken(f.app);
    await request(f.app)
      .post('/saved')
      .set('Cookie', cookie)
      .type('form')
      .send({ name: 'web', q: 'proto:tcp', _csrf: other.token })
      .expect(403);
    await request(f.app).get('/api/saved/web').expect(404);

    const created = await request(f.app)
      .post('/saved')
      .set('Cookie', cookie)
      .type('form')
      .send({ name: 'web', q: 'proto:tcp', _csrf: token })
      .expect(303);
    expect(created.headers.location).toBe('/saved/web');
    const renamed = await request(f.app)
      .post('/saved/web/edit')
      .set('Cookie', cookie)
      .type('form')
      .send({ name: 'Web TCP', _csrf: token })
      .expect(303);
    expect(renamed.headers.location).toBe('/saved/web-tcp');
    expect((await request(f.app).get('/api/saved/web-tcp').expect(200)).body.query).toBe('proto:tcp');
    await request(f.app).post('/saved/web-tcp/delete').set('Cookie', cookie).type('form').send({}).expect(403);
    await request(f.app)
      .post('/saved/web-tcp/delete')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: token })
      .expect(303);
    await request(f.app).get('/api/saved/web-tcp').expect(404);
  });

  test('API writes must be JSON (a cross-site form cannot reach them)', async () => {
    await request(f.app).post('/api/saved').type('form').send({ name: 'x', query: '' }).expect(400);
    await request(f.app)
      .post('/api/saved')
      .set('Content-Type', 'text/plain')
      .send('{"name":"x","query":""}')
      .expect(400);
    await request(f.app).get('/api/saved/x').expect(404);
  });
});

describe('status', () => {
  test('version, health, the prefix indices with counts, and no rollups', async () => {
    const res = await request(f.app).get('/api/status').expect(200);
    expect(res.body.version).toMatch(/^\d+\.\d+/);
    const flowDocs = res.body.indices
      .filter((i: { index: string }) => i.index.startsWith(`${f.cluster.prefix}flows-`))
      .reduce((n: number, i: { docs: number }) => n + i.docs, 0);
    expect(flowDocs).toBe(f.docs.length);
    expect(res.body.refresh).toEqual({ relaxed: [], last_restore: null });
    const page = await request(f.app).get('/status').expect(200);
    expect(page.text).toContain('no rollups');
    expect(page.text).toContain('refresh is on for every daily index');
    expect(page.text).toContain(`${f.cluster.prefix}saved-queries`);
  });
});

describe('auth', () => {
  test('basic auth and bearer token, when configured', async () => {
    const app = createApp({
      client: f.cluster.client,
      config: f.cluster.config,
      now: () => NOW,
      auth: { basic: { user: 'ann', password: 's3cret' }, token: 'tok-123' },
    });
    const none = await request(app).get('/api/status').expect(401);
    expect(none.body.error.code).toBe('AUTH_REQUIRED');
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    await request(app).get('/').auth('ann', 'wrong').expect(401);
    await request(app).get('/api/status').auth('ann', 's3cret').expect(200);
    await request(app).get('/api/status').set('Authorization', 'Bearer tok-123').expect(200);
    await request(app).get('/api/status').set('Authorization', 'Bearer tok-124').expect(401);
  });

  test('wrong passwords are throttled per client: after 10 failures even the right one waits', async () => {
    const app = createApp({
      client: f.cluster.client,
      config: f.cluster.config,
      now: () => NOW,
      auth: { basic: { user: 'ann', password: 's3cret' } },
    });
    for (let i = 0; i < 10; i++) await request(app).get('/api/status').auth('ann', `guess${i}`).expect(401);
    const blocked = await request(app).get('/api/status').auth('ann', 's3cret').expect(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('plain HTTP gets no upgrade-insecure-requests in the CSP; every answer has a request id', async () => {
    const res = await request(f.app).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('serve refuses to listen beyond loopback without auth, and listens on loopback', async () => {
    await expect(
      serve({ client: f.cluster.client, config: f.cluster.config, host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const s = await serve({ client: f.cluster.client, config: f.cluster.config, port: 0 });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(`${s.url}api/status`);
      expect(res.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('OpenSearch down', () => {
  const cfg = loadConfig({ opensearch: 'http://127.0.0.1:1', prefix: 'down-' });
  const client = createClient(cfg);
  const app = createApp({ client, config: cfg, now: () => NOW });
  afterAll(() => client.close());

  test.each(['/api/search', '/api/status', '/api/report/traffic', '/api/saved', '/api/export?format=csv'])(
    '%s is a 503 JSON error',
    async (url) => {
      const res = await request(app).get(url).expect(503);
      expect(res.body.error.code).toBe('OPENSEARCH_UNREACHABLE');
    },
  );

  test.each(['/', '/reports', '/status', '/saved', '/export.csv'])('%s is a readable 503', async (url) => {
    const res = await request(app).get(url).expect(503);
    if (url !== '/export.csv') expect(res.text).toContain('OpenSearch is unreachable');
  });
});
