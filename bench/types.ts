/** One measured number of a benchmark run; goals are checked in the report, never in tests. */
export interface BenchResult {
  /** Group, e.g. `decode`, `ingest`, `query`. */
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** Human-readable goal, e.g. `≥ 100000`; omitted when the row is context. */
  goal?: string;
  /** Whether the goal was met in this run (undefined when no goal). */
  met?: boolean;
  note?: string;
}

/**
 * A benchmark suite: runs and returns its rows. `options.scale` shrinks or grows data sizes;
 * `options.prefix` names a shared data prefix whose flows the suites that read flows use (the
 * first one indexes them there) and keep.
 */
export interface BenchSuite {
  name: string;
  /** Needs a running OpenSearch node (the runner provides `OPENSEARCH_URL`). */
  needsOpenSearch: boolean;
  run(options: { scale: number; url?: string; prefix?: string }): Promise<BenchResult[]>;
}
