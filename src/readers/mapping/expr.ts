import { FlowdexError } from '../../errors';
import { badRecord, type Cell } from '../text/values';

/**
 * The transform language of mapping files: column names, numbers, "string" constants,
 * `+ - * /` and parentheses. Columns with unusual names are written in backticks.
 */
export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'col'; name: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str' | 'col'; v: string; at: number }
  | { t: 'op'; v: string; at: number };

function syntax(message: string, position: number): FlowdexError {
  return new FlowdexError('MAPPING_INVALID', `${message} at position ${position + 1}`, { position: position + 1 });
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) i++;
    else if ('+-*/()'.includes(c)) out.push({ t: 'op', v: c, at: i++ });
    else if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(src.slice(i));
      if (!m) throw syntax(`bad number`, i);
      out.push({ t: 'num', v: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'col', v: m[0], at: i });
      i += m[0].length;
    } else if (c === '`' || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end === -1) throw syntax(`unterminated ${c === '`' ? 'column name' : 'string'}`, i);
      out.push({ t: c === '`' ? 'col' : 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else throw syntax(`unexpected character ${JSON.stringify(c)}`, i);
  }
  return out;
}

/** Parses an expression; throws MAPPING_INVALID with the position of a syntax error. */
export function parseExpr(src: string): Expr {
  const tokens = tokenize(src);
  let k = 0;
  const peekOp = (): string | undefined => {
    const tok = tokens[k];
    return tok?.t === 'op' ? tok.v : undefined;
  };
  function primary(): Expr {
    const tok = tokens[k++];
    if (tok === undefined) throw syntax('expression ends too early', src.length);
    if (tok.t === 'num') return { kind: 'num', value: tok.v };
    if (tok.t === 'str') return { kind: 'str', value: tok.v };
    if (tok.t === 'col') return { kind: 'col', name: tok.v };
    if (tok.v === '-') return { kind: 'neg', arg: primary() };
    if (tok.v === '(') {
      const e = sum();
      if (tokens[k]?.t !== 'op' || peekOp() !== ')') throw syntax('missing )', tokens[k]?.at ?? src.length);
      k++;
      return e;
    }
    throw syntax(`unexpected ${tok.v}`, tok.at);
  }
  function product(): Expr {
    let e = primary();
    for (let op = peekOp(); op === '*' || op === '/'; op = peekOp()) {
      k++;
      e = { kind: 'bin', op, left: e, right: primary() };
    }
    return e;
  }
  function sum(): Expr {
    let e = product();
    for (let op = peekOp(); op === '+' || op === '-'; op = peekOp()) {
      k++;
      e = { kind: 'bin', op, left: e, right: product() };
    }
    return e;
  }
  if (tokens.length === 0) throw syntax('empty expression', 0);
  const e = sum();
  const rest = tokens[k];
  if (rest !== undefined) throw syntax(`unexpected ${rest.t === 'op' ? rest.v : JSON.stringify(rest.v)}`, rest.at);
  return e;
}

/** Every column an expression reads. */
export function columnsOf(e: Expr): string[] {
  if (e.kind === 'col') return [e.name];
  if (e.kind === 'neg') return columnsOf(e.arg);
  if (e.kind === 'bin') return [...columnsOf(e.left), ...columnsOf(e.right)];
  return [];
}

function operand(v: Cell | string | number, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (typeof v === 'boolean' || !Number.isFinite(n))
    throw badRecord(field, `${field}: ${JSON.stringify(v)} is not a number`);
  return n;
}

/**
 * Evaluates for one record. A lone column or string is returned as is (so addresses and names
 * pass through); arithmetic works on numbers. A missing operand makes the result missing.
 * Division by zero rejects the record, naming `field`.
 */
export function evaluate(e: Expr, get: (column: string) => Cell, field: string): string | number | undefined {
  switch (e.kind) {
    case 'num':
    case 'str':
      return e.value;
    case 'col': {
      const v = get(e.name);
      return v === null || v === undefined || typeof v === 'boolean' ? undefined : v;
    }
    case 'neg': {
      const a = operand(evaluate(e.arg, get, field), field);
      return a === undefined ? undefined : -a;
    }
    case 'bin': {
      const a = operand(evaluate(e.left, get, field), field);
      const b = operand(evaluate(e.right, get, field), field);
      if (a === undefined || b === undefined) return undefined;
      if (e.op === '+') return a + b;
      if (e.op === '-') return a - b;
      if (e.op === '*') return a * b;
      if (b === 0) throw badRecord(field, `${field}: division by zero`);
      return a / b;
    }
  }
}
