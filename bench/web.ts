import { loadConfig } from '../src/config';
import { createClient } from '../src/store/client';
import { allFlowIndices } from '../src/store/indices';
import { serve } from '../src/web/server';
import { withoutRequestCache } from './store';
import type { BenchResult, BenchSuite } from './types';

const ROUNDS = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Wall time of one page as the browser sees it (server render + transfer on loopback). */
async function timePage(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - started;
}

/**
 * Server time of the explorer's heaviest pages on whatever flows the runner indexed under
 * the shared prefix (`--prefix`), else FLOWDEX_PREFIX: the reports dashboard (ten reports at once) and a search page (table plus
 * histogram). The range is the data's own, so the numbers do not depend on when the run happens;
 * the shard request cache is off while timing, so each round is the work, not a cache hit.
 */
export const webSuite: BenchSuite = {
  name: 'web',
  needsOpenSearch: true,
  async run(options) {
    const config = loadConfig({ opensearch: options.url, ...(options.prefix ? { prefix: options.prefix } : {}) });
    const client = createClient(config);
    const server = await serve({ client, config, port: 0 });
    try {
      const edge = async (order: 'asc' | 'desc'): Promise<number | undefined> => {
        const res = await client.search({
          index: allFlowIndices(config.prefix),
          body: { size: 1, _source: ['@timestamp'], sort: [{ '@timestamp': { order } }] },
        });
        const hit = (res.body as { hits: { hits: { _source: { '@timestamp': string } }[] } }).hits.hits[0];
        return hit ? Date.parse(hit._source['@timestamp']) : undefined;
      };
      const [first, last] = await Promise.all([edge('asc'), edge('desc')]);
      if (first === undefined || last === undefined) return [];
      const range = new URLSearchParams({ from: new Date(first).toISOString(), to: new Date(last + 1).toISOString() });
      const pages = [
        { name: 'dashboard page (10 reports)', path: `reports?${range.toString()}`, goal: '≤ 1000' },
        {
          name: 'search page (50 rows + histogram)',
          path: `?q=${encodeURIComponent('dport:443')}&${range.toString()}`,
          goal: undefined,
        },
      ];
      const results: BenchResult[] = [];
      for (const p of pages) {
        await timePage(server.url + p.path);
        // The shard request cache would answer a repeated page from memory.
        const times = await withoutRequestCache(client, config.prefix, async () => {
          const out: number[] = [];
          for (let i = 0; i < ROUNDS; i++) out.push(await timePage(server.url + p.path));
          return out;
        });
        times.sort((a, b) => a - b);
        const p50 = percentile(times, 50);
        results.push({
          suite: 'web',
          name: `${p.name} p50`,
          value: Math.round(p50),
          unit: 'ms',
          ...(p.goal ? { goal: p.goal, met: p50 <= 1000 } : {}),
          note: `${ROUNDS} rounds, prefix ${config.prefix}`,
        });
        results.push({ suite: 'web', name: `${p.name} p95`, value: Math.round(percentile(times, 95)), unit: 'ms' });
      }
      return results;
    } finally {
      await server.close();
      await client.close();
    }
  },
};
