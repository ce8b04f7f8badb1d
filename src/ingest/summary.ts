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

/** The `index --json` shape of DESIGN §9. */
export interface IngestSummary extends Counts {
  dead_letter: string | null;
  took_ms: number;
  flows_per_s: number;
}

export function summarize(c: Counts, deadLetter: string | null, tookMs: number): IngestSummary {
  return {
    ...c,
    dead_letter: deadLetter,
    took_ms: tookMs,
    flows_per_s: tookMs > 0 ? Math.round((c.read * 1000) / tookMs) : 0,
  };
}

export function formatCounts(c: Counts): string {
  return `${c.read} read, ${c.indexed} indexed, ${c.duplicates} duplicates, ${c.rejected} rejected`;
}

export function formatSummary(s: IngestSummary): string {
  const dl = s.dead_letter ? `; rejected records in ${s.dead_letter}` : '';
  return `${formatCounts(s)} in ${(s.took_ms / 1000).toFixed(1)} s (${s.flows_per_s} flows/s)${dl}`;
}
