import request from 'supertest';
import { loadRegistry } from '../../../src/alerts/modules';
import { Notifier } from '../../../src/alerts/notify';
import { runDue } from '../../../src/alerts/runner';
import type { Alert, Monitor } from '../../../src/alerts/types';
import { START, webFixture, type WebFixture } from './fixture';

let f: WebFixture;
const HOUR = 3_600_000;
/** Destinations with more than this many flows in the first hour alert. */
const FLOWS = 10;

beforeAll(async () => {
  f = await webFixture(__filename, 2000);
});
afterAll(() => f.cluster.cleanup());

async function formToken(): Promise<{ cookie: string; token: string }> {
  const res = await request(f.app).get('/alerts').expect(200);
  return {
    cookie: String(res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '',
    token: /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '',
  };
}

test('monitors through the API: created, validated, listed; the runner raises one alert per busy destination; acknowledged from the page', async () => {
  const created = await request(f.app)
    .post('/api/monitors')
    .send({
      name: 'Busy hosts',
      detector: 'threshold',
      schedule: '1h',
      group: 'destination',
      params: { metric: 'flows_per_s', above: FLOWS / 3600 },
    })
    .expect(201);
  expect((created.body as Monitor).slug).toBe('busy-hosts');
  await request(f.app).post('/api/monitors').send({ name: 'Busy hosts', detector: 'threshold' }).expect(409);
  const unknown = await request(f.app).post('/api/monitors').send({ name: 'x', detector: 'telepathy' }).expect(400);
  expect(unknown.body).toMatchObject({ error: { code: 'DETECTOR_UNKNOWN' } });
  const badParam = await request(f.app)
    .post('/api/monitors')
    .send({ name: 'x', detector: 'threshold', params: { above: 'lots' } })
    .expect(400);
  expect(badParam.body.error.message).toMatch(/above .* must be a number/);
  expect(
    ((await request(f.app).get('/api/monitors').expect(200)).body as { monitors: Monitor[] }).monitors.map(
      (m) => m.name,
    ),
  ).toEqual(['Busy hosts']);

  // Expected from the flows themselves: destinations with more than FLOWS flows in the first hour.
  const counts = new Map<string, number>();
  for (const { doc } of f.docs) {
    const t = Date.parse(doc['@timestamp']);
    if (t >= START && t < START + HOUR && doc.destination.ip)
      counts.set(doc.destination.ip, (counts.get(doc.destination.ip) ?? 0) + 1);
  }
  const busy = [...counts]
    .filter(([, n]) => n > FLOWS)
    .map(([ip]) => ip)
    .sort();
  expect(busy.length).toBeGreaterThan(0);

  const notifier = new Notifier([]);
  const runs = await runDue(
    { client: f.cluster.client, config: f.cluster.config, registry: loadRegistry(''), notifier },
    { now: START + HOUR + 60_000, since: START },
  );
  expect(runs.map((r) => [r.monitor, r.findings, r.raised, r.error])).toEqual([
    ['busy-hosts', busy.length, busy.length, undefined],
  ]);
  // The same window is never evaluated twice: the cursor has moved past it.
  expect(
    await runDue(
      { client: f.cluster.client, config: f.cluster.config, registry: loadRegistry(''), notifier },
      { now: START + HOUR + 60_000, since: START },
    ),
  ).toEqual([]);

  const alerts = ((await request(f.app).get('/api/alerts').expect(200)).body as { alerts: Alert[] }).alerts;
  expect(alerts.map((a) => String(a.key.destination)).sort()).toEqual(busy);
  const top = alerts.find((a) => a.key.destination === busy[0])!;
  expect(top).toMatchObject({ state: 'active', monitor: 'busy-hosts', value: (counts.get(busy[0]!) ?? 0) / 3600 });
  expect(top.link).toBe(
    `/?q=dst%3A${encodeURIComponent(busy[0]!)}&from=${encodeURIComponent(new Date(START).toISOString())}&to=${encodeURIComponent(new Date(START + HOUR).toISOString())}`,
  );

  const page = await request(f.app).get('/alerts').expect(200);
  expect(page.text).toContain(`destination ${busy[0]}`);
  expect((page.text.match(/>Acknowledge</g) ?? []).length).toBe(busy.length);
  const { cookie, token } = await formToken();
  await request(f.app)
    .post(`/alerts/${encodeURIComponent(top.id)}/ack`)
    .set('Cookie', cookie)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  const acked = ((await request(f.app).get('/api/alerts?state=acknowledged').expect(200)).body as { alerts: Alert[] })
    .alerts;
  expect(acked.map((a) => a.id)).toEqual([top.id]);
  expect(acked[0]?.history.map((h) => h.state)).toEqual(['active', 'acknowledged']);

  const missing = await request(f.app).post('/api/alerts/nope/ack').send({}).expect(404);
  expect(missing.body).toMatchObject({ error: { code: 'ALERT_NOT_FOUND' } });
  await request(f.app).delete('/api/monitors/busy-hosts').expect(204);
  await request(f.app).delete('/api/monitors/busy-hosts').expect(404);
});
