import type { Ast, Predicate, Test } from './ast';
import type { BoolQuery, QueryDsl } from './dsl';
import type { TimeRange } from '../model/time';

function leaf(field: string, test: Test, isDate: boolean): QueryDsl {
  switch (test.op) {
    case 'exists':
      return { exists: { field } };
    case 'wildcard':
      return { wildcard: { [field]: { value: test.pattern } } };
    case 'eq': {
      const [only] = test.values;
      // term on an ip field takes a CIDR block too, so addresses and networks compile alike.
      return test.values.length === 1 && only !== undefined
        ? { term: { [field]: only } }
        : { terms: { [field]: [...test.values] } };
    }
    case 'range': {
      const { op: _op, ...bounds } = test;
      return { range: { [field]: isDate ? { ...bounds, format: 'epoch_millis' } : bounds } };
    }
  }
}

function anyOf(clauses: QueryDsl[]): QueryDsl {
  return clauses.length === 1 ? (clauses[0] as QueryDsl) : { bool: { should: clauses, minimum_should_match: 1 } };
}

function predicate(p: Predicate): QueryDsl {
  return anyOf(p.fields.map((f) => leaf(f, p.test, p.type === 'date')));
}

function node(ast: Ast): QueryDsl {
  switch (ast.kind) {
    case 'all':
      return { match_all: {} };
    case 'pred':
      return predicate(ast);
    case 'and':
      return { bool: { filter: ast.children.map(node) } };
    case 'or':
      return anyOf(ast.children.map(node));
    case 'not':
      return { bool: { must_not: [node(ast.child)] } };
  }
}

function isFilterOnly(q: QueryDsl): q is BoolQuery {
  return 'bool' in q && Object.keys(q.bool).every((k) => k === 'filter');
}

/**
 * OpenSearch DSL for a parsed query, entirely in filter context (flows are matched, never
 * scored): the root is always `bool.filter`, or `match_all` for the empty query. Either-side
 * names become `bool.should` with `minimum_should_match: 1`.
 */
export function compileQuery(ast: Ast): QueryDsl {
  const q = node(ast);
  if ('match_all' in q || isFilterOnly(q)) return q;
  return { bool: { filter: [q] } };
}

/** The time range as a filter on `@timestamp`, half-open like `TimeRange`. */
export function timeFilter(range: TimeRange): QueryDsl {
  return { range: { '@timestamp': { gte: range.from, lt: range.to, format: 'epoch_millis' } } };
}

/**
 * Every one of the queries, as one filter-context bool: nested filter-only bools are flattened
 * and `match_all` dropped, so combining the query, the time range and a report's own filter
 * stays flat.
 */
export function allOf(...queries: QueryDsl[]): QueryDsl {
  const filter = queries.flatMap((q) => ('match_all' in q ? [] : isFilterOnly(q) ? (q.bool.filter ?? []) : [q]));
  return filter.length === 0 ? { match_all: {} } : { bool: { filter } };
}

/** The query restricted to a time range: what searches and reports send. */
export function compileFilter(ast: Ast, range: TimeRange): QueryDsl {
  return allOf(compileQuery(ast), timeFilter(range));
}
