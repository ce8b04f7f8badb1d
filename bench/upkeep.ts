import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type FlowdexConfig } from '../src/config';
import { DeadLetter } from '../src/ingest/dead-letter';
import { indexItems, RunCounts } from '../src/ingest/indexer';
import { runReport } from '../src/report/run-report';
import { ROLLUP_SPECS } from '../src/rollup/specs';
import { connect } from '../src/store/client';
import { allFlowIndices, rollupAlias } from '../src/store/indices';
import type { ReadItem } from '../src/readers/types';
import { dataSpan, flowItems, freshStore, sharedFlows, storeBytes, type BenchRange } from './store';
import type { BenchResult, BenchSuite } from './types';

const DAY = 86_400_000;
const START = Date.UTC(2024, 4, 1);

/** The flows both runs index, generated afresh for each. */
type Flows = () => { items: AsyncIterable<ReadItem>; range: BenchRange };

interface Run {
  seconds: number;
  /** Longest time from a flow's acknowledgement until a planned (rollup-served) traffic report counted it. */
  freshnessS?: number;
}

/**
 * Indexes the same generated flows into a fresh prefix. With rollups, a planned traffic report
 * over their range is sampled meanwhile: each sample's acknowledged count must show up in a later
 * sample's answer, and the longest such wait is the freshness.
 */
async function indexRun(client: Client, cfg: FlowdexConfig, flows: Flows, dir: string, rollups: boolean): Promise<Run> {
  const { items, range } = flows();
  const { info } = await connect(cfg);
  await freshStore(client, cfg, info);
  const deadLetter = new DeadLetter(path.join(dir, `${cfg.prefix}dead-letter.ndjson`));
  const counts = new RunCounts();
  const acked: { t: number; n: number }[] = [];
  const served: { t: number; n: number }[] = [];
  let sampling = rollups;
  const sampler = (async () => {
    while (sampling) {
      const t = performance.now();
      acked.push({ t, n: counts.total.indexed });
      const r = await runReport(
        client,
        cfg,
        {
          report: 'traffic',
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          interval: '1d',
        },
        range.to,
      ).catch(() => undefined);
      if (r) served.push({ t: performance.now(), n: r.rows.reduce((s, row) => s + Number(row.flows ?? 0), 0) });
      await new Promise((res) => setTimeout(res, 3000));
    }
  })();
  const t0 = performance.now();
  await indexItems(client, cfg, items, {
    deadLetter,
    counts,
    rollup: { marksOnly: !rollups },
  });
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  await deadLetter.close();
  if (!rollups) return { seconds };
  served.push({ t: performance.now(), n: counts.total.indexed });
  const waits = acked.map((a) => ((served.find((s) => s.t >= a.t && s.n >= a.n)?.t ?? a.t) - a.t) / 1000);
  return { seconds, freshnessS: Math.max(0, ...waits) };
}

/**
 * Rollup upkeep side by side: the same flows indexed with `--no-rollup` and with rollups kept
 * by the indexing stream, one run after the other; then each spec's size against the raw flows.
 * Scale 1 is 1 M flows over one day; with a shared prefix (`--prefix`), the shared month of
 * flows (`sharedFlows`), the run with rollups indexing them there for the suites after it.
 */
export const upkeepSuite: BenchSuite = {
  name: 'upkeep',
  needsOpenSearch: true,
  async run({ scale, url, prefix }) {
    const own = Math.max(5000, Math.round(1_000_000 * scale));
    const flows: Flows = prefix
      ? () => sharedFlows(scale)
      : () => ({
          items: flowItems({ flows: own, start: START, spanMs: DAY, seed: 21 }),
          range: { from: START, to: START + DAY, flows: own },
        });
    const { flows: count, from, to } = flows().range;
    // Beside a shared prefix, under it: a run of the suite at another scale may use bench-upkeep-a-.
    const plain = loadConfig({ opensearch: url, prefix: prefix ? `${prefix}no-rollup-` : 'bench-upkeep-a-' });
    const kept = loadConfig({ opensearch: url, prefix: prefix ?? 'bench-upkeep-b-' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-bench-upkeep-'));
    const { client } = await connect(plain);
    const out: BenchResult[] = [];
    const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}) =>
      out.push({ suite: 'upkeep', name, value: Math.round(value * 1000) / 1000, unit, ...extra });
    try {
      // Indexing times an empty store: shared flows left by an earlier run are not dropped here.
      if (prefix && (await dataSpan(client, prefix)))
        throw new Error(
          `upkeep indexes the shared data itself: ${prefix} already holds flows (delete ${prefix}* or run upkeep first)`,
        );
      // With rollups first: under a shared prefix, the later suites' data is there the soonest.
      const withRollups = await indexRun(client, kept, flows, dir, true);
      const without = await indexRun(client, plain, flows, dir, false);
      const upkeep = withRollups.seconds / without.seconds - 1;
      const note = `${count} generated flows over ${(to - from) / DAY === 1 ? 'one day' : `${(to - from) / DAY} days`}`;
      row('index --no-rollup', count / without.seconds, 'flows/s', {
        note: `${note}, ${without.seconds.toFixed(1)} s`,
      });
      row('index, rollups kept from the stream', count / withRollups.seconds, 'flows/s', {
        note: `${note}, ${withRollups.seconds.toFixed(1)} s`,
      });
      row('rollup upkeep (added to index wall time)', upkeep * 100, '%', {
        goal: '≤ 25',
        met: upkeep <= 0.25,
        note: `${(withRollups.seconds - without.seconds).toFixed(1)} s`,
      });
      row('freshness (ack → counted by a planned report)', withRollups.freshnessS ?? 0, 's', {
        goal: '≤ 60',
        met: (withRollups.freshnessS ?? 0) <= 60,
        note: 'planned traffic report sampled every 3 s while indexing',
      });
      const raw = await storeBytes(client, allFlowIndices(kept.prefix));
      let all = 0;
      for (const spec of ROLLUP_SPECS) {
        const bytes = await storeBytes(client, `${rollupAlias(kept.prefix, spec.name)}-*`);
        all += bytes;
        row(`${spec.name} size / raw`, bytes / raw, 'ratio', {
          note: `${(bytes / 1e6).toFixed(2)} MB vs raw ${(raw / 1e6).toFixed(2)} MB`,
        });
      }
      row('all rollups size / raw', all / raw, 'ratio', {
        goal: '≤ 0.5',
        met: all / raw <= 0.5,
        note: 'after force-merge to one segment',
      });
      return out;
    } finally {
      for (const c of prefix ? [plain] : [plain, kept])
        await client.indices.delete({ index: `${c.prefix}*` }, { ignore: [404] }).catch(() => undefined);
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
