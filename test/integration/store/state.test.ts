import { stateDocId, stateIndex } from '../../../src/store/indices';
import { ALERT_CURSORS, DIRTY_MARKS, WATERMARKS } from '../../../src/store/state';
import { testCluster } from '../../support/opensearch';
import { useStore } from '../../support/store';

const tc = testCluster(__filename);
useStore(tc);

const wm = (to: number) => ({ built_from: 0, built_to: to, updated: '2024-01-01T00:00:00.000Z', docs: 3, flows: 9 });

test('a kind reads back what it wrote, under its own ids, apart from the other kinds', async () => {
  await WATERMARKS.put(tc.client, tc.prefix, 'traffic-1m', wm(10), { refresh: true });
  await WATERMARKS.putMany(
    tc.client,
    tc.prefix,
    [
      { key: 'traffic-1h', data: wm(20), updated: '2024-01-02T00:00:00.000Z' },
      { key: 'sources-1d', data: wm(30) },
    ],
    { refresh: true },
  );
  await DIRTY_MARKS.put(tc.client, tc.prefix, 'run:a', { buckets: [1, 2], pid: 7, host: 'h', heartbeat: 5 });

  const got = await tc.client.get({ index: stateIndex(tc.prefix), id: stateDocId('rollup', 'traffic-1h') });
  expect(got.body._source).toMatchObject({
    kind: 'rollup',
    key: 'traffic-1h',
    updated: '2024-01-02T00:00:00.000Z',
    data: wm(20),
  });

  const marks = (await WATERMARKS.list(tc.client, tc.prefix)).map((e) => [e.key, e.data.built_to]).sort();
  expect(marks).toEqual([
    ['sources-1d', 30],
    ['traffic-1h', 20],
    ['traffic-1m', 10],
  ]);
  // Marks are written without a refresh: listing them with one sees them at once.
  const dirty = await DIRTY_MARKS.list(tc.client, tc.prefix, { refresh: true });
  expect(dirty.map((e) => [e.key, e.data])).toEqual([['run:a', { buckets: [1, 2], pid: 7, host: 'h', heartbeat: 5 }]]);
  expect((await WATERMARKS.get(tc.client, tc.prefix, 'traffic-1m'))?.data).toEqual(wm(10));
  expect(await WATERMARKS.get(tc.client, tc.prefix, 'web-1d')).toBeUndefined();
});

test('conditional writes and deletes lose to a write that came between', async () => {
  expect(await ALERT_CURSORS.put(tc.client, tc.prefix, 'm', { to: 1 }, { create: true })).toBe('written');
  expect(await ALERT_CURSORS.put(tc.client, tc.prefix, 'm', { to: 2 }, { create: true })).toBe('conflict');
  const read = await ALERT_CURSORS.get(tc.client, tc.prefix, 'm');
  expect(read?.data).toEqual({ to: 1 });
  const version = read!.version;
  expect(await ALERT_CURSORS.put(tc.client, tc.prefix, 'm', { to: 3 }, { ifVersion: version })).toBe('written');
  expect(await ALERT_CURSORS.put(tc.client, tc.prefix, 'm', { to: 4 }, { ifVersion: version })).toBe('conflict');
  expect((await ALERT_CURSORS.get(tc.client, tc.prefix, 'm'))?.data).toEqual({ to: 3 });

  // A stale delete leaves the newer document; a current one removes it.
  await ALERT_CURSORS.remove(tc.client, tc.prefix, 'm', { ifVersion: version });
  const now = await ALERT_CURSORS.get(tc.client, tc.prefix, 'm');
  expect(now?.data).toEqual({ to: 3 });
  await ALERT_CURSORS.remove(tc.client, tc.prefix, 'm', { ifVersion: now!.version });
  expect(await ALERT_CURSORS.get(tc.client, tc.prefix, 'm')).toBeUndefined();
});

test('a document this version cannot read is not taken for one', async () => {
  await tc.client.index({
    index: stateIndex(tc.prefix),
    id: stateDocId('alert-cursor', 'old'),
    body: { kind: 'alert-cursor', key: 'old', data: { to: 'yesterday' } },
    refresh: true,
  });
  expect(await ALERT_CURSORS.get(tc.client, tc.prefix, 'old')).toBeUndefined();
  expect((await ALERT_CURSORS.list(tc.client, tc.prefix)).map((e) => e.key)).not.toContain('old');
});
