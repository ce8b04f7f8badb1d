import { randomBytes } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import { indexSetting, putIndexSettings, refreshIndices } from './admin';
import { allFlowIndices } from './indices';
import { stateKind, type StateEntry } from './state';
import { currentOwner, ownerAlive, type RunOwner } from './run-owner';

/**
 * Refresh turned off during a load must come back however the load ends. A run records each daily
 * index before it turns refresh off on it (`<prefix>state`, id `refresh:run:<run id>`, data
 * `{indices: {name: interval to restore | null}, pid, host, heartbeat}`) and deletes the record
 * once it has turned refresh back on. A record whose run is gone (killed, crashed, the node lost
 * the restore) marks indices every later flowdex command puts back (`restoreAbandoned`).
 */

/** The interval `-1` stands for "refresh off". */
export const REFRESH_OFF = '-1';

/** Rewrite a live run's record at least this often, so runs on other hosts see it alive. */
const HEARTBEAT_MS = 60_000;

/**
 * A run's record (key `run:<id>`): index → refresh interval to restore (null: the default), and
 * its owner; or the last repair (key `restored`), which adds when and for which runs.
 */
interface RefreshRecord extends Partial<RunOwner> {
  indices: Record<string, string | null>;
  started?: string;
  at?: string;
  runs?: Partial<RunOwner>[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function owner(d: Record<string, unknown>): Partial<RunOwner> {
  return {
    ...(typeof d.pid === 'number' ? { pid: d.pid } : {}),
    ...(typeof d.host === 'string' ? { host: d.host } : {}),
    ...(typeof d.heartbeat === 'number' ? { heartbeat: d.heartbeat } : {}),
  };
}

const REFRESH_RECORDS = stateKind<RefreshRecord>('refresh', (d) => {
  if (!isObject(d)) return undefined;
  const indices = isObject(d.indices)
    ? Object.fromEntries(
        Object.entries(d.indices).filter(
          (e): e is [string, string | null] => e[1] === null || typeof e[1] === 'string',
        ),
      )
    : {};
  return {
    indices,
    ...owner(d),
    ...(typeof d.started === 'string' ? { started: d.started } : {}),
    ...(typeof d.at === 'string' ? { at: d.at } : {}),
    ...(Array.isArray(d.runs) ? { runs: d.runs.filter(isObject).map(owner) } : {}),
  };
});

/** The key of the last repair's record. */
const RESTORED = 'restored';

/** One run's record of the indices it turned refresh off on. */
export class RelaxedRecord {
  private readonly indices: Record<string, string | null> = {};
  private readonly started = new Date().toISOString();
  private lastWrite = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly key = `run:${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  /** Resolves once `index` is recorded: only then may its refresh be turned off. */
  add(index: string, restoreTo: string | null): Promise<void> {
    this.indices[index] = restoreTo;
    return this.write();
  }

  /** Keeps a long run visibly alive to other hosts. */
  heartbeat(): Promise<void> {
    if (Object.keys(this.indices).length === 0 || Date.now() - this.lastWrite < HEARTBEAT_MS) return this.chain;
    return this.write();
  }

  /** Every recorded index is restored: the record goes. */
  async clear(): Promise<void> {
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        await REFRESH_RECORDS.remove(this.client, this.prefix, this.key, { refresh: true });
      });
    await this.chain;
  }

  private write(): Promise<void> {
    const data: RefreshRecord = { indices: { ...this.indices }, started: this.started, ...currentOwner() };
    this.lastWrite = Date.now();
    // Refreshed, so that a command starting a moment later sees the record before the setting.
    // A failed write must not fail the retries after it.
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        await REFRESH_RECORDS.put(this.client, this.prefix, this.key, data, { refresh: true });
      });
    return this.chain;
  }
}

/** Daily indices whose refresh is off right now. */
async function relaxedIndices(client: Client, prefix: string): Promise<string[]> {
  const settings = await indexSetting(client, allFlowIndices(prefix), 'index.refresh_interval');
  return [...settings]
    .filter(([, v]) => v === REFRESH_OFF)
    .map(([k]) => k)
    .sort();
}

export interface RestoreReport {
  /** Indices whose refresh was turned back on. */
  restored: string[];
  /** Indices that could not be (a block, missing rights); tried again by the next command. */
  failed: { index: string; reason: string }[];
}

/**
 * Turns refresh back on where a run that is gone left it off, refreshes those indices (their
 * flows become searchable at once) and notes the repair for `flowdex status`. Indices of a run
 * still alive are left to it. Settings are read before records: a live run records an index
 * before it turns refresh off, so an index seen off is seen with its record.
 */
export async function restoreAbandoned(client: Client, prefix: string): Promise<RestoreReport> {
  const report: RestoreReport = { restored: [], failed: [] };
  const off = await relaxedIndices(client, prefix);
  if (off.length === 0) return report;
  const now = Date.now();
  const hits = (await REFRESH_RECORDS.list(client, prefix)).filter((h) => h.key !== RESTORED);
  const live = new Set<string>();
  const restoreTo = new Map<string, string | null>();
  const dead: StateEntry<RefreshRecord>[] = [];
  for (const h of hits) {
    const d = h.data;
    if (ownerAlive(d, now)) Object.keys(d.indices).forEach((i) => live.add(i));
    else {
      dead.push(h);
      for (const [i, v] of Object.entries(d.indices)) if (!restoreTo.has(i) || v !== null) restoreTo.set(i, v);
    }
  }
  const orphans = off.filter((i) => !live.has(i));
  if (orphans.length === 0) return report;
  for (const index of orphans) {
    const value = restoreTo.get(index);
    try {
      await putIndexSettings(client, [index], {
        refresh_interval: value === undefined || value === REFRESH_OFF ? null : value,
      });
      report.restored.push(index);
    } catch (e) {
      report.failed.push({ index, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  if (report.restored.length > 0) {
    await refreshIndices(client, report.restored);
    const at = new Date().toISOString();
    await REFRESH_RECORDS.put(
      client,
      prefix,
      RESTORED,
      {
        at,
        indices: Object.fromEntries(report.restored.map((i) => [i, restoreTo.get(i) ?? null])),
        runs: dead.map((h) => ({ pid: h.data.pid, host: h.data.host })),
      },
      { updated: at, refresh: true },
    );
  }
  if (report.failed.length === 0) {
    // A record changed meanwhile (its run wrote a heartbeat) is not ours to drop.
    for (const h of dead) await REFRESH_RECORDS.remove(client, prefix, h.key, { ifVersion: h.version, refresh: true });
  }
  return report;
}

/** What `flowdex status` says of refresh: indices with it off now, and the last repair. */
export interface RefreshStatus {
  /** Daily indices with refresh off, each with the run that turned it off when that run is alive. */
  relaxed: { index: string; run: { pid: number; host: string; since: string } | null }[];
  /** The last time a command turned refresh back on after a run that ended without doing so. */
  last_restore: { at: string; indices: string[]; runs: { pid: number | null; host: string | null }[] } | null;
}

export async function refreshStatus(client: Client, prefix: string): Promise<RefreshStatus> {
  const [off, hits] = await Promise.all([relaxedIndices(client, prefix), REFRESH_RECORDS.list(client, prefix)]);
  const now = Date.now();
  const owners = new Map<string, { pid: number; host: string; since: string }>();
  let last: RefreshStatus['last_restore'] = null;
  for (const h of hits) {
    const d = h.data;
    if (h.key === RESTORED) {
      last = {
        at: d.at ?? h.updated ?? '',
        indices: Object.keys(d.indices).sort(),
        runs: (d.runs ?? []).map((r) => ({ pid: r.pid ?? null, host: r.host ?? null })),
      };
    } else if (ownerAlive(d, now) && d.pid !== undefined && d.host !== undefined) {
      for (const i of Object.keys(d.indices))
        owners.set(i, { pid: d.pid, host: d.host, since: d.started ?? h.updated ?? '' });
    }
  }
  return { relaxed: off.map((index) => ({ index, run: owners.get(index) ?? null })), last_restore: last };
}
