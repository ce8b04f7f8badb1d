import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { applyWindow } from '../../../src/alerts/lifecycle';
import { fileChannel, Notifier, webhookChannel, type Channel } from '../../../src/alerts/notify';
import type { AlertEvent, Monitor } from '../../../src/alerts/types';

const monitor: Monitor = {
  name: 'm',
  slug: 'm',
  description: '',
  schedule: '1m',
  query: '',
  detector: 'threshold',
  params: {},
  enabled: true,
  created: '',
  updated: '',
};
const T = Date.UTC(2024, 0, 1);
const event: AlertEvent = applyWindow(
  monitor,
  [],
  [{ key: { destination: '10.0.0.1' }, value: 5, threshold: 1, severity: 'high', message: 'too much' }],
  { from: T, to: T + 60_000 },
).events[0]!;

/** A receiver answering each POST with the next status of `statuses` (then 200), recording bodies. */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('webhook: JSON POST, retried with backoff after 5xx until delivered', async () => {
  const rx = await receiver([503, 500]);
  try {
    const t0 = Date.now();
    await webhookChannel(rx.url, { backoffMs: 50 }).send(event);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // 50 + 100 ms of backoff
    expect(rx.bodies).toHaveLength(3);
    expect(JSON.parse(rx.bodies[2]!)).toMatchObject({
      event: 'raised',
      monitor: 'm',
      key: { destination: '10.0.0.1' },
      state: 'active',
      severity: 'high',
    });
  } finally {
    await rx.close();
  }
});

test('webhook: a 4xx is not retried; an unreachable receiver fails after every attempt', async () => {
  const rx = await receiver([400]);
  try {
    await expect(webhookChannel(rx.url, { backoffMs: 1 }).send(event)).rejects.toThrow(/HTTP 400/);
    expect(rx.bodies).toHaveLength(1);
  } finally {
    await rx.close();
  }
  await expect(webhookChannel(rx.url, { attempts: 2, backoffMs: 1 }).send(event)).rejects.toThrow(
    /failed after retries/,
  );
  expect(() => webhookChannel('ftp://x')).toThrow(/http/);
});

test('a failing channel never blocks the others or the caller; failures are counted', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-notify-'));
  try {
    const waiting: (() => void)[] = [];
    const slow: Channel = { name: 'slow', send: () => new Promise<void>((r) => void waiting.push(r)) };
    const broken: Channel = { name: 'broken', send: async () => Promise.reject(new Error('down')) };
    const logged: string[] = [];
    const n = new Notifier([slow, broken, fileChannel(path.join(dir, 'alerts.ndjson'))], (l) => logged.push(l));
    n.notify([event, event]); // returns at once while `slow` hangs
    // The file and the broken channel finish; the slow one is still pending.
    while (n.stats.sent + n.stats.failed < 4) await new Promise((r) => setTimeout(r, 5));
    expect(n.stats).toEqual({ sent: 2, failed: 2, pending: 2 });
    expect(logged).toEqual(['flowdex alerts: broken: down', 'flowdex alerts: broken: down']);
    for (const r of waiting) r();
    await n.flush();
    expect(n.stats.pending).toBe(0);
    const lines = readFileSync(path.join(dir, 'alerts.ndjson'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['raised', 'raised']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
