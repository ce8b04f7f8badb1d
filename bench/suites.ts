import { decodeSuite } from './decode';
import { decodeTextSuite } from './decode-text';
import { ingestSuite } from './ingest';
import { querySuite } from './query';
import type { BenchSuite } from './types';

/** Every benchmark suite, run in order by `npm run bench`. */
export const SUITES: BenchSuite[] = [decodeTextSuite, decodeSuite, ingestSuite, querySuite];
