import { createHash } from 'node:crypto';
import type { TimeRange } from '../model/time';
import { andQuery } from './context';
import { keyQuery } from './groups';
import type { Alert, AlertEvent, Finding, FindingKey, Monitor } from './types';

/**
 * Alert lifecycle, pure: active → acknowledged → resolved. One alert per monitor and key while
 * it is open (deduplication); it resolves after `resolveAfter` windows without a finding, and
 * a key that comes back within `flapWindows` windows of resolving reopens the same alert
 * silently (flapping): neither that nor its next resolution is notified again.
 */
export interface LifecyclePolicy {
  /** @default 2 */
  resolveAfter: number;
  /** @default 3 */
  flapWindows: number;
}

export const DEFAULT_POLICY: LifecyclePolicy = { resolveAfter: 2, flapWindows: 3 };

export function keyHash(key: FindingKey): string {
  const sorted = Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha1').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** The explorer's search, filtered to the monitor's query and the key, over the alert's time. */
export function explorerLink(monitor: Pick<Monitor, 'query'>, key: FindingKey, from: number, to: number): string {
  const params = new URLSearchParams({
    q: andQuery(monitor.query, keyQuery(key)),
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  return `/?${params.toString()}`;
}

const iso = (t: number): string => new Date(t).toISOString();

/** One finding per key: a detector naming a key twice keeps its largest value. */
function byKey(findings: readonly Finding[]): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of findings) {
    const h = keyHash(f.key);
    const seen = out.get(h);
    if (seen === undefined || f.value > seen.value) out.set(h, f);
  }
  return out;
}

export interface WindowOutcome {
  /** Alerts to store (new or changed). */
  changed: Alert[];
  /** What to notify. */
  events: AlertEvent[];
}

/**
 * Applies one window's findings to the monitor's alerts that are open or resolved recently
 * (`known`). Windows must be applied in order.
 */
export function applyWindow(
  monitor: Monitor,
  known: readonly Alert[],
  findings: readonly Finding[],
  window: TimeRange,
  policy: LifecyclePolicy = DEFAULT_POLICY,
): WindowOutcome {
  const ms = window.to - window.from;
  const changed: Alert[] = [];
  const events: AlertEvent[] = [];
  const found = byKey(findings);
  const open = new Map(known.filter((a) => a.state !== 'resolved').map((a) => [a.key_hash, a]));
  // The most recently resolved alert per key, for flapping.
  const resolved = new Map<string, Alert>();
  for (const a of known)
    if (a.state === 'resolved' && (resolved.get(a.key_hash)?.resolved_at ?? '') < (a.resolved_at ?? ''))
      resolved.set(a.key_hash, a);

  for (const [h, f] of found) {
    const base = {
      value: f.value,
      threshold: f.threshold,
      severity: f.severity,
      message: f.message,
      ...(f.kind !== undefined ? { kind: f.kind } : {}),
    };
    const current = open.get(h);
    if (current) {
      changed.push({
        ...current,
        ...base,
        last_seen: iso(window.to),
        windows: current.windows + 1,
        clean: 0,
        link: explorerLink(monitor, f.key, Date.parse(current.first_seen), window.to),
      });
      continue;
    }
    const last = resolved.get(h);
    if (last?.resolved_at !== undefined && Date.parse(last.resolved_at) >= window.from - policy.flapWindows * ms) {
      const { resolved_at: _, ...rest } = last;
      changed.push({
        ...rest,
        ...base,
        state: 'active',
        last_seen: iso(window.to),
        windows: last.windows + 1,
        clean: 0,
        flaps: last.flaps + 1,
        link: explorerLink(monitor, f.key, Date.parse(last.first_seen), window.to),
        history: [...last.history, { at: iso(window.to), state: 'active', note: 'reopened (flapping)' }],
      });
      continue;
    }
    const alert: Alert = {
      id: `${monitor.slug}:${h}:${window.from}`,
      monitor: monitor.slug,
      detector: monitor.detector,
      key_hash: h,
      key: f.key,
      ...base,
      state: 'active',
      first_seen: iso(window.from),
      last_seen: iso(window.to),
      windows: 1,
      clean: 0,
      flaps: 0,
      link: explorerLink(monitor, f.key, window.from, window.to),
      history: [{ at: iso(window.to), state: 'active', note: f.message }],
    };
    changed.push(alert);
    events.push({ event: 'raised', alert });
  }

  for (const [h, a] of open) {
    if (found.has(h)) continue;
    const clean = a.clean + 1;
    if (clean < policy.resolveAfter) {
      changed.push({ ...a, clean });
      continue;
    }
    const done: Alert = {
      ...a,
      clean,
      state: 'resolved',
      resolved_at: iso(window.to),
      history: [...a.history, { at: iso(window.to), state: 'resolved', note: `no finding for ${clean} windows` }],
    };
    changed.push(done);
    // Receivers last heard "resolved" for an alert that reopened silently; they hear nothing more.
    if (a.flaps === 0) events.push({ event: 'resolved', alert: done });
  }
  return { changed, events };
}

/** An open alert acknowledged by someone: it stays until resolved but is not notified again. */
export function acknowledge(a: Alert, now: number, note = 'acknowledged'): Alert {
  if (a.state !== 'active') return a;
  return { ...a, state: 'acknowledged', history: [...a.history, { at: iso(now), state: 'acknowledged', note }] };
}
