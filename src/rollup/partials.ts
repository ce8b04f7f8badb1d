import { alignDown } from './buckets';
import { MARK_MS } from './marks';
import { SUM_FIELDS, type RollupSpec } from './specs';

/**
 * Rollups maintained from the indexing stream: the flows a bulk response says were created are
 * summed per spec, bucket and group in memory, then written as partial rollup documents that
 * reports sum at read time. Pure: the I/O lives in rollup/stream.
 */

/** What the aggregator reads of one created flow: its start, end and the fields specs keep. */
export interface FlowFacts {
  ts: number;
  end: number | null;
  /** Values of `factFields(specs)`, in that order; null where the flow has none. */
  values: (string | number | null)[];
  /** Values of SUM_FIELDS, 0 where absent. */
  sums: number[];
}

/** Every field a spec groups or filters by, each once: the layout of `FlowFacts.values`. */
export function factFields(specs: readonly RollupSpec[]): string[] {
  return [...new Set(specs.flatMap((s) => [...s.dimensions, ...(s.filter ? [s.filter.field] : [])]))];
}

function valueAt(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Reads the facts of flow documents (as normalize gives them) for a fixed set of specs. */
export class FactReader {
  private readonly paths: string[][];
  private readonly sumPaths = SUM_FIELDS.map((f) => f.split('.'));

  constructor(readonly fields: readonly string[]) {
    this.paths = fields.map((f) => f.split('.'));
  }

  read(doc: Record<string, unknown>, ts: number): FlowFacts {
    const end = valueAt(doc, ['event', 'end']);
    const endMs = typeof end === 'number' ? end : typeof end === 'string' ? Date.parse(end) : NaN;
    return {
      ts,
      end: Number.isFinite(endMs) ? endMs : null,
      values: this.paths.map((p) => {
        const v = valueAt(doc, p);
        return typeof v === 'string' || typeof v === 'number' ? v : null;
      }),
      sums: this.sumPaths.map((p) => {
        const v = valueAt(doc, p);
        return typeof v === 'number' ? v : 0;
      }),
    };
  }
}

/** One group's running totals within a spec bucket. */
export interface GroupAgg {
  dims: (string | number | null)[];
  flows: number;
  sums: number[];
  maxEnd: number | null;
  minStart: number;
}

/** A spec's bucket held in memory: its groups and the 15-minute marks its flows came from. */
export interface OpenBucket {
  spec: RollupSpec;
  start: number;
  groups: Map<string, GroupAgg>;
  marks: Set<number>;
}

interface SpecState {
  spec: RollupSpec;
  dimIdx: number[];
  filter?: { idx: number; values: ReadonlySet<string | number> };
  buckets: Map<number, OpenBucket>;
}

/**
 * Sums created flows per spec, bucket and group. Buckets leave as `OpenBucket`s: when the
 * stream has moved past them (`closed`), or all at once (`takeAll`, for freshness, a memory
 * bound or the end of a run). Memory follows the groups held, which `groups` reports.
 */
export class RollupAggregator {
  private readonly states: SpecState[];
  private held = 0;
  /** Latest flow start seen: the stream's notion of now for input in rough time order. */
  newest = Number.NEGATIVE_INFINITY;

  constructor(specs: readonly RollupSpec[], fields: readonly string[]) {
    this.states = specs.map((spec) => ({
      spec,
      dimIdx: spec.dimensions.map((d) => fields.indexOf(d)),
      ...(spec.filter
        ? { filter: { idx: fields.indexOf(spec.filter.field), values: new Set(spec.filter.values) } }
        : {}),
      buckets: new Map(),
    }));
  }

  /** Groups held over every spec and bucket. */
  get groups(): number {
    return this.held;
  }

  add(f: FlowFacts): void {
    if (f.ts > this.newest) this.newest = f.ts;
    const mark = alignDown(f.ts, MARK_MS);
    for (const s of this.states) {
      if (s.filter && !s.filter.values.has(f.values[s.filter.idx] as string | number)) continue;
      const start = alignDown(f.ts, s.spec.intervalMs);
      let b = s.buckets.get(start);
      if (!b) s.buckets.set(start, (b = { spec: s.spec, start, groups: new Map(), marks: new Set() }));
      b.marks.add(mark);
      const dims = s.dimIdx.map((i) => f.values[i] ?? null);
      const key = JSON.stringify(dims);
      let g = b.groups.get(key);
      if (!g) {
        b.groups.set(key, (g = { dims, flows: 0, sums: SUM_FIELDS.map(() => 0), maxEnd: null, minStart: f.ts }));
        this.held++;
      }
      g.flows++;
      for (let i = 0; i < f.sums.length; i++) g.sums[i] = (g.sums[i] as number) + (f.sums[i] as number);
      if (f.end !== null && (g.maxEnd === null || f.end > g.maxEnd)) g.maxEnd = f.end;
      if (f.ts < g.minStart) g.minStart = f.ts;
    }
  }

  /** Buckets that ended at least `graceMs` before the newest flow: later flows are unlikely to reach them. */
  closed(graceMs: number): OpenBucket[] {
    return this.take((b) => b.start + b.spec.intervalMs + graceMs <= this.newest);
  }

  takeAll(): OpenBucket[] {
    return this.take(() => true);
  }

  /** Start of the spec's earliest bucket held, if any. */
  oldestHeld(spec: RollupSpec): number | undefined {
    const s = this.states.find((x) => x.spec === spec);
    let min: number | undefined;
    for (const start of s?.buckets.keys() ?? []) if (min === undefined || start < min) min = start;
    return min;
  }

  /** The 15-minute marks of flows still held: not yet in any rollup document. */
  heldMarks(): Set<number> {
    const out = new Set<number>();
    for (const s of this.states) for (const b of s.buckets.values()) for (const m of b.marks) out.add(m);
    return out;
  }

  private take(pick: (b: OpenBucket) => boolean): OpenBucket[] {
    const out: OpenBucket[] = [];
    for (const s of this.states) {
      for (const [start, b] of s.buckets) {
        if (!pick(b)) continue;
        s.buckets.delete(start);
        this.held -= b.groups.size;
        out.push(b);
      }
    }
    return out;
  }
}
