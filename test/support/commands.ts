import { execFileSync } from 'node:child_process';

/** Whether a peer program the tests drive is installed: it answers `arg` (its version flag). */
export function haveCommand(cmd: string, arg: string): boolean {
  try {
    execFileSync(cmd, [arg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
