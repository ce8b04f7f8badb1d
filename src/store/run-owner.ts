import os from 'node:os';

/**
 * The process behind a record a run leaves in `<prefix>state` (rollup marks, relaxed refresh):
 * whoever finds the record decides from it whether the run may still be working, or is gone
 * and its leftovers are to be repaired.
 */
export interface RunOwner {
  pid: number;
  host: string;
  /** Epoch ms of the owner's last write. */
  heartbeat: number;
}

/** A run on another host counts as gone when it has not written for this long. */
const REMOTE_TIMEOUT_MS = 5 * 60_000;

export function currentOwner(): RunOwner {
  return { pid: process.pid, host: os.hostname(), heartbeat: Date.now() };
}

/** Whether the run that wrote a record may still be working. Records of older versions have no owner. */
export function ownerAlive(owner: Partial<RunOwner> | undefined, now: number, host = os.hostname()): boolean {
  if (owner?.pid === undefined || owner.host === undefined) return false;
  if (owner.host !== host) return now - (owner.heartbeat ?? 0) < REMOTE_TIMEOUT_MS;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
