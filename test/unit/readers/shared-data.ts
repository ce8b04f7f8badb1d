import { existsSync } from 'node:fs';
import path from 'node:path';

/** Third-party captures are read in place beside the repository, never copied into it. */
export const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');
export const HAVE_SHARED_DATA = existsSync(SHARED_DATA);

/** `describe` that skips, saying why, when the shared data folder is absent. */
export function describeWithData(name: string, fn: () => void): void {
  if (HAVE_SHARED_DATA) describe(name, fn);
  else describe.skip(`${name} (skipped: ${SHARED_DATA} not present)`, fn);
}
