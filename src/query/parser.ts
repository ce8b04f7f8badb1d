import { FlowdexError } from '../errors';
import { resolveField } from '../model/fields';
import type { Ast, Predicate, Test } from './ast';
import { predicateOf } from './build';
import type { Scalar } from './dsl';
import { tokenize, type Token } from './lexer';
import { MAX_CONDITIONS, MAX_LIST_VALUES, MAX_NESTING, MAX_QUERY_LENGTH } from './limits';
import {
  comparisonTest,
  fieldForValue,
  lookupField,
  parseIpOrCidr,
  valueTest,
  type Comparison,
  type ResolvedField,
} from './values';

/*
 * Grammar (DESIGN §6):
 *   query     := orExpr? EOF
 *   orExpr    := andExpr ("or" andExpr)*
 *   andExpr   := unary (("and")? unary)*          juxtaposition means and
 *   unary     := ("not" | "!") unary | primary
 *   primary   := "(" orExpr ")" | condition
 *   condition := NAME ":" value | NAME ":"? CMP value | NAME ":" "(" value (("or" | ",") value)* ")"
 *              | IP-OR-CIDR                           a bare address means ip:<address>
 *   value     := WORD | "quoted string"
 */

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the query';
  return t.kind === 'string' ? 'a quoted string' : `"${t.value}"`;
}

export function syntax(message: string, position: number): FlowdexError {
  return new FlowdexError('QUERY_SYNTAX', message, { position });
}

/** Both front ends end alike: only the end may follow the expression, and a stray ")" is named as such. */
export function expectEnd(t: { kind: string; pos: number }, found: string, what: 'query' | 'filter'): void {
  if (t.kind === 'eof') return;
  throw syntax(
    t.kind === 'rparen'
      ? `unmatched ")" at ${t.pos}`
      : `expected "and", "or" or the end of the ${what} at ${t.pos}, got ${found}`,
    t.pos,
  );
}

const FIELD_NAME = /^[A-Za-z@_][\w.@]*$/;
const BARE_HINT =
  'a value without a field must be an IP address or CIDR block (fields: src, dst, ip, port, dport, proto, app, host, bytes …)';

class Parser {
  private i = 0;
  /** Open parentheses and negations around the current token; bounded so recursion stays shallow. */
  private depth = 0;
  /** Leaf clauses so far (see MAX_CONDITIONS). */
  private conditions = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly now: number,
  ) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  parse(): Ast {
    if (this.peek().kind === 'eof') return { kind: 'all' };
    const ast = this.orExpr();
    const t = this.peek();
    expectEnd(t, describe(t), 'query');
    return ast;
  }

  private orExpr(): Ast {
    const children = [this.andExpr()];
    while (this.peek().kind === 'or') {
      const op = this.next();
      children.push(this.andExpr(op));
    }
    return children.length === 1
      ? (children[0] as Ast)
      : { kind: 'or', children: children.flatMap((c) => (c.kind === 'or' ? c.children : [c])) };
  }

  private andExpr(after?: Token): Ast {
    const children = [this.unary(after)];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'and') {
        this.next();
        children.push(this.unary(t));
      } else if (t.kind === 'word' || t.kind === 'string' || t.kind === 'lparen' || t.kind === 'not') {
        children.push(this.unary());
      } else {
        break;
      }
    }
    return children.length === 1
      ? (children[0] as Ast)
      : { kind: 'and', children: children.flatMap((c) => (c.kind === 'and' ? c.children : [c])) };
  }

  private unary(after?: Token): Ast {
    const t = this.peek();
    if (t.kind === 'not') {
      this.next();
      this.enter(t);
      const child = this.unary(t);
      this.depth--;
      return { kind: 'not', child };
    }
    return this.primary(after);
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING)
      throw syntax(`nesting deeper than ${MAX_NESTING} levels of parentheses and "not" at ${t.pos}`, t.pos);
  }

  private primary(after?: Token): Ast {
    const t = this.next();
    if (t.kind === 'lparen') {
      if (this.peek().kind === 'rparen') throw syntax(`empty parentheses at ${t.pos}`, t.pos);
      this.enter(t);
      const inner = this.orExpr();
      this.depth--;
      const close = this.next();
      if (close.kind !== 'rparen')
        throw syntax(`unclosed "(" at ${t.pos}: expected ")" at ${close.pos}, got ${describe(close)}`, close.pos);
      return inner;
    }
    if (t.kind === 'word') return this.condition(t);
    if (t.kind === 'string')
      throw syntax(
        `expected field:value at ${t.pos}, got a quoted string; name a field, e.g. host:"${t.value}"`,
        t.pos,
      );
    const context = after !== undefined ? ` after "${after.value}"` : '';
    throw syntax(`expected a condition${context} at ${t.pos}, got ${describe(t)}`, t.pos);
  }

  private condition(word: Token): Ast {
    const text = word.value;
    const following = this.peek();
    // Whole-word addresses first: IPv6 contains colons that would otherwise look like field:value.
    if (following.kind !== 'cmp' && parseIpOrCidr(text) !== undefined) {
      return this.predicate(lookupField('ip', word.pos), word.pos, word.end, {
        op: 'eq',
        values: [parseIpOrCidr(text) as string],
      });
    }
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    if (colon < 0 && following.kind !== 'cmp') return this.bareValue(word);
    if (!FIELD_NAME.test(name)) {
      throw syntax(
        colon === 0
          ? `expected a field name before ":" at ${word.pos}`
          : `"${name}" at ${word.pos} is not a field name`,
        word.pos,
      );
    }
    const field = lookupField(name, word.pos);
    const rest = colon < 0 ? '' : text.slice(colon + 1);
    if (rest !== '') {
      const pos = word.pos + colon + 1;
      const f = fieldForValue(field, rest);
      return this.predicate(f, word.pos, word.end, valueTest(rest, false, f, pos, this.now));
    }
    const t = this.peek();
    if (t.kind === 'cmp') {
      this.next();
      const v = this.value(t);
      return this.predicate(
        field,
        word.pos,
        v.end,
        comparisonTest(t.value as Comparison, v.value, field, v.pos, this.now),
      );
    }
    if (t.kind === 'lparen') {
      const first = this.tokens[this.i + 1];
      return this.list(
        first?.kind === 'word' || first?.kind === 'string' ? fieldForValue(field, first.value) : field,
        word,
      );
    }
    const v = this.value(word);
    const f = fieldForValue(field, v.value);
    return this.predicate(f, word.pos, v.end, valueTest(v.value, v.kind === 'string', f, v.pos, this.now));
  }

  /** The value token after `field:` or an operator; `after` names what came before for the message. */
  private value(after: Token): Token {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string') return this.next();
    throw syntax(`expected a value after "${after.value}" at ${t.pos}, got ${describe(t)}`, t.pos);
  }

  private list(field: ResolvedField, word: Token): Ast {
    const open = this.next();
    const tests: Test[] = [];
    for (;;) {
      const v = this.peek();
      if (v.kind === 'rparen' && tests.length === 0)
        throw syntax(`empty list after "${word.value}" at ${v.pos}: give at least one value`, v.pos);
      if (v.kind !== 'word' && v.kind !== 'string') {
        throw syntax(
          v.kind === 'eof'
            ? `unclosed "(" at ${open.pos}: expected ")" at ${v.pos}`
            : `expected a value in the list at ${v.pos}, got ${describe(v)}`,
          v.pos,
        );
      }
      this.next();
      if (tests.length === MAX_LIST_VALUES)
        throw syntax(`more than ${MAX_LIST_VALUES} values in the list at ${v.pos}`, v.pos);
      tests.push(valueTest(v.value, v.kind === 'string', field, v.pos, this.now));
      const sep = this.next();
      if (sep.kind === 'rparen') break;
      if (sep.kind !== 'or' && sep.kind !== 'comma') {
        throw syntax(
          sep.kind === 'eof'
            ? `unclosed "(" at ${open.pos}: expected ")" at ${sep.pos}`
            : `expected "or", "," or ")" in the list at ${sep.pos}, got ${describe(sep)}`,
          sep.pos,
        );
      }
    }
    const end = (this.tokens[this.i - 1] as Token).end;
    // Plain values merge into one terms test; wildcards, ranges and exists stay separate.
    const values: Scalar[] = [];
    const others: Test[] = [];
    for (const t of tests) {
      if (t.op === 'eq') for (const v of t.values) if (!values.includes(v)) values.push(v);
      if (t.op !== 'eq') others.push(t);
    }
    const merged: Test[] = values.length > 0 ? [{ op: 'eq', values }, ...others] : others;
    const preds = merged.map((t) => this.predicate(field, word.pos, end, t));
    return preds.length === 1 ? (preds[0] as Predicate) : { kind: 'or', children: preds };
  }

  private bareValue(word: Token): never {
    if (resolveField(word.value) !== undefined) {
      throw syntax(`expected ":" or a comparison after field "${word.value}" at ${word.end}`, word.end);
    }
    if (/^\d+\.[\d.]*(\/\d*)?$/.test(word.value) || /^[0-9a-f]*:[0-9a-f:.]*(\/\d*)?$/i.test(word.value)) {
      // Looks like an address: let the ip reader say what is wrong with it.
      valueTest(word.value, false, lookupField('ip', word.pos), word.pos, this.now);
    }
    throw syntax(`expected field:value at ${word.pos}, got "${word.value}"; ${BARE_HINT}`, word.pos);
  }

  private predicate(field: ResolvedField, pos: number, end: number, test: Test): Predicate {
    this.conditions += field.defs.length * (test.op === 'eq' ? test.values.length : 1);
    if (this.conditions > MAX_CONDITIONS) {
      throw new FlowdexError(
        'QUERY_BAD_VALUE',
        `more than ${MAX_CONDITIONS} conditions (either-side names and list values count each) at ${pos}`,
        { position: pos, field: 'query' },
      );
    }
    return predicateOf(field, test, pos, end);
  }
}

/**
 * Parses the query language (DESIGN §6) into an AST with field names resolved and values read by
 * field type. Throws `FlowdexError` (QUERY_SYNTAX, QUERY_UNKNOWN_FIELD, QUERY_BAD_VALUE,
 * QUERY_BAD_TIME) whose `context.position` is the 0-based offset of the problem.
 * `now` (epoch ms) anchors relative times such as `time>now-1h`; pass it to stay pure.
 */
export function parseQuery(text: string, now: number = Date.now()): Ast {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new FlowdexError('QUERY_BAD_VALUE', `query is longer than ${MAX_QUERY_LENGTH} characters`, {
      position: MAX_QUERY_LENGTH,
      field: 'query',
    });
  }
  return new Parser(tokenize(text), now).parse();
}

/**
 * The query and a caret under the error position, for the CLI and the web page:
 * ```
 * dport: and x
 *        ^
 * ```
 */
export function renderCaret(text: string, position: number): string {
  const line = text.replace(/[\r\n\t]/g, ' ');
  return `${line}\n${' '.repeat(Math.max(0, Math.min(position, line.length)))}^`;
}
