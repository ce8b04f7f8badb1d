import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FlowdexError, errorMessage } from '../errors';
import { BUILT_IN } from './detectors';
import type { ModuleError, Registry } from './registry';
import { scheduleMs } from './schedule';
import { GROUPS, type Detector } from './types';

/** Module files loaded from the modules directory; TypeScript modules are compiled to one of these first. */
const MODULE_FILE = /\.(c?js)$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The detector a module exports (`detector`, or the default export), checked for the built-ins' shape. */
export function checkDetector(value: unknown, file: string): Detector {
  const m = value as { detector?: unknown; default?: unknown } | null;
  const exported: unknown = m?.detector ?? m?.default ?? m;
  const d = exported as Partial<Detector> | null;
  const bad = (why: string): FlowdexError => new FlowdexError('MODULE_INVALID', `${file}: ${why}`, { file });
  if (d === null || typeof d !== 'object') throw bad('exports no detector object');
  if (typeof d.name !== 'string' || !NAME.test(d.name)) throw bad('name must be lower-case letters, digits and -');
  if (typeof d.evaluate !== 'function') throw bad(`detector ${d.name} has no evaluate(ctx) function`);
  if (typeof d.schedule !== 'string') throw bad(`detector ${d.name} has no schedule`);
  try {
    scheduleMs(d.schedule);
  } catch (e) {
    throw bad(errorMessage(e));
  }
  const defaults = d.defaults ?? {};
  if (
    typeof defaults !== 'object' ||
    Object.values(defaults).some((v) => !['number', 'string', 'boolean'].includes(typeof v))
  )
    throw bad('defaults must map names to numbers, strings or booleans');
  const groups = d.groups ?? [];
  if (!Array.isArray(groups) || groups.some((g: unknown) => !(GROUPS as readonly unknown[]).includes(g)))
    throw bad(`groups must be some of ${GROUPS.join(', ')}`);
  return {
    name: d.name,
    description: typeof d.description === 'string' ? d.description : '',
    schedule: d.schedule,
    defaults,
    groups,
    evaluate: d.evaluate.bind(d),
  };
}

/**
 * The built-in detectors plus every module of `dir` (`FLOWDEX_MODULES`). A module that fails to
 * load, is malformed or reuses a taken name is left out and listed in `errors`; the rest run.
 */
export function loadRegistry(dir: string | undefined = process.env.FLOWDEX_MODULES): Registry {
  const detectors = new Map(BUILT_IN.map((d) => [d.name, d]));
  const modules = new Map<string, string>();
  const errors: ModuleError[] = [];
  if (dir === undefined || dir === '') return { detectors, modules, errors };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => MODULE_FILE.test(f))
      .sort();
  } catch (e) {
    return {
      detectors,
      modules,
      errors: [{ file: dir, message: `cannot read the modules directory: ${(e as Error).message}` }],
    };
  }
  const load = createRequire(path.join(path.resolve(dir), 'index.js'));
  for (const f of files) {
    const file = path.join(path.resolve(dir), f);
    try {
      if (!statSync(file).isFile()) continue;
      const d = checkDetector(load(file), file);
      if (detectors.has(d.name))
        throw new FlowdexError('MODULE_INVALID', `${file}: detector name "${d.name}" is taken`, { file });
      detectors.set(d.name, d);
      modules.set(d.name, file);
    } catch (e) {
      errors.push({ file, message: errorMessage(e) });
    }
  }
  return { detectors, modules, errors };
}
