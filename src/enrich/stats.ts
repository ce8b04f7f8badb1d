/** Counters of one enricher, for the end-of-run summary and the benchmark. */
export interface EnricherStats {
  name: string;
  /** Values asked of the enricher's source (cache misses that reached the database or table). */
  lookups: number;
  /** Answers served from the per-address cache. */
  cached: number;
  /** Lookups and cached answers that filled a field. */
  hits: number;
  /** Lookups that found nothing (an address the database does not know). */
  misses: number;
  /** Values not looked up on purpose (private, loopback, documentation … addresses). */
  skipped: number;
  /** Lookups that threw (a damaged database record); the flow keeps going without the field. */
  failures: number;
}

export function zeroStats(name: string): EnricherStats {
  return { name, lookups: 0, cached: 0, hits: 0, misses: 0, skipped: 0, failures: 0 };
}

/** One line per enricher for the log. */
export function formatStats(s: EnricherStats): string {
  return `enrich ${s.name}: ${s.hits} hits, ${s.misses} misses, ${s.skipped} skipped, ${s.failures} failures (${s.lookups} lookups, ${s.cached} from cache)`;
}
