import { FlowdexError } from '../errors';
import type { Detector } from './types';

/** A user module that could not be loaded, shown to the operator instead of stopping the rest. */
export interface ModuleError {
  file: string;
  message: string;
}

/** The detectors a runner knows: built-ins first, then user modules (a module may not shadow one). */
export interface Registry {
  detectors: ReadonlyMap<string, Detector>;
  /** Where each user detector came from. */
  modules: ReadonlyMap<string, string>;
  errors: readonly ModuleError[];
}

export function detectorOf(r: Registry, name: string): Detector {
  const d = r.detectors.get(name);
  if (d === undefined)
    throw new FlowdexError(
      'DETECTOR_UNKNOWN',
      `unknown detector "${name}"; detectors: ${[...r.detectors.keys()].join(', ')}`,
      { field: 'detector' },
    );
  return d;
}
