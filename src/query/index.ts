/** The query language, time ranges and report definitions — all pure. */
export type { Ast, Predicate, Test } from './ast';
export type * from './dsl';
export { tokenize, type Token } from './lexer';
export { parseQuery, renderCaret } from './parser';
export { parseNfdump } from './nfdump';
export { printQuery } from './print';
export { parseAnyQuery, withSyntax, checkSyntax, QUERY_SYNTAXES, type QuerySyntax, type ParsedQuery } from './syntax';
export { analyse } from './analyse';
export { compileQuery, compileFilter, timeFilter, allOf } from './compile';
export { explain, type Explanation, type ExplainInput } from './explain';
export { parseTime, parseTimeRange, DEFAULT_SPAN_MS } from './time';
export type { TimeRange } from '../model/time';
export { intervalMs, formatInterval, parseQuantity, parseDurationNs } from './units';
export { alignedBuckets } from './indices';
export * from './reports';
