import { analyse } from './analyse';
import { compileFilter } from './compile';
import type { QueryDsl } from './dsl';
import { indicesFor } from '../store/indices';
import { parseAnyQuery } from './syntax';
import { parseTimeRange } from './time';
import type { TimeRange } from '../model/time';

export interface ExplainInput {
  query: string;
  from?: string;
  to?: string;
  prefix: string;
  /** Epoch ms that relative times are taken from. */
  now: number;
}

/** What `--explain` prints: the DSL sent, the indices searched and the fields touched. */
export interface Explanation {
  query: string;
  /** The front end that read the query, and the query in the flowdex language. */
  syntax: 'flowdex' | 'nfdump';
  flowdex: string;
  range: { from: string; to: string };
  indices: string[];
  fields: string[];
  dsl: QueryDsl;
}

/** Explains a raw search without running it; the planner adds its rollup choice on top. */
export function explain(input: ExplainInput): Explanation {
  const range: TimeRange = parseTimeRange(input.from, input.to, input.now);
  const { ast, syntax, flowdex } = parseAnyQuery(input.query, input.now);
  return {
    query: input.query,
    syntax,
    flowdex,
    range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
    indices: indicesFor(input.prefix, range),
    fields: [...analyse(ast)].sort(),
    dsl: compileFilter(ast, range),
  };
}
