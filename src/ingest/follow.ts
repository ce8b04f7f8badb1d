import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { stateKind } from '../store/state';
import { indexFiles, type IndexFilesOptions, type IndexFilesResult } from './files';
import { isIgnoredName } from './inputs';
import { withRetry } from './retry';
import { addCounts, zeroCounts, type Counts } from './summary';

export interface FileStat {
  name: string;
  size: number;
  mtimeMs: number;
}

/** Consecutive polls a file must look the same before it counts as completely written. */
const STABLE_POLLS = 2;

/**
 * Decides when files in a watched directory are complete: unchanged size and mtime over
 * two polls, or — after the first poll — a file that appears with an mtime older than the
 * previous poll, i.e. it was written elsewhere and renamed in. Pure apart from its memory.
 */
export class CompletionTracker {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; stable: number }>();
  private lastPollAt: number | undefined;

  /** The files that became complete with this poll. */
  poll(files: readonly FileStat[], now: number): string[] {
    const complete: string[] = [];
    const present = new Set<string>();
    for (const f of files) {
      present.add(f.name);
      const prev = this.seen.get(f.name);
      if (prev && prev.stable >= STABLE_POLLS) continue;
      if (!prev) {
        const renamedIn = this.lastPollAt !== undefined && f.mtimeMs < this.lastPollAt;
        this.seen.set(f.name, { size: f.size, mtimeMs: f.mtimeMs, stable: renamedIn ? STABLE_POLLS : 0 });
        if (renamedIn) complete.push(f.name);
        continue;
      }
      const same = prev.size === f.size && prev.mtimeMs === f.mtimeMs;
      const stable = same ? prev.stable + 1 : 0;
      this.seen.set(f.name, { size: f.size, mtimeMs: f.mtimeMs, stable });
      if (stable >= STABLE_POLLS) complete.push(f.name);
    }
    // A file deleted and written again under the same name is a new file.
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    this.lastPollAt = now;
    return complete.sort();
  }
}

export interface Checkpoint {
  size: number;
  mtimeMs: number;
  counts: Counts;
}

/** Checkpoints of followed files, keyed `<absolute directory>:<file name>`. */
const CHECKPOINTS = stateKind<Checkpoint>('follow', (d) => {
  const c = d as Partial<Checkpoint> | undefined;
  return typeof c?.size === 'number' && typeof c.mtimeMs === 'number' && c.counts !== undefined
    ? { size: c.size, mtimeMs: c.mtimeMs, counts: c.counts }
    : undefined;
});

const checkpointKey = (dir: string, name: string): string => `${path.resolve(dir)}:${name}`;

async function listFiles(dir: string): Promise<FileStat[]> {
  const out: FileStat[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (!e.isFile() || isIgnoredName(e.name)) continue;
    const st = await fs.stat(path.join(dir, e.name)).catch(() => undefined);
    if (st) out.push({ name: e.name, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

export interface FollowOptions extends Omit<IndexFilesOptions, 'signal'> {
  /** @default 1000 */
  pollMs?: number;
  /** Stops watching; the file being indexed is finished first (its requests are settled). */
  signal: AbortSignal;
  /** Told each file indexed (or skipped because its checkpoint says it was). */
  onFile?: (file: string, result: IndexFilesResult | 'already indexed') => void;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Watches a directory and indexes each new complete file exactly once, checkpointed in
 * `<prefix>state` so a restart resumes without re-reading finished files. Returns the totals
 * when the signal stops it.
 */
export async function follow(client: Client, cfg: FlowdexConfig, dir: string, o: FollowOptions): Promise<Counts> {
  const tracker = new CompletionTracker();
  const totals = zeroCounts();
  const retry = { giveUpAfterMs: o.giveUpAfterMs ?? 10 * 60_000, signal: o.signal };

  const checkpointOf = async (name: string): Promise<Checkpoint | undefined> => {
    const entry = await withRetry(() => CHECKPOINTS.get(client, cfg.prefix, checkpointKey(dir, name)), retry);
    return entry?.data;
  };

  while (!o.signal.aborted) {
    const files = await listFiles(dir);
    const byName = new Map(files.map((f) => [f.name, f]));
    for (const name of tracker.poll(files, Date.now())) {
      if (o.signal.aborted) break;
      const st = byName.get(name);
      if (!st) continue;
      const cp = await checkpointOf(name);
      const file = path.join(dir, name);
      if (cp && cp.size === st.size && cp.mtimeMs === st.mtimeMs) {
        o.onFile?.(file, 'already indexed');
        continue;
      }
      const result = await indexFiles(client, cfg, [file], { ...o, signal: o.signal });
      addCounts(totals, result.summary);
      o.onFile?.(file, result);
      // An interrupted file is not checkpointed: the next start reads it again, ids dedupe it.
      if (result.interrupted) break;
      const checkpoint: Checkpoint = { size: st.size, mtimeMs: st.mtimeMs, counts: result.summary };
      await withRetry(() => CHECKPOINTS.put(client, cfg.prefix, checkpointKey(dir, name), checkpoint), retry);
    }
    await pause(o.pollMs ?? 1000, o.signal);
  }
  return totals;
}
