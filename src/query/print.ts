import { fieldByName, resolveField } from '../model/fields';
import { transportName } from '../model/protocols';
import type { Ast, Predicate } from './ast';
import type { Scalar } from './dsl';
import { maskLetters, maskOfValues } from './flags';

/*
 * The flowdex-language text of an AST: what `--explain` and the search page show for a query
 * written in nfdump's syntax. `parseQuery(printQuery(ast))` gives the same AST back (positions
 * and alias spelling aside); the unit tests check that round trip.
 */

/** Characters that the flowdex lexer would split a bare value on, or read as an operator. */
const NEEDS_QUOTES = /[\s()"<>!,]|^$|^(and|or|not)$/i;

function durationText(ns: number): string {
  for (const [unit, size] of [
    ['h', 3600e9],
    ['m', 60e9],
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const) {
    if (ns !== 0 && ns % size === 0) return `${ns / size}${unit}`;
  }
  return ns === 0 ? '0' : `${ns}ns`;
}

function valueText(p: Predicate, v: Scalar, quoteKeywords: boolean): string {
  if (p.type === 'date' && typeof v === 'number') return new Date(v).toISOString();
  if (typeof v === 'number') {
    const def = fieldByName(p.fields[0] ?? '');
    if (def?.unit === 'duration_ns') return durationText(v);
    if (def?.name === 'network.iana_number' && transportName(v) !== String(v)) return transportName(v);
    return String(v);
  }
  if (p.type === 'keyword' && (quoteKeywords || NEEDS_QUOTES.test(v) || /[*?]/.test(v)))
    return `"${v.replace(/["\\]/g, '\\$&')}"`;
  return v;
}

/** The name to print: the stored field itself when the query name means a computed one. */
function nameOf(p: Predicate): string {
  const computed = resolveField(p.name)?.some((d) => d.computedFrom !== undefined) ?? false;
  return computed && p.fields.length === 1 ? (p.fields[0] as string) : p.name;
}

/** A predicate's text, and whether it is several conditions joined by `and`. */
function predicate(p: Predicate, quoteKeywords: boolean): { text: string; compound: boolean } {
  const name = nameOf(p);
  const t = p.test;
  switch (t.op) {
    case 'exists':
      return { text: `${name}:*`, compound: false };
    case 'wildcard':
      return { text: `${name}:${t.pattern}`, compound: false };
    case 'eq': {
      const mask = p.fields[0] === 'flow.tcp_flags' ? maskOfValues(t.values) : undefined;
      if (mask !== undefined) return { text: `${name}:${maskLetters(mask)}`, compound: false };
      const values = t.values.map((v) => valueText(p, v, quoteKeywords));
      return {
        text: values.length === 1 ? `${name}:${values[0]}` : `${name}:(${values.join(' or ')})`,
        compound: false,
      };
    }
    case 'range': {
      if (t.gte !== undefined && t.lte !== undefined && t.gt === undefined && t.lt === undefined) {
        return { text: `${name}:${valueText(p, t.gte, false)}..${valueText(p, t.lte, false)}`, compound: false };
      }
      const parts = (['gt', 'gte', 'lt', 'lte'] as const)
        .filter((k) => t[k] !== undefined)
        .map((k) => `${name}${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[k]}${valueText(p, t[k] as Scalar, false)}`);
      return { text: parts.join(' and '), compound: parts.length > 1 };
    }
  }
}

function node(ast: Ast, quoteKeywords: boolean): { text: string; prec: number } {
  // Precedence: 3 atom, 2 and, 1 or; `not` takes an atom.
  switch (ast.kind) {
    case 'all':
      // Nested "every flow" (nfdump's `any`): every flow has a start time.
      return { text: '@timestamp:*', prec: 3 };
    case 'pred': {
      const p = predicate(ast, quoteKeywords);
      return { text: p.text, prec: p.compound ? 2 : 3 };
    }
    case 'not': {
      const inner = node(ast.child, quoteKeywords);
      return { text: `not ${wrap(inner, 3)}`, prec: 3 };
    }
    case 'and':
      return { text: ast.children.map((c) => wrap(node(c, quoteKeywords), 2)).join(' and '), prec: 2 };
    case 'or':
      return { text: ast.children.map((c) => wrap(node(c, quoteKeywords), 1)).join(' or '), prec: 1 };
  }
}

function wrap(n: { text: string; prec: number }, min: number): string {
  return n.prec >= min ? n.text : `(${n.text})`;
}

/**
 * The flowdex query for an AST; the empty string for "every flow". `quoteKeywords` quotes every
 * name value, as built queries want: a value taken from a stored flow must stay one literal value.
 */
export function printQuery(ast: Ast, o: { quoteKeywords?: boolean } = {}): string {
  return ast.kind === 'all' ? '' : node(ast, o.quoteKeywords === true).text;
}
