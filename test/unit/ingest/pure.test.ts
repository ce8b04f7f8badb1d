import { classifyItem, classifyResponse, bulkBody } from '../../../src/ingest/bulk';
import { CompletionTracker } from '../../../src/ingest/follow';
import { globToRegExp, isIgnoredName } from '../../../src/ingest/inputs';
import { progressLine } from '../../../src/ingest/progress';
import { durationMs, expiredIndices } from '../../../src/ingest/prune';
import { backoffDelay, waitLine } from '../../../src/ingest/retry';
import { dayOfIndex, indexFor } from '../../../src/store/indices';

describe('daily index naming', () => {
  test.each([Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 12)])(
    'indexFor and dayOfIndex agree for %d',
    (ms) => {
      const name = indexFor('p-', ms);
      expect(dayOfIndex('p-', name)).toBe(Math.floor(ms / 86_400_000) * 86_400_000);
    },
  );
  test('names days in UTC and rejects what is not a daily index', () => {
    expect(indexFor('flowdex-', Date.UTC(2024, 2, 9, 23, 59))).toBe('flowdex-flows-2024.03.09');
    expect(dayOfIndex('flowdex-', 'flowdex-flows-2024.02.31')).toBeUndefined();
    expect(dayOfIndex('flowdex-', 'flowdex-rollup-x-2024.02')).toBeUndefined();
    expect(dayOfIndex('flowdex-', 'other-flows-2024.02.01')).toBeUndefined();
  });
});

test('prune keeps a day until all of it is past the retention', () => {
  const now = Date.UTC(2024, 3, 30, 12);
  const names = ['p-flows-2024.03.30', 'p-flows-2024.03.31', 'p-flows-2024.04.01', 'p-state', 'p-flows-2024.03.01'];
  expect(expiredIndices('p-', names, durationMs('30d', '--older-than'), now)).toEqual([
    'p-flows-2024.03.01',
    'p-flows-2024.03.30',
  ]);
  expect(() => durationMs('30 days', '--older-than')).toThrow(/--older-than/);
});

test('backoff grows exponentially, is capped, and is jittered below the ceiling', () => {
  expect(backoffDelay(0, { random: () => 0.999 })).toBe(100);
  expect(backoffDelay(3, { random: () => 0.5 })).toBe(400);
  expect(backoffDelay(40, { random: () => 0.999 })).toBe(9990);
  expect(backoffDelay(5, { random: () => 0 })).toBe(0);
});

test('the wait line counts down to --give-up-after, and says it waits for the node when there is no deadline', () => {
  expect(waitLine('HTTP 503', 12_400, 60_000)).toBe(
    'OpenSearch not accepting writes (HTTP 503); retrying for 48 s more (waited 12 s)',
  );
  expect(waitLine('unreachable: ECONNREFUSED', 7_000, Number.POSITIVE_INFINITY)).toBe(
    'OpenSearch not accepting writes (unreachable: ECONNREFUSED); retrying until it is back (waited 7 s)',
  );
});

test('bulk items: created, duplicate, pushed back, refused', () => {
  expect(classifyItem({ status: 201 })).toEqual({ kind: 'indexed' });
  expect(classifyItem({ status: 409, error: { type: 'version_conflict_engine_exception' } })).toEqual({
    kind: 'duplicate',
  });
  expect(
    classifyItem({ status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } }).kind,
  ).toBe('retry');
  expect(
    classifyItem({
      status: 400,
      error: { type: 'mapper_parsing_exception', reason: 'bad', caused_by: { type: 'x', reason: 'y' } },
    }),
  ).toEqual({
    kind: 'rejected',
    reason: 'mapper_parsing_exception: bad (x: y)',
  });
  expect(classifyResponse({ errors: true, items: [{ create: { status: 201 } }] }, 2).map((o) => o.kind)).toEqual([
    'indexed',
    'rejected',
  ]);
  expect(classifyResponse({ errors: false }, 2).map((o) => o.kind)).toEqual(['indexed', 'indexed']);
});

test('bulk body is create actions with the documents as given', () => {
  const body = bulkBody([{ index: 'i', id: 'a"b', source: '{"x":1}', ts: 0, loc: { file: 'f' } }]);
  expect(body).toBe('{"create":{"_index":"i","_id":"a\\"b"}}\n{"x":1}\n');
});

test('a watched file is complete after two unchanged polls, or at once when renamed in', () => {
  const t = new CompletionTracker();
  expect(t.poll([{ name: 'a', size: 1, mtimeMs: 100 }], 1000)).toEqual([]);
  expect(t.poll([{ name: 'a', size: 2, mtimeMs: 1500 }], 2000)).toEqual([]);
  expect(t.poll([{ name: 'a', size: 2, mtimeMs: 1500 }], 3000)).toEqual([]);
  // Renamed in: first seen now, but last modified before the previous poll.
  expect(
    t.poll(
      [
        { name: 'a', size: 2, mtimeMs: 1500 },
        { name: 'b', size: 9, mtimeMs: 500 },
      ],
      4000,
    ),
  ).toEqual(['a', 'b']);
  expect(
    t.poll(
      [
        { name: 'a', size: 2, mtimeMs: 1500 },
        { name: 'b', size: 9, mtimeMs: 500 },
      ],
      5000,
    ),
  ).toEqual([]);
});

test('globs match one segment; our own outputs and partial files are not inputs', () => {
  const re = globToRegExp('flows-??.*');
  expect(re.test('flows-01.json')).toBe(true);
  expect(re.test('flows-1.json')).toBe(false);
  expect(re.test('flows-01.json/x')).toBe(false);
  expect(isIgnoredName('a.json.dead-letter.ndjson')).toBe(true);
  expect(isIgnoredName('.hidden')).toBe(true);
  expect(isIgnoredName('x.part')).toBe(true);
  expect(isIgnoredName('x.json')).toBe(false);
});

test('progress line shows a bar and ETA only when the total is known', () => {
  const counts = { read: 5000, indexed: 0, duplicates: 0, rejected: 0 };
  expect(progressLine({ counts, bytesRead: 500, totalBytes: 1000 }, 1000, 10)).toBe(
    '[#####.....]  50% 500 B/1.0 kB 5000 flows, 5000 flows/s, ETA 1s',
  );
  expect(progressLine({ counts, bytesRead: 2_500_000 }, 2000)).toBe('2.5 MB read, 5000 flows, 2500 flows/s');
});
