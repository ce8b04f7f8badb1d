import type { FlowDoc } from '../model/flow';
import type { EnricherStats } from './stats';

/**
 * One enricher: fills fields of a normalized flow document in place (the documents are fresh
 * objects of the pipeline, so no copy is made per flow). It never throws for a flow: a failed
 * lookup leaves the field empty and is counted in `stats`.
 */
export interface Enricher {
  readonly name: string;
  readonly stats: EnricherStats;
  enrich(doc: FlowDoc): void;
  close?(): void;
}
