/** Counts of one run (or one file of it). Invariant: read = indexed + duplicates + rejected once the run is done. */
export interface Counts {
  read: number;
  indexed: number;
  duplicates: number;
  rejected: number;
}

export const zeroCounts = (): Counts => ({ read: 0, indexed: 0, duplicates: 0, rejected: 0 });

export function addCounts(into: Counts, c: Counts): Counts {
  into.read += c.read;
  into.indexed += c.indexed;
  into.duplicates += c.duplicates;
  into.rejected += c.rejected;
  return into;
}

/**
 * What became of the rollups of a run's flows: `kept` by the stream, `deferred` to `flowdex
 * rollup` (`--no-rollup`), or `dirty` — OpenSearch refused them, their buckets are marked for
 * `flowdex rollup` (or the next run) to build.
 */
export type RollupOutcome = 'kept' | 'deferred' | 'dirty';

/** The `index --json` shape of DESIGN §9. */
export interface IngestSummary extends Counts {
  dead_letter: string | null;
  took_ms: number;
  flows_per_s: number;
  rollups: RollupOutcome;
}

export function summarize(
  c: Counts,
  deadLetter: string | null,
  tookMs: number,
  rollups: RollupOutcome = 'kept',
): IngestSummary {
  return {
    ...c,
    dead_letter: deadLetter,
    took_ms: tookMs,
    flows_per_s: tookMs > 0 ? Math.round((c.read * 1000) / tookMs) : 0,
    rollups,
  };
}

export function formatCounts(c: Counts): string {
  return `${c.read} read, ${c.indexed} indexed, ${c.duplicates} duplicates, ${c.rejected} rejected`;
}

export function formatSummary(s: IngestSummary): string {
  const dl = s.dead_letter ? `; rejected records in ${s.dead_letter}` : '';
  const rollups = s.rollups === 'dirty' ? '; rollups not written, run `flowdex rollup`' : '';
  return `${formatCounts(s)} in ${(s.took_ms / 1000).toFixed(1)} s (${s.flows_per_s} flows/s)${dl}${rollups}`;
}
