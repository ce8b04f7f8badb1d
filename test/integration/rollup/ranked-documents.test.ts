import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateFlows } from '../../../src/generate/flows';
import { runReport, type ReportRequest } from '../../../src/report/run-report';
import { PARTIAL_FIELD } from '../../../src/rollup/specs';
import { rollupAlias } from '../../../src/store/indices';
import { testCluster } from '../../support/opensearch';
import { indexRecords, useStore } from '../../support/store';

const tc = testCluster(__filename);
const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-ranked-'));
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 6, 1);
const NOW = T0 + 3 * DAY;
const iso = (t: number) => new Date(t).toISOString();
const report = (req: ReportRequest) => runReport(tc.client, tc.config, req, NOW);
const TALKERS = () => rollupAlias(tc.prefix, 'talkers-1d');

useStore(tc, dir);
beforeAll(async () => {
  await indexRecords(tc, generateFlows({ flows: 12_000, start: T0, spanMs: 2 * DAY, seed: 5 }), 'flows', dir);
});

interface Hit {
  _id: string;
  _index: string;
  _source: Record<string, unknown> & {
    flows: number;
    network: { bytes: number; packets: number };
    source: { bytes?: number; packets?: number };
    destination: { bytes?: number; packets?: number };
  };
}

/**
 * Replaces each of a pair's day documents by partial documents of one flow each, with the same
 * totals: what a run leaves behind when it is killed after writing partials and before
 * compacting them. Each piece counts one flow, as most pairs do, so ranking documents by flows
 * alone would not see the pair.
 */
async function splitIntoPartials(src: string, dst: string): Promise<number> {
  const res = await tc.client.search({
    index: TALKERS(),
    body: {
      size: 100,
      query: { bool: { filter: [{ term: { 'source.ip': src } }, { term: { 'destination.ip': dst } }] } },
    },
  });
  const hits = (res.body as unknown as { hits: { hits: Hit[] } }).hits.hits;
  const lines: unknown[] = [];
  for (const h of hits) {
    lines.push({ delete: { _index: h._index, _id: h._id } });
    const s = h._source;
    const pieces = s.flows;
    const share = (v: number | undefined, i: number) =>
      v === undefined ? undefined : Math.floor(v / pieces) + (i < v % pieces ? 1 : 0);
    for (let i = 0; i < pieces; i++)
      lines.push(
        { index: { _index: h._index, _id: `${h._id}~test.${i}` } },
        {
          ...s,
          flows: share(s.flows, i),
          network: { bytes: share(s.network.bytes, i), packets: share(s.network.packets, i) },
          source: { ...s.source, bytes: share(s.source.bytes, i), packets: share(s.source.packets, i) },
          destination: {
            ...s.destination,
            bytes: share(s.destination.bytes, i),
            packets: share(s.destination.packets, i),
          },
          [PARTIAL_FIELD]: true,
        },
      );
  }
  const written = await tc.client.bulk({ body: lines as Record<string, unknown>[], refresh: true });
  expect((written.body as { errors: boolean }).errors).toBe(false);
  return hits.length;
}

test('top-N from ranked rollup documents equals raw, also when a group is spread over partials', async () => {
  const req: ReportRequest = { report: 'top-pairs', from: iso(T0), to: iso(T0 + 2 * DAY), top: 5, by: 'flows' };
  const raw = await report({ ...req, raw: true });
  const spy = jest.spyOn(tc.client, 'search');
  try {
    const planned = await report(req);
    expect(planned.served_by.every((i) => i.includes('rollup-talkers-1d'))).toBe(true);
    expect(planned.rows).toEqual(raw.rows);
    // The documents were ranked: a sort by the stored flow count on the pairs' rollup.
    const sorted = spy.mock.calls.filter((call) =>
      JSON.stringify((call[0] as { body?: { sort?: unknown } }).body?.sort ?? null).includes('"flows"'),
    );
    expect(sorted.length).toBeGreaterThan(0);
  } finally {
    spy.mockRestore();
  }

  // The first pair's documents become partials of one flow each: still first, found through the bound.
  const top = raw.rows[0] as { source: string; destination: string; flows: number };
  expect(top.flows).toBeGreaterThan(20);
  expect(await splitIntoPartials(top.source, top.destination)).toBe(2);
  const again = await report(req);
  expect(again.served_by.every((i) => i.includes('rollup-talkers-1d'))).toBe(true);
  expect(again.rows).toEqual(raw.rows);
  // And filtered the same way, with the rest of the report's metrics.
  for (const by of ['bytes', 'packets'] as const) {
    const filtered: ReportRequest = { ...req, by, query: 'src:10.0.0.0/8', top: 3 };
    expect((await report(filtered)).rows).toEqual((await report({ ...filtered, raw: true })).rows);
  }
});

test('a later run marks the partials it writes into buckets that hold documents already', async () => {
  const spy = jest.spyOn(tc.client, 'bulk');
  try {
    // Late flows of the same hosts into both days: their groups have documents already.
    await indexRecords(tc, generateFlows({ flows: 3000, start: T0 + DAY / 2, spanMs: DAY, seed: 6 }), 'late', dir);
    const lines = spy.mock.calls.flatMap((call) => (call[0] as { body?: unknown[] }).body ?? []);
    const partials = lines.flatMap((line, i) => {
      const id = (line as { index?: { _id?: string } }).index?._id;
      return id?.includes('~') ? [lines[i + 1]] : [];
    });
    expect(partials.length).toBeGreaterThan(100);
    expect(partials.every((doc) => (doc as Record<string, unknown>)[PARTIAL_FIELD] === true)).toBe(true);
  } finally {
    spy.mockRestore();
  }
  const req: ReportRequest = { report: 'top-pairs', from: iso(T0), to: iso(T0 + 2 * DAY), top: 10, by: 'bytes' };
  const planned = await report(req);
  expect(planned.served_by.every((i) => i.includes('rollup-talkers-1d'))).toBe(true);
  expect(planned.rows).toEqual((await report({ ...req, raw: true })).rows);
});
