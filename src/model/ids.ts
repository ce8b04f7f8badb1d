import type { FlowRecord } from './flow';
import { flowId } from './normalize';

/**
 * Numbers identical records within one input, so two identical lines (nfdump CSV has one-second
 * start times) stay two flows while re-reading the same input gives the same ids again.
 * Memory is bounded by keeping two generations of ids: identical records further apart than
 * `window` distinct records are taken for the same flow, as a re-read would be.
 */
export class OccurrenceCounter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  constructor(private readonly window = 1 << 20) {}

  /** Sets `r.occurrence` when an identical record came before it in this input. */
  mark(r: FlowRecord): void {
    const id = flowId(r);
    const seen = this.current.get(id) ?? this.previous.get(id);
    if (seen !== undefined) r.occurrence = seen + 1;
    if (this.current.size >= this.window) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(id, seen === undefined ? 0 : seen + 1);
  }
}
