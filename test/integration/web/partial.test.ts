import request from 'supertest';
import { indexFor } from '../../../src/store/indices';
import { NOW, START, webFixture, type WebFixture } from './fixture';

/**
 * A search some shards cannot answer: OpenSearch still answers 200 with the other shards' results
 * and `_shards.failed`. The explorer must say so instead of passing the answer off as whole. The
 * failure is real: one daily index of the range maps `destination.port` as an IP address, so the
 * shard refuses `dport:53` while the other day's index answers it.
 */
let f: WebFixture;
const DAY_BEFORE = START - 12 * 3600_000;

beforeAll(async () => {
  f = await webFixture(__filename, 500);
  const odd = indexFor(f.cluster.prefix, DAY_BEFORE);
  await f.cluster.client.indices.create({
    index: odd,
    body: { mappings: { properties: { destination: { properties: { port: { type: 'ip' } } } } } },
  });
  await f.cluster.client.index({
    index: odd,
    body: { '@timestamp': new Date(DAY_BEFORE).toISOString(), destination: { port: '10.0.0.1' } },
    refresh: true,
  });
});
afterAll(() => f.cluster.cleanup());

const dns = () => f.docs.filter((d) => d.doc.destination.port === 53).length;

test('search and report answers lacking a shard carry `partial`, with the shard failure', async () => {
  expect(dns()).toBeGreaterThan(0);
  const search = await request(f.app).get('/api/search').query({ q: 'dport:53', limit: 5 }).expect(200);
  expect(search.body.total).toEqual({ value: dns(), exact: true });
  expect(search.body.partial).toEqual({
    failed_shards: 1,
    total_shards: 2,
    reasons: [expect.stringMatching(/53.*not an IP string literal/)],
  });
  const report = await request(f.app).get('/api/report/top-services').query({ q: 'dport:53', raw: 1 }).expect(200);
  expect(report.body.rows.reduce((n: number, r: { flows: number }) => n + r.flows, 0)).toBe(dns());
  expect(report.body.partial).toMatchObject({ failed_shards: 1, total_shards: 2 });
});

test('the page shows a partial-results notice; answers from whole shards carry none', async () => {
  const page = await request(f.app).get('/').query({ q: 'dport:53' }).expect(200);
  expect(page.text).toMatch(
    /<p class="partial" role="alert">Partial results: 1 of 2 shards did not answer, so counts and rows may be missing flows \([^)]*not an IP string literal/,
  );
  // The same query over the day that maps the port as a number only, and another query over both days.
  const whole = await request(f.app)
    .get('/api/search')
    .query({ q: 'dport:53', from: new Date(START).toISOString(), to: new Date(NOW).toISOString() })
    .expect(200);
  expect(whole.body.total.value).toBe(dns());
  expect(whole.body).not.toHaveProperty('partial');
  const all = await request(f.app).get('/api/search').query({ limit: 1 }).expect(200);
  expect(all.body.total.value).toBe(f.docs.length + 1);
  expect(all.body).not.toHaveProperty('partial');
  expect((await request(f.app).get('/').expect(200)).text).not.toContain('class="partial"');
});
