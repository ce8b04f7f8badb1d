import { checkMonitor } from '../../../src/alerts/monitors';
import { checkDetector, loadRegistry } from '../../../src/alerts/modules';
import { parseParamArgs } from '../../../src/alerts/params';
import { lastWindow, scheduleMs, windowsBetween } from '../../../src/alerts/schedule';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const reg = loadRegistry('');
const NOW = Date.UTC(2024, 0, 1);

test('schedules: 1m to 1d, dividing a day, with or without "every"', () => {
  expect(scheduleMs('1m')).toBe(60_000);
  expect(scheduleMs('every 15m')).toBe(900_000);
  expect(scheduleMs('1d')).toBe(86_400_000);
  for (const bad of ['30s', '7m', '2d', 'soon', '']) expect(() => scheduleMs(bad)).toThrow(/schedule/);
});

test('windows are aligned to the schedule and whole', () => {
  expect(lastWindow(NOW + 90_000, 60_000)).toEqual({ from: NOW, to: NOW + 60_000 });
  expect(windowsBetween(NOW + 1, NOW + 3 * 60_000 + 5, 60_000)).toEqual([
    { from: NOW + 60_000, to: NOW + 120_000 },
    { from: NOW + 120_000, to: NOW + 180_000 },
  ]);
});

test('parameters from the command line', () => {
  expect(parseParamArgs(['ports=200', 'kind=service', 'on=true', 'z=3.5'])).toEqual({
    ports: 200,
    kind: 'service',
    on: true,
    z: 3.5,
  });
  expect(() => parseParamArgs(['ports'])).toThrow(/name=value/);
});

test('a monitor is checked against its detector', () => {
  const m = checkMonitor(
    reg,
    { name: ' Scans ', detector: 'vertical-scan', params: { ports: 50 }, query: 'dst:10.0.0.0/8' },
    NOW,
  );
  expect(m).toMatchObject({
    name: 'Scans',
    schedule: '1m',
    params: { ports: 50 },
    enabled: true,
    query: 'dst:10.0.0.0/8',
  });
  expect(() => checkMonitor(reg, { name: 'x', detector: 'nope' }, NOW)).toThrow(/unknown detector "nope"/);
  expect(() => checkMonitor(reg, { name: 'x', detector: 'vertical-scan', params: { hosts: 5 } }, NOW)).toThrow(
    /no parameter "hosts"/,
  );
  expect(() => checkMonitor(reg, { name: 'x', detector: 'vertical-scan', params: { ports: 'many' } }, NOW)).toThrow(
    /must be a number/,
  );
  expect(() => checkMonitor(reg, { name: 'x', detector: 'vertical-scan', group: 'source' }, NOW)).toThrow(
    /keeps its own groups/,
  );
  expect(() => checkMonitor(reg, { name: 'x', detector: 'threshold', query: 'dport:' }, NOW)).toThrow();
  expect(() => checkMonitor(reg, { name: '!!', detector: 'threshold' }, NOW)).toThrow(/name/);
  expect(
    checkMonitor(reg, { name: 'x', detector: 'threshold', group: 'destination', schedule: 'every 5m' }, NOW),
  ).toMatchObject({ group: 'destination', schedule: '5m' });
});

test('user modules: loaded beside the built-ins, broken ones listed with the reason', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-modules-'));
  try {
    writeFileSync(
      path.join(dir, 'good.js'),
      "exports.detector = { name: 'ssh-brute', description: 'd', schedule: '5m', defaults: { flows: 100 }, groups: [], async evaluate() { return []; } };",
    );
    writeFileSync(path.join(dir, 'syntax.js'), 'exports.detector = {');
    writeFileSync(path.join(dir, 'taken.js'), "module.exports = { name: 'threshold', schedule: '1m', evaluate() {} };");
    writeFileSync(path.join(dir, 'notes.txt'), 'not a module');
    const r = loadRegistry(dir);
    expect(r.detectors.get('ssh-brute')?.defaults).toEqual({ flows: 100 });
    expect(r.modules.get('ssh-brute')).toBe(path.join(dir, 'good.js'));
    expect(r.errors.map((e) => path.basename(e.file))).toEqual(['syntax.js', 'taken.js']);
    expect(r.errors[1]?.message).toMatch(/"threshold" is taken/);
    expect(loadRegistry(path.join(dir, 'missing')).errors[0]?.message).toMatch(/cannot read the modules directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(() => checkDetector({ detector: { name: 'x', schedule: '1m' } }, 'f.js')).toThrow(/no evaluate/);
  expect(() => checkDetector({ name: 'x', schedule: '7m', evaluate() {} }, 'f.js')).toThrow(/schedule/);
});

test('the example module loads as a detector', () => {
  const r = loadRegistry(path.join(__dirname, '../../../examples/modules'));
  expect(r.errors).toEqual([]);
  expect(r.detectors.get('ssh-brute-force')).toMatchObject({ schedule: '5m', defaults: { flows: 100 }, groups: [] });
});
