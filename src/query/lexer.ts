import { FlowdexError } from '../errors';
import { own } from './limits';

export type TokenKind = 'word' | 'string' | 'lparen' | 'rparen' | 'comma' | 'cmp' | 'and' | 'or' | 'not' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Words and strings: the value (strings unescaped); `cmp`: the operator; others: the source text. */
  value: string;
  /** 0-based offsets into the query, end exclusive. */
  pos: number;
  end: number;
}

/** Characters that end a word; everything else (including `:` `*` `/` `=` `+`) belongs to it. */
const DELIMITERS = new Set([' ', '\t', '\n', '\r', '(', ')', '"', '<', '>', '!', ',']);
const KEYWORDS: Record<string, TokenKind> = { and: 'and', or: 'or', not: 'not' };

/**
 * Splits a query into tokens with offsets. `and`/`or`/`not` are keywords in any case; `!` is
 * `not`. Quoted strings take `\"` and `\\` escapes (a backslash before any other character keeps
 * that character).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === ',' || c === '!') {
      const kind: TokenKind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === ',' ? 'comma' : 'not';
      tokens.push({ kind, value: c, pos: i, end: i + 1 });
      i++;
    } else if (c === '<' || c === '>') {
      const op = text[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ kind: 'cmp', value: op, pos: i, end: i + op.length });
      i += op.length;
    } else if (c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) {
          throw new FlowdexError('QUERY_SYNTAX', `unclosed quote starting at ${start}`, { position: start });
        }
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i + 1];
          if (e === undefined)
            throw new FlowdexError('QUERY_SYNTAX', `unclosed quote starting at ${start}`, { position: start });
          value += e;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', value, pos: start, end: i });
    } else {
      const start = i;
      while (i < text.length && !DELIMITERS.has(text[i] as string)) i++;
      const value = text.slice(start, i);
      tokens.push({ kind: own(KEYWORDS, value.toLowerCase()) ?? 'word', value, pos: start, end: i });
    }
  }
  tokens.push({ kind: 'eof', value: '', pos: text.length, end: text.length });
  return tokens;
}
