import { alertsSuite } from './alerts';
import { collectSuite } from './collect';
import { decodeSuite } from './decode';
import { decodeTextSuite } from './decode-text';
import { enrichSuite } from './enrich';
import { ingestSuite } from './ingest';
import { loadSuite } from './load';
import { peersSuite } from './peers';
import { querySuite } from './query';
import { rollupSuite } from './rollup';
import type { BenchSuite } from './types';
import { upkeepSuite } from './upkeep';
import { webSuite } from './web';

/** Every benchmark suite, run in order by `npm run bench`. */
export const SUITES: BenchSuite[] = [
  decodeTextSuite,
  decodeSuite,
  ingestSuite,
  enrichSuite,
  querySuite,
  upkeepSuite,
  rollupSuite,
  peersSuite,
  webSuite,
  loadSuite,
  alertsSuite,
  collectSuite,
];
