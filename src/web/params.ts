import { FlowdexError } from '../errors';
import { MAX_QUERY_LENGTH } from '../report/saved';
import { checkSyntax, withSyntax } from '../query/syntax';
import type { LayoutModel } from './views';

/** Largest page of search results. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;
/** Largest top-N a report may ask for. */
export const MAX_TOP = 1000;
const MAX_PARAM_LENGTH = 256;

export type Params = Record<string, unknown>;

function bad(name: string, message: string): FlowdexError {
  return new FlowdexError('BAD_REQUEST', `${name}: ${message}`, { field: name });
}

/** A single string parameter (repeated parameters arrive as arrays and are refused). */
export function text(p: Params, name: string, max = MAX_PARAM_LENGTH): string | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw bad(name, 'give it once, as text');
  if (v.length > max) throw bad(name, `longer than ${max} characters`);
  return v;
}

export function required(p: Params, name: string, max = MAX_PARAM_LENGTH): string {
  const v = p[name];
  if (v === '') return '';
  const s = text(p, name, max);
  if (s === undefined) throw bad(name, 'required');
  return s;
}

/** A whole number in [min, max], or undefined when absent. */
export function integer(p: Params, name: string, min: number, max: number): number | undefined {
  const s = text(p, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(name, `must be a whole number from ${min} to ${max}, got "${s}"`);
  return n;
}

export function oneOf<T extends string>(p: Params, name: string, values: readonly T[]): T | undefined {
  const s = text(p, name);
  if (s === undefined) return undefined;
  if (!(values as readonly string[]).includes(s)) throw bad(name, `must be one of ${values.join(', ')}, got "${s}"`);
  return s as T;
}

export function flag(p: Params, name: string): boolean {
  const s = text(p, name);
  return s !== undefined && /^(1|true|yes|on)$/i.test(s);
}

/** The query text; `q` or (API) `query`, bounded. */
export function queryText(p: Params): string {
  const q = p.q !== undefined ? text(p, 'q', MAX_QUERY_LENGTH) : text(p, 'query', MAX_QUERY_LENGTH);
  // The syntax toggle (`syntax=nfdump`) travels on as the query's prefix.
  return withSyntax(q ?? '', checkSyntax(text(p, 'syntax')));
}

/** The query and time range a page runs, as typed (times stay relative until the core reads them). */
export function formOf(p: Params): LayoutModel['form'] {
  return { q: queryText(p), from: text(p, 'from') ?? '', to: text(p, 'to') ?? '' };
}
