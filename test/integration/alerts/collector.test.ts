import { loadRegistry } from '../../../src/alerts/modules';
import { evaluateMonitor } from '../../../src/alerts/runner';
import type { Monitor } from '../../../src/alerts/types';
import { saveStats } from '../../../src/collect/state';
import type { CollectorStats } from '../../../src/collect/stats';
import type { ExporterSnapshot } from '../../../src/collect/exporters';
import { stateIndex } from '../../../src/store/indices';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { testCluster } from '../../support/opensearch';

const tc = testCluster(__filename);
const MIN = 60_000;
const T = Date.UTC(2025, 2, 3, 10);
const iso = (t: number) => new Date(t).toISOString();
const monitor: Monitor = {
  name: 'health',
  slug: 'health',
  description: '',
  schedule: '5m',
  query: '',
  detector: 'collector-health',
  params: {},
  enabled: true,
  created: '',
  updated: '',
};

function exporter(
  address: string,
  lastSeen: number,
  flows: number,
  lost: number,
  noTemplate: number,
): ExporterSnapshot {
  return {
    address,
    formats: ['netflow-v9'],
    first_seen: iso(T - 60 * MIN),
    last_seen: iso(lastSeen),
    datagrams: flows / 20,
    flows,
    flows_per_s: 10,
    indexed: flows,
    duplicates: 0,
    rejected: 0,
    templates: 2,
    held_sets: 0,
    sequence: { lost, reordered: 0, resets: 0, streams: 1 },
    bad: noTemplate ? { 'no template': noTemplate } : {},
  };
}

/** What a running collector writes every few seconds, here at `updated`. */
async function report(updated: number, exporters: ExporterSnapshot[]): Promise<void> {
  const stats: CollectorStats = {
    name: 'edge',
    started: iso(T - 60 * MIN),
    updated: iso(updated),
    listeners: [],
    totals: {
      datagrams: 0,
      bytes: 0,
      datagrams_per_s: 0,
      flows: 0,
      flows_per_s: 0,
      indexed: 0,
      duplicates: 0,
      rejected: 0,
      bad_datagrams: 0,
      sequence_lost: 0,
      kernel_drops: 0,
    },
    spool: { bytes: 0, segments: 0, refused: 0, maxBytes: 0 },
    opensearch: 'ok',
    exporters,
  };
  await saveStats(tc.client, tc.prefix, stats.name, stats);
  await tc.client.indices.refresh({ index: stateIndex(tc.prefix) });
}

async function findings(at: number): Promise<[string | undefined, unknown, number][]> {
  const ev = await evaluateMonitor(
    { client: tc.client, config: tc.config, registry: loadRegistry('') },
    monitor,
    { from: at - 5 * MIN, to: at },
    at,
  );
  return ev.findings.map((f) => [f.kind, f.key, f.value]);
}

beforeAll(async () => {
  const { client, info } = await connect(tc.config);
  await setup(client, tc.config, info);
  await client.close();
});
afterAll(() => tc.cleanup());

test('silent exporters, sequence loss and missing templates since the last evaluation, and a collector that stopped reporting', async () => {
  await report(T - 10_000, [
    exporter('192.0.2.1', T - MIN, 1000, 7, 2),
    exporter('192.0.2.2', T - 12 * MIN, 500, 0, 0),
  ]);
  // First look: counters taken in, only the silence is a finding.
  expect(await findings(T)).toEqual([['silent', { collector: 'edge', exporter: '192.0.2.2' }, 12]]);

  await report(T + 5 * MIN - 10_000, [
    exporter('192.0.2.1', T + 5 * MIN - 5000, 1500, 57, 5),
    exporter('192.0.2.2', T - 12 * MIN, 500, 0, 0),
  ]);
  expect(await findings(T + 5 * MIN)).toEqual([
    ['sequence-loss', { collector: 'edge', exporter: '192.0.2.1' }, Math.round((50 / 550) * 10_000) / 10_000],
    ['missing-templates', { collector: 'edge', exporter: '192.0.2.1' }, 3],
    ['silent', { collector: 'edge', exporter: '192.0.2.2' }, 17],
  ]);

  // The same counters again: nothing new lost; then the collector stops writing its stats.
  await report(T + 10 * MIN - 10_000, [
    exporter('192.0.2.1', T + 10 * MIN - 5000, 2000, 57, 5),
    exporter('192.0.2.2', T - 12 * MIN, 500, 0, 0),
  ]);
  expect((await findings(T + 10 * MIN)).map((f) => f[0])).toEqual(['silent']);
  expect(await findings(T + 20 * MIN)).toEqual([['collector-down', { collector: 'edge' }, 10]]);
});
