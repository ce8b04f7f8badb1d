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

const END_PATH = ['event', 'end'];

/** Reads the facts of flow documents (as normalize gives them) for a fixed set of specs. */
export class FactReader {
  private readonly paths: string[][];
  private readonly sumPaths = SUM_FIELDS.map((f) => f.split('.'));

  constructor(readonly fields: readonly string[]) {
    this.paths = fields.map((f) => f.split('.'));
  }

  read(doc: Record<string, unknown>, ts: number): FlowFacts {
    const end = valueAt(doc, END_PATH);
    const endMs = typeof end === 'number' ? end : typeof end === 'string' ? Date.parse(end) : NaN;
    // Loops into arrays of known length: this runs once per indexed flow.
    const values = new Array<string | number | null>(this.paths.length);
    for (let i = 0; i < this.paths.length; i++) {
      const v = valueAt(doc, this.paths[i] as string[]);
      values[i] = typeof v === 'string' || typeof v === 'number' ? v : null;
    }
    const sums = new Array<number>(this.sumPaths.length);
    for (let i = 0; i < this.sumPaths.length; i++) {
      const v = valueAt(doc, this.sumPaths[i] as string[]);
      sums[i] = typeof v === 'number' ? v : 0;
    }
    return { ts, end: Number.isFinite(endMs) ? endMs : null, values, sums };
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
  /** In order of their first flow. */
  groups: GroupAgg[];
  marks: Set<number>;
}

/**
 * A bucket's groups found by their dimension values, one Map level per dimension: a flow's
 * group is found without building a key string (Map tells 80 from "80" and null apart).
 */
type GroupIndex = Map<string | number | null, GroupIndex | GroupAgg>;

interface HeldBucket extends OpenBucket {
  index: GroupIndex;
  /** The mark last added: flows in rough time order mostly repeat it. */
  lastMark: number;
}

interface SpecState {
  spec: RollupSpec;
  dimIdx: number[];
  filter?: { idx: number; values: ReadonlySet<string | number | null> };
  buckets: Map<number, HeldBucket>;
  /** The last bucket a flow went to: input in rough time order mostly hits it again. */
  last: HeldBucket | undefined;
  /**
   * Summed from a finer spec's groups as its buckets leave, not per flow: the spec keeps a
   * subset of the parent's dimensions (their positions in the parent's) over a multiple of its
   * interval, so the totals are the same and each flow costs one group lookup fewer.
   */
  parent?: { state: SpecState; dimIdx: number[] };
}

/** Whether `fine`'s groups sum up to `coarse`'s exactly: same filter, every dimension, a dividing interval. */
function derivable(coarse: RollupSpec, fine: RollupSpec): boolean {
  return (
    coarse !== fine &&
    JSON.stringify(coarse.filter ?? null) === JSON.stringify(fine.filter ?? null) &&
    coarse.intervalMs % fine.intervalMs === 0 &&
    coarse.dimensions.every((d) => fine.dimensions.includes(d))
  );
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
    const states: SpecState[] = specs.map((spec) => ({
      spec,
      dimIdx: spec.dimensions.map((d) => fields.indexOf(d)),
      ...(spec.filter
        ? { filter: { idx: fields.indexOf(spec.filter.field), values: new Set(spec.filter.values) } }
        : {}),
      buckets: new Map(),
      last: undefined,
    }));
    // Parents are specs nothing else derives into (derivability is transitive, so every
    // derivable spec has one); the narrowest is the cheapest to sum from.
    const bases = states.filter((s) => !specs.some((o) => derivable(s.spec, o)));
    for (const s of states) {
      if (bases.includes(s)) continue;
      const p = bases
        .filter((b) => derivable(s.spec, b.spec))
        .sort((a, b) => a.spec.dimensions.length - b.spec.dimensions.length)[0] as SpecState;
      s.parent = { state: p, dimIdx: s.spec.dimensions.map((d) => p.spec.dimensions.indexOf(d)) };
    }
    // Parents first: taking a parent's buckets fills its children's.
    this.states = [...bases, ...states.filter((s) => s.parent)];
    this.bases = bases;
  }

  private readonly bases: SpecState[];

  /** Groups held over every spec and bucket. */
  get groups(): number {
    return this.held;
  }

  add(f: FlowFacts): void {
    if (f.ts > this.newest) this.newest = f.ts;
    const mark = alignDown(f.ts, MARK_MS);
    const values = f.values;
    for (const s of this.bases) {
      if (s.filter && !s.filter.values.has(values[s.filter.idx] ?? null)) continue;
      const b = this.bucketOf(s, alignDown(f.ts, s.spec.intervalMs));
      if (b.lastMark !== mark) {
        b.marks.add(mark);
        b.lastMark = mark;
      }
      const g = this.groupOf(b, s.dimIdx, values, f.ts);
      g.flows++;
      const sums = g.sums;
      for (let i = 0; i < sums.length; i++) sums[i] = (sums[i] as number) + (f.sums[i] as number);
      if (f.end !== null && (g.maxEnd === null || f.end > g.maxEnd)) g.maxEnd = f.end;
      if (f.ts < g.minStart) g.minStart = f.ts;
    }
  }

  private bucketOf(s: SpecState, start: number): HeldBucket {
    let b = s.last;
    if (b?.start !== start) {
      b = s.buckets.get(start);
      if (!b)
        s.buckets.set(
          start,
          (b = { spec: s.spec, start, groups: [], marks: new Set(), index: new Map(), lastMark: NaN }),
        );
      s.last = b;
    }
    return b;
  }

  /** Adds a parent's bucket, leaving now, to the buckets of the specs summed from it. */
  private feed(parent: SpecState, from: OpenBucket): void {
    for (const s of this.states) {
      if (s.parent?.state !== parent) continue;
      const b = this.bucketOf(s, alignDown(from.start, s.spec.intervalMs));
      for (const m of from.marks) b.marks.add(m);
      for (const pg of from.groups) {
        const g = this.groupOf(b, s.parent.dimIdx, pg.dims, pg.minStart);
        g.flows += pg.flows;
        for (let i = 0; i < g.sums.length; i++) g.sums[i] = (g.sums[i] as number) + (pg.sums[i] as number);
        if (pg.maxEnd !== null && (g.maxEnd === null || pg.maxEnd > g.maxEnd)) g.maxEnd = pg.maxEnd;
        if (pg.minStart < g.minStart) g.minStart = pg.minStart;
      }
    }
  }

  private groupOf(b: HeldBucket, dimIdx: readonly number[], values: FlowFacts['values'], ts: number): GroupAgg {
    let level = b.index;
    const last = dimIdx.length - 1;
    for (let d = 0; d < last; d++) {
      const v = values[dimIdx[d] as number] ?? null;
      let next = level.get(v) as GroupIndex | undefined;
      if (!next) level.set(v, (next = new Map()));
      level = next;
    }
    const v = values[dimIdx[last] as number] ?? null;
    let g = level.get(v) as GroupAgg | undefined;
    if (!g) {
      g = {
        dims: dimIdx.map((i) => values[i] ?? null),
        flows: 0,
        sums: SUM_FIELDS.map(() => 0),
        maxEnd: null,
        minStart: ts,
      };
      level.set(v, g);
      b.groups.push(g);
      this.held++;
    }
    return g;
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
    // Flows still in the parent's buckets are this spec's too.
    const p = s?.parent && this.oldestHeld(s.parent.state.spec);
    if (p !== undefined && s) min = Math.min(min ?? Infinity, alignDown(p, s.spec.intervalMs));
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
        if (s.last === b) s.last = undefined;
        this.held -= b.groups.length;
        const leaving = { spec: b.spec, start: b.start, groups: b.groups, marks: b.marks };
        this.feed(s, leaving);
        out.push(leaving);
      }
    }
    return out;
  }
}
