import { FlowdexError } from '../errors';
import type { Ast } from './ast';
import { allOfAsts } from './build';
import { parseNfdump, startsLikeNfdump } from './nfdump';
import { parseQuery } from './parser';
import { printQuery } from './print';

/** The two front ends of the one query AST. */
export const QUERY_SYNTAXES = ['auto', 'flowdex', 'nfdump'] as const;
export type QuerySyntax = (typeof QUERY_SYNTAXES)[number];

export interface ParsedQuery {
  ast: Ast;
  /** The front end that read the text. */
  syntax: 'flowdex' | 'nfdump';
  /** The same query in the flowdex language (the text itself when it was flowdex). */
  flowdex: string;
}

const PREFIX = /^\s*(nfdump|flowdex):/i;

/** Offsets and alias spellings aside, do two ASTs ask the same? */
function sameAst(a: Ast, b: Ast): boolean {
  const strip = (n: Ast): unknown =>
    n.kind === 'pred'
      ? { f: n.fields, t: n.test }
      : n.kind === 'not'
        ? { not: strip(n.child) }
        : n.kind === 'all'
          ? 'all'
          : { [n.kind]: n.children.map(strip) };
  const canon = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
    );
  return canon(strip(a)) === canon(strip(b));
}

function attempt(parse: () => Ast): Ast | FlowdexError {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FlowdexError) return e;
    throw e;
  }
}

/**
 * Reads a search-box query in either syntax. `nfdump:` or `flowdex:` at the start forces one
 * (as does `syntax`); otherwise the text is read by both and must mean one thing: flowdex when
 * only flowdex reads it, nfdump when only nfdump does, and an error asking for the prefix when
 * both read it differently. When neither does, the error comes from the syntax the text starts
 * like. Error positions are offsets into `text` as given, prefix included.
 */
export function parseAnyQuery(text: string, now: number, syntax: QuerySyntax = 'auto'): ParsedQuery {
  const m = PREFIX.exec(text);
  const forced = m ? ((m[1] as string).toLowerCase() as 'flowdex' | 'nfdump') : syntax;
  // Blank the prefix rather than cut it, so positions still point into the text as typed.
  const body = m ? ' '.repeat(m[0].length) + text.slice(m[0].length) : text;
  const asNfdump = (ast: Ast): ParsedQuery => ({ ast, syntax: 'nfdump', flowdex: printQuery(ast) });
  if (forced === 'flowdex') return { ast: parseQuery(body, now), syntax: 'flowdex', flowdex: body.trim() };
  if (forced === 'nfdump') return asNfdump(parseNfdump(body));
  if (body.trim() === '') return { ast: { kind: 'all' }, syntax: 'flowdex', flowdex: '' };
  const f = attempt(() => parseQuery(body, now));
  const n = attempt(() => parseNfdump(body));
  if (!(f instanceof FlowdexError)) {
    if (!(n instanceof FlowdexError) && !sameAst(f, n)) {
      throw new FlowdexError(
        'QUERY_SYNTAX',
        `the query reads differently in flowdex and nfdump syntax; start it with "flowdex:" or "nfdump:"`,
        { position: 0 },
      );
    }
    return { ast: f, syntax: 'flowdex', flowdex: body.trim() };
  }
  if (!(n instanceof FlowdexError)) return asNfdump(n);
  throw startsLikeNfdump(body) ? n : f;
}

/** The query with a forced syntax written as its prefix, so it travels as one string (links, saved queries, reports). */
export function withSyntax(text: string, syntax: QuerySyntax | undefined): string {
  if (syntax === undefined || syntax === 'auto' || PREFIX.test(text)) return text;
  return `${syntax}:${text}`;
}

/** A `--syntax` / `syntax=` value, refused with the allowed ones otherwise. */
export function checkSyntax(value: string | undefined): QuerySyntax | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(QUERY_SYNTAXES as readonly string[]).includes(value)) {
    throw new FlowdexError('BAD_REQUEST', `syntax must be one of ${QUERY_SYNTAXES.join(', ')}, got "${value}"`, {
      field: 'syntax',
    });
  }
  return value as QuerySyntax;
}

/**
 * The user's query and a condition composed by code, both required: combined as ASTs (never as
 * text), and shown in the flowdex language.
 */
export function readQuery(text: string, now: number, also?: Ast): ParsedQuery {
  const parsed = parseAnyQuery(text, now);
  if (also === undefined) return parsed;
  const ast = allOfAsts(parsed.ast, also);
  return { ast, syntax: parsed.syntax, flowdex: printQuery(ast, { quoteKeywords: true }) };
}
