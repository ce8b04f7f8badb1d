import { acknowledge, applyWindow, explorerLink, keyHash } from '../../../src/alerts/lifecycle';
import type { Alert, Finding, Monitor } from '../../../src/alerts/types';

const MIN = 60_000;
const T = Date.UTC(2024, 0, 1, 12);
const monitor: Monitor = {
  name: 'Scans',
  slug: 'scans',
  description: '',
  schedule: '1m',
  query: 'proto:tcp',
  detector: 'vertical-scan',
  params: {},
  enabled: true,
  created: '',
  updated: '',
};
const w = (i: number) => ({ from: T + i * MIN, to: T + (i + 1) * MIN });
const finding = (source: string, value = 150): Finding => ({
  key: { source, destination: '10.0.0.1' },
  value,
  threshold: 100,
  severity: 'medium',
  message: `scan ${value}`,
});

/** Applies windows in order, keeping every alert's latest version, as the runner does. */
function run(perWindow: Finding[][]): { alerts: Map<string, Alert>; events: string[] } {
  const alerts = new Map<string, Alert>();
  const events: string[] = [];
  perWindow.forEach((findings, i) => {
    const out = applyWindow(monitor, [...alerts.values()], findings, w(i));
    for (const a of out.changed) alerts.set(a.id, a);
    for (const e of out.events) events.push(`${i}:${e.event}:${String(e.alert.key.source)}`);
  });
  return { alerts, events };
}

test('one alert per key while it keeps firing; resolved after two clean windows', () => {
  const { alerts, events } = run([[finding('a')], [finding('a', 300), finding('a', 200)], [finding('a')], [], []]);
  expect(events).toEqual(['0:raised:a', '4:resolved:a']);
  const [a] = [...alerts.values()];
  expect(alerts.size).toBe(1);
  expect(a).toMatchObject({
    state: 'resolved',
    windows: 3,
    first_seen: new Date(w(0).from).toISOString(),
    last_seen: new Date(w(2).to).toISOString(),
    resolved_at: new Date(w(4).to).toISOString(),
  });
  // The largest value of a window with the key twice.
  expect(a?.history.map((h) => h.state)).toEqual(['active', 'resolved']);
});

test('a single clean window does not resolve; a key back soon after resolving reopens silently (flapping)', () => {
  const { alerts, events } = run([
    [finding('a')],
    [],
    [finding('a')],
    [],
    [],
    [finding('a')],
    [],
    [],
    [],
    [],
    [],
    [],
    [finding('a')],
  ]);
  // Resolved at the end of window 7; back in window 12, more than three windows later: a new alert.
  expect(events).toEqual(['0:raised:a', '4:resolved:a', '12:raised:a']);
  const list = [...alerts.values()];
  expect(list).toHaveLength(2);
  expect(list[0]).toMatchObject({ flaps: 1, state: 'resolved' });
  expect(list[1]).toMatchObject({ flaps: 0, state: 'active', first_seen: new Date(w(12).from).toISOString() });
});

test('keys are independent and ids stable', () => {
  const { alerts, events } = run([[finding('a'), finding('b')], [finding('b')], [finding('b')]]);
  expect(events).toEqual(['0:raised:a', '0:raised:b', '2:resolved:a']);
  expect([...alerts.keys()]).toEqual([
    `scans:${keyHash({ source: 'a', destination: '10.0.0.1' })}:${w(0).from}`,
    `scans:${keyHash({ source: 'b', destination: '10.0.0.1' })}:${w(0).from}`,
  ]);
  expect(keyHash({ b: 1, a: 2 })).toBe(keyHash({ a: 2, b: 1 }));
});

test('acknowledged alerts stay open without new events and still resolve', () => {
  const first = applyWindow(monitor, [], [finding('a')], w(0)).changed[0]!;
  const acked = acknowledge(first, T, 'looking');
  expect(acked.state).toBe('acknowledged');
  expect(acknowledge(acked, T)).toBe(acked);
  const next = applyWindow(monitor, [acked], [finding('a')], w(1));
  expect(next.events).toEqual([]);
  expect(next.changed[0]?.state).toBe('acknowledged');
  const gone = applyWindow(monitor, [{ ...next.changed[0]!, clean: 1 }], [], w(2));
  expect(gone.events.map((e) => e.event)).toEqual(['resolved']);
});

test('links open the explorer on the monitor query and the key over the alert time', () => {
  const link = explorerLink(monitor, { source: '10.1.2.3', port: 445, app: 'smb v2' }, T, T + MIN);
  const u = new URL(link, 'http://x');
  expect(u.pathname).toBe('/');
  expect(u.searchParams.get('q')).toBe('(proto:tcp) and (src:10.1.2.3 dport:445 app:"smb v2")');
  expect(u.searchParams.get('from')).toBe('2024-01-01T12:00:00.000Z');
  expect(u.searchParams.get('to')).toBe('2024-01-01T12:01:00.000Z');
});
