import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config';
import { connect } from '../src/store/client';
import { indexOwn } from './query';
import { dataSpan } from './store';
import type { BenchResult, BenchSuite } from './types';

const PREFIX = 'bench-load-';
const CONCURRENCY = 20;
const DURATION_MS = 30_000;
const CLI = path.resolve(__dirname, '../cli/flowdex.js');

/** Resident memory of a process in bytes (Linux). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** `flowdex serve` as users run it, in its own process, so its memory is the explorer's alone. */
async function startExplorer(url: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-alerts'], {
    env: { ...process.env, OPENSEARCH_URL: url, FLOWDEX_PREFIX: PREFIX },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (/^http:\/\//.test(line)) return { child, url: line.trim() };
  throw new Error('flowdex serve exited before printing its URL');
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * A bounded load test of the explorer's JSON API on loopback: CONCURRENCY clients send search
 * and report requests without pause for DURATION_MS against `flowdex serve` in its own
 * process, over generated flows. Throughput, latency percentiles, errors (any status but 200,
 * or a failed request) and the explorer's resident memory before and after.
 */
export const loadSuite: BenchSuite = {
  name: 'load',
  needsOpenSearch: true,
  async run({ scale, url }) {
    const cfg = loadConfig({ opensearch: url, prefix: PREFIX });
    const { client } = await connect(cfg);
    let explorer: { child: ChildProcess; url: string } | undefined;
    try {
      let span = await dataSpan(client, PREFIX);
      if (span === undefined) {
        await indexOwn(client, cfg, Math.max(5000, Math.round(200_000 * scale)));
        span = await dataSpan(client, PREFIX);
      }
      if (span === undefined) throw new Error('no flows to load-test');
      const range = `from=${new Date(span.from).toISOString()}&to=${new Date(span.to).toISOString()}`;
      const q = (s: string) => encodeURIComponent(s);
      const requests = [
        `api/search?q=${q('dport:443')}&${range}`,
        `api/search?q=${q('dst:10.0.1.0/24 proto:tcp')}&${range}`,
        `api/search?q=${q('bytes>100k')}&sort=bytes&${range}`,
        `api/report/top-sources?${range}`,
        `api/report/top-pairs?${range}`,
        `api/report/traffic?interval=1h&${range}`,
        `api/report/protocols?${range}`,
        `api/report/top-services?q=${q('proto:udp')}&${range}`,
      ];
      explorer = await startExplorer(url ?? '');
      const pid = explorer.child.pid ?? 0;
      // One pass of every request warms the explorer and the node's caches before memory is read.
      for (const r of requests) await (await fetch(explorer.url + r)).arrayBuffer();
      const rssBefore = rssOf(pid);
      const ms: number[] = [];
      const errors = new Map<string, number>();
      const fail = (why: string) => errors.set(why, (errors.get(why) ?? 0) + 1);
      const t0 = performance.now();
      const end = t0 + DURATION_MS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, k) => {
          for (let i = k; performance.now() < end; i++) {
            const started = performance.now();
            try {
              const res = await fetch(explorer!.url + requests[i % requests.length]);
              await res.arrayBuffer();
              if (res.status !== 200) fail(`HTTP ${res.status}`);
            } catch (e) {
              fail((e as Error).message);
            }
            ms.push(performance.now() - started);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const rssAfter = rssOf(pid);
      const failed = [...errors.values()].reduce((a, b) => a + b, 0);
      ms.sort((a, b) => a - b);
      const note = `${CONCURRENCY} clients, ${Math.round(seconds)} s, ${ms.length} requests over ${span.flows} flows, search + report API`;
      const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}): BenchResult => ({
        suite: 'load',
        name,
        value,
        unit,
        note,
        ...extra,
      });
      return [
        row('throughput', Math.round((ms.length / seconds) * 10) / 10, 'req/s'),
        row('latency p50', Math.round(percentile(ms, 50)), 'ms'),
        row('latency p95', Math.round(percentile(ms, 95)), 'ms'),
        row('latency p99', Math.round(percentile(ms, 99)), 'ms'),
        row('errors', failed, 'requests', {
          goal: '0',
          met: failed === 0,
          note: [...errors].map(([why, n]) => `${why} ×${n}`).join(', ') || 'none',
        }),
        row('explorer RSS before', Math.round(rssBefore / 2 ** 20), 'MiB'),
        row('explorer RSS after', Math.round(rssAfter / 2 ** 20), 'MiB'),
      ];
    } finally {
      explorer?.child.kill('SIGTERM');
      const names = await client.cat.indices({ index: `${PREFIX}*`, format: 'json' }, { ignore: [404] });
      for (const i of (names.body as { index?: string }[] | undefined) ?? [])
        if (i.index) await client.indices.delete({ index: i.index }, { ignore: [404] });
      await client.close();
    }
  },
};
