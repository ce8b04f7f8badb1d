import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type FlowdexConfig } from '../src/config';
import { generateFlows } from '../src/generate/flows';
import { normalize } from '../src/model/normalize';
import { allFlowIndices, indexFor } from '../src/store/indices';
import { REPORTS, type ReportName } from '../src/query/reports';
import { runReport } from '../src/report/run-report';
import { searchFlows } from '../src/report/search';
import { connect } from '../src/store/client';
import { setup } from '../src/store/setup';
import { dataSpan } from './store';
import type { BenchResult, BenchSuite } from './types';

const OWN_PREFIX = 'bench-query-';
const DAY = 86400000;

/** Generated flows over three days, bulk-indexed after setup, for runs without indexed data. */
export async function indexOwn(client: Client, cfg: FlowdexConfig, flows: number): Promise<void> {
  const { client: c, info } = await connect(cfg);
  await setup(c, cfg, info);
  await c.close();
  let body: unknown[] = [];
  const flush = async () => {
    if (body.length === 0) return;
    await client.bulk({ body: body as Record<string, unknown>[] });
    body = [];
  };
  for (const r of generateFlows({ flows, start: Date.UTC(2024, 4, 1), spanMs: 3 * DAY, seed: 1 })) {
    const { id, doc } = normalize(r);
    body.push({ index: { _index: indexFor(cfg.prefix, r.start), _id: id } }, doc);
    if (body.length >= 10000) await flush();
  }
  await flush();
  await client.indices.refresh({ index: allFlowIndices(cfg.prefix) });
}

async function latencies(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await fn(); // warm caches once, as a dashboard that is used would be
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0) * 10) / 10;
  return { p50: at(0.5), p95: at(0.95) };
}

/**
 * Search and report latency (p50/p95 wall time through flowdex, client included) on the flows
 * under the shared prefix (`--prefix`, else FLOWDEX_PREFIX), or on generated flows indexed here when that prefix holds none.
 * nfdump peers (DESIGN §10) are not run by this suite.
 */
export const querySuite: BenchSuite = {
  name: 'query',
  needsOpenSearch: true,
  async run({ scale, url, prefix }) {
    const given = loadConfig({ opensearch: url, ...(prefix ? { prefix } : {}) });
    const { client } = await connect(given);
    let cfg = given;
    let own = false;
    try {
      let span = await dataSpan(client, cfg.prefix);
      if (span === undefined) {
        cfg = loadConfig({ opensearch: url, prefix: OWN_PREFIX });
        own = true;
        await indexOwn(client, cfg, Math.max(5000, Math.round(200_000 * scale)));
        span = await dataSpan(client, cfg.prefix);
      }
      if (span === undefined) throw new Error('no flows to query');
      const range = { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() };
      const note = `${span.flows} flows, prefix ${cfg.prefix}${own ? ' (generated here)' : ''}`;
      const rows: BenchResult[] = [];
      const add = (name: string, l: { p50: number; p95: number }, goal?: number) => {
        rows.push({ suite: 'query', name: `${name} p50`, value: l.p50, unit: 'ms', note });
        rows.push({
          suite: 'query',
          name: `${name} p95`,
          value: l.p95,
          unit: 'ms',
          ...(goal !== undefined ? { goal: `≤ ${goal}`, met: l.p95 <= goal } : {}),
          note,
        });
      };
      const searches: [string, string, string | undefined][] = [
        ['search src ip', 'src:10.0.1.10', undefined],
        ['search dst net /24 and dport 443', 'dst:10.0.1.0/24 dport:443', undefined],
        ['search ip v6 /32', 'ip:2001:db8::/32', undefined],
        ['search bytes range sorted by bytes', 'bytes>100k', 'bytes'],
      ];
      for (const [name, query, sort] of searches) {
        add(
          name,
          await latencies(20, () => searchFlows(client, cfg, { query, ...range, ...(sort ? { sort } : {}) })),
          100,
        );
      }
      for (const report of Object.keys(REPORTS) as ReportName[]) {
        add(
          `report ${report} (raw, whole range)`,
          await latencies(5, () => runReport(client, cfg, { report, ...range, interval: '1h', raw: true })),
        );
      }
      return rows;
    } finally {
      if (own) {
        const names = await client.cat.indices({ index: `${OWN_PREFIX}*`, format: 'json' }, { ignore: [404] });
        for (const i of (names.body as { index?: string }[] | undefined) ?? [])
          if (i.index) await client.indices.delete({ index: i.index }, { ignore: [404] });
      }
      await client.close();
    }
  },
};
