/** Time value types shared by every stage. */

/** A half-open time range [from, to) in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/** One UTC day in milliseconds (no leap seconds in epoch time). */
export const DAY_MS = 86_400_000;
