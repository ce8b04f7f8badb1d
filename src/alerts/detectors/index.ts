import type { Detector } from '../types';
import { baseline } from './baseline';
import { collectorHealth } from './collector-health';
import { exporterSilent, newTalker } from './new-talker';
import { horizontalScan, verticalScan } from './scans';
import { threshold } from './threshold';
import { volumetric } from './volumetric';

/** The built-in detectors, by name. */
export const BUILT_IN: readonly Detector[] = [
  threshold,
  baseline,
  volumetric,
  verticalScan,
  horizontalScan,
  newTalker,
  exporterSilent,
  collectorHealth,
];
