import { isIP } from 'node:net';
import { FlowdexError } from '../errors';
import { ianaNumber } from '../model/protocols';
import type { Ast, Predicate, Test } from './ast';
import { predicateOf } from './build';
import { flagMask, valuesWithFlags } from './flags';
import { MAX_CONDITIONS, MAX_LIST_VALUES, MAX_NESTING, MAX_QUERY_LENGTH, MAX_VALUE_LENGTH } from './limits';
import { expectEnd, syntax } from './parser';
import { lookupField, parseIpOrCidr } from './values';

/*
 * nfdump's filter syntax (nfdump(1), "FILTER"), as a second front end: it builds the same AST as
 * the flowdex language, so analysis, planning and compilation are shared.
 *
 *   filter    := orExpr EOF
 *   orExpr    := andExpr (("or" | "||") andExpr)*
 *   andExpr   := unary (("and" | "&&") unary)*          no juxtaposition, as in nfdump
 *   unary     := ("not" | "!") unary | "(" orExpr ")" | primitive
 *   primitive := "any" | "inet" | "ipv4" | "inet6" | "ipv6"
 *              | dir? ("ip" | "host") (ADDR | "in" "[" ADDR+ "]")
 *              | dir? "net" (CIDR | ADDR MASK)
 *              | dir? ("port" | "as") (CMP? NUMBER | "in" "[" NUMBER+ "]")
 *              | ("in" | "out")? "if" NUMBER
 *              | "proto" (NAME | NUMBER) | "flags" (LETTERS | NUMBER) | "tos" CMP? NUMBER
 *                                     flags: letters = at least those set, a number = exactly it
 *              | ("bytes" | "packets" | "duration") CMP? NUMBER       duration in ms
 *              | ("icmp-type" | "icmp-code") NUMBER
 *   dir       := "src" | "dst" | "src" "or" "dst" | "src" "and" "dst"
 *   CMP       := "=" | "==" | ">" | "<" | ">=" | "<=" | "eq" | "gt" | "lt" | "ge" | "le"
 *   NUMBER    := digits with an optional k, M, G, T (×1000 each, any case), or 0x hex
 *
 * Keywords are case-insensitive. List items may be separated by spaces or commas. Where nfdump
 * resolves a host name through DNS, flowdex matches the name against the stored device names
 * (`source.address` / `destination.address`).
 */

type Kind = 'word' | 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'cmp' | 'not' | 'and' | 'or' | 'eof';

interface Tok {
  kind: Kind;
  value: string;
  pos: number;
  end: number;
}

const PUNCT: Record<string, Kind> = { '(': 'lparen', ')': 'rparen', '[': 'lbracket', ']': 'rbracket', ',': 'comma' };
const WORD_END = /[\s()[\],=<>!&|]/;

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const two = text.slice(i, i + 2);
    if (/\s/.test(c)) i++;
    else if (PUNCT[c] !== undefined) out.push({ kind: PUNCT[c], value: c, pos: i, end: ++i });
    else if (two === '&&' || two === '||') {
      out.push({ kind: two === '&&' ? 'and' : 'or', value: two, pos: i, end: i + 2 });
      i += 2;
    } else if (two === '==' || two === '>=' || two === '<=') {
      out.push({ kind: 'cmp', value: two, pos: i, end: i + 2 });
      i += 2;
    } else if (c === '=' || c === '>' || c === '<') out.push({ kind: 'cmp', value: c, pos: i, end: ++i });
    else if (c === '!') out.push({ kind: 'not', value: c, pos: i, end: ++i });
    else if (c === '&' || c === '|')
      throw syntax(`"${c}" at ${i} is not an operator; use "${c}${c}" or "${c === '&' ? 'and' : 'or'}"`, i);
    else {
      const start = i;
      while (i < text.length && !WORD_END.test(text[i] as string)) i++;
      const value = text.slice(start, i);
      const lower = value.toLowerCase();
      const kind: Kind =
        lower === 'and'
          ? 'and'
          : lower === 'or'
            ? 'or'
            : lower === 'not'
              ? 'not'
              : ['eq', 'gt', 'lt', 'ge', 'le'].includes(lower)
                ? 'cmp'
                : 'word';
      out.push({ kind, value, pos: start, end: i });
    }
  }
  out.push({ kind: 'eof', value: '', pos: text.length, end: text.length });
  return out;
}

const CMP_WORDS: Record<string, Cmp> = {
  '=': 'eq',
  '==': 'eq',
  eq: 'eq',
  '>': 'gt',
  gt: 'gt',
  '<': 'lt',
  lt: 'lt',
  '>=': 'gte',
  ge: 'gte',
  '<=': 'lte',
  le: 'lte',
};
type Cmp = 'eq' | 'gt' | 'lt' | 'gte' | 'lte';
type Dir = 'src' | 'dst' | 'either' | 'both';

/** Flowdex names of each side, per nfdump element; `either` names resolve to both fields. */
const SIDES: Record<string, Record<'src' | 'dst' | 'either', string>> = {
  ip: { src: 'src', dst: 'dst', either: 'ip' },
  name: { src: 'srcaddr', dst: 'dstaddr', either: 'address' },
  port: { src: 'sport', dst: 'dport', either: 'port' },
  as: { src: 'src_asn', dst: 'dst_asn', either: 'as' },
  if: { src: 'in_if', dst: 'out_if', either: 'if' },
};

const SCALE: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const DIRECTED = new Set(['ip', 'host', 'net', 'port', 'as']);
const UNSUPPORTED = new Set([
  'next',
  'prev',
  'router',
  'bps',
  'pps',
  'bpp',
  'mpls',
  'vlan',
  'mac',
  'engine-type',
  'engine-id',
  'exporter',
  'mask',
  'ident',
  'nat',
  'xip',
  'nip',
  'sysid',
  'fwd',
  'latency',
  'asa',
  'pblock',
  'geo',
  'flowlabel',
]);

/** Whether a word starts an nfdump primitive: how auto-detection tells the two syntaxes apart. */
export function startsLikeNfdump(text: string): boolean {
  const first = tokenize(text).find((t) => t.kind !== 'not' && t.kind !== 'lparen');
  if (first === undefined || first.kind !== 'word') return false;
  const w = first.value.toLowerCase();
  return PRIMITIVES.has(w) || w === 'src' || w === 'dst' || w === 'in' || w === 'out';
}

const PRIMITIVES = new Set([
  'any',
  'inet',
  'ipv4',
  'inet6',
  'ipv6',
  'ip',
  'host',
  'net',
  'port',
  'as',
  'if',
  'proto',
  'flags',
  'tos',
  'bytes',
  'packets',
  'duration',
  'icmp-type',
  'icmp-code',
]);

class NfdumpParser {
  private i = 0;
  private depth = 0;
  /** Leaf clauses so far, counted as the flowdex parser counts them (see MAX_CONDITIONS). */
  private conditions = 0;

  constructor(private readonly toks: Tok[]) {}

  private peek(ahead = 0): Tok {
    return this.toks[Math.min(this.i + ahead, this.toks.length - 1)] as Tok;
  }

  private next(): Tok {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private describe(t: Tok): string {
    return t.kind === 'eof' ? 'the end of the filter' : `"${t.value}"`;
  }

  parse(): Ast {
    // nfdump reads an empty filter as `any`.
    if (this.peek().kind === 'eof') return { kind: 'all' };
    const ast = this.orExpr();
    const t = this.peek();
    expectEnd(t, this.describe(t), 'filter');
    return ast;
  }

  private orExpr(): Ast {
    const children = [this.andExpr()];
    while (this.peek().kind === 'or') {
      this.next();
      children.push(this.andExpr());
    }
    return children.length === 1
      ? (children[0] as Ast)
      : { kind: 'or', children: children.flatMap((c) => (c.kind === 'or' ? c.children : [c])) };
  }

  private andExpr(): Ast {
    const children = [this.unary()];
    while (this.peek().kind === 'and') {
      this.next();
      children.push(this.unary());
    }
    return children.length === 1
      ? (children[0] as Ast)
      : { kind: 'and', children: children.flatMap((c) => (c.kind === 'and' ? c.children : [c])) };
  }

  private unary(): Ast {
    const t = this.peek();
    if (t.kind === 'not' || t.kind === 'lparen') {
      this.next();
      if (++this.depth > MAX_NESTING)
        throw syntax(`nesting deeper than ${MAX_NESTING} levels of parentheses and "not" at ${t.pos}`, t.pos);
      let inner: Ast;
      if (t.kind === 'not') inner = { kind: 'not', child: this.unary() };
      else {
        inner = this.orExpr();
        const close = this.next();
        if (close.kind !== 'rparen')
          throw syntax(
            `unclosed "(" at ${t.pos}: expected ")" at ${close.pos}, got ${this.describe(close)}`,
            close.pos,
          );
      }
      this.depth--;
      return inner;
    }
    return this.primitive();
  }

  private word(what: string): Tok {
    const t = this.next();
    if (t.kind !== 'word') throw syntax(`expected ${what} at ${t.pos}, got ${this.describe(t)}`, t.pos);
    if (t.value.length > MAX_VALUE_LENGTH)
      throw new FlowdexError('QUERY_BAD_VALUE', `value at ${t.pos} is longer than ${MAX_VALUE_LENGTH} characters`, {
        position: t.pos,
      });
    return t;
  }

  private direction(): Dir | undefined {
    const w = this.peek().value.toLowerCase();
    if (this.peek().kind !== 'word' || (w !== 'src' && w !== 'dst')) return undefined;
    this.next();
    const join = this.peek();
    const other = this.peek(1);
    if (
      (join.kind === 'or' || join.kind === 'and') &&
      other.kind === 'word' &&
      other.value.toLowerCase() === (w === 'src' ? 'dst' : 'src')
    ) {
      this.i += 2;
      return join.kind === 'or' ? 'either' : 'both';
    }
    return w;
  }

  private primitive(): Ast {
    const start = this.peek();
    const dir = this.direction();
    const t = this.word(
      dir === undefined
        ? 'a filter primitive (ip, net, port, proto, bytes …)'
        : `ip, host, net, port or as after "${start.value}"`,
    );
    const key = t.value.toLowerCase();
    if (dir !== undefined && !DIRECTED.has(key))
      throw syntax(`"${t.value}" at ${t.pos} takes no src/dst qualifier`, t.pos);
    const d: Dir = dir ?? 'either';
    switch (key) {
      case 'any':
        return { kind: 'all' };
      case 'inet':
      case 'ipv4':
      case 'inet6':
      case 'ipv6':
        return this.pred('ipversion', { op: 'eq', values: [key.endsWith('6') ? 'ipv6' : 'ipv4'] }, start.pos, t.end);
      case 'ip':
      case 'host':
        return this.sided(d, start.pos, (side) => this.addresses(side, start.pos));
      case 'net':
        return this.sided(d, start.pos, (side) => this.net(side, start.pos));
      case 'port':
        return this.sided(d, start.pos, (side) => this.numbers(SIDES.port?.[side] as string, start.pos, 0, 65535));
      case 'as':
        return this.sided(d, start.pos, (side) => this.numbers(SIDES.as?.[side] as string, start.pos, 0, 4294967295));
      case 'in':
      case 'out': {
        const ifWord = this.word(`"if" after "${t.value}"`);
        if (ifWord.value.toLowerCase() !== 'if')
          throw syntax(`expected "if" after "${t.value}" at ${ifWord.pos}, got "${ifWord.value}"`, ifWord.pos);
        return this.ifIndex(key === 'in' ? 'src' : 'dst', start.pos);
      }
      case 'if':
        return this.ifIndex('either', start.pos);
      case 'proto': {
        const v = this.word('a protocol name or number');
        const n = ianaNumber(v.value);
        if (n === undefined)
          throw new FlowdexError('QUERY_BAD_VALUE', `unknown protocol "${v.value}" at ${v.pos}`, {
            position: v.pos,
            field: 'proto',
          });
        if (n > 255)
          throw new FlowdexError('QUERY_BAD_VALUE', `protocol number ${n} at ${v.pos} is above 255`, {
            position: v.pos,
            field: 'proto',
          });
        return this.pred('protocol', { op: 'eq', values: [n] }, start.pos, v.end);
      }
      case 'flags':
        return this.flags(start.pos);
      case 'icmp-type':
      case 'icmp-code': {
        // ICMP type and code are fields of their own (nfdump packs them into the destination
        // port, where its port filters see them; flowdex's port filters do not).
        const v = this.word('a number');
        const n = this.number(v, 0, 255);
        const icmp = this.pred('protocol', { op: 'eq', values: [1, 58] }, start.pos, v.end);
        return {
          kind: 'and',
          children: [
            this.pred(key === 'icmp-type' ? 'icmp_type' : 'icmp_code', { op: 'eq', values: [n] }, start.pos, v.end),
            icmp,
          ],
        };
      }
      case 'tos':
        return this.compare('tos', start.pos, 0, 255, 1);
      case 'bytes':
        return this.compare('bytes', start.pos, 0, Number.MAX_SAFE_INTEGER, 1);
      case 'packets':
        return this.compare('packets', start.pos, 0, Number.MAX_SAFE_INTEGER, 1);
      case 'duration':
        // nfdump counts milliseconds; flowdex stores nanoseconds.
        return this.compare('duration', start.pos, 0, Number.MAX_SAFE_INTEGER / 1e6, 1e6);
      default:
        if (UNSUPPORTED.has(key))
          throw syntax(`nfdump's "${t.value}" filter at ${t.pos} has no flowdex field to search`, t.pos);
        throw syntax(
          `"${t.value}" at ${t.pos} is not an nfdump filter primitive (ip, host, net, port, as, if, proto, flags, tos, bytes, packets, duration, any)`,
          t.pos,
        );
    }
  }

  /** One side, either side or both sides of a directed primitive. */
  private sided(d: Dir, pos: number, build: (side: 'src' | 'dst' | 'either') => Ast): Ast {
    if (d !== 'both') return build(d);
    const save = this.i;
    const src = build('src');
    this.i = save;
    return { kind: 'and', children: [src, build('dst')] };
  }

  private addresses(side: 'src' | 'dst' | 'either', pos: number): Ast {
    const list = this.listOr(() => this.word('an IP address'));
    const ips: string[] = [];
    const names: string[] = [];
    for (const t of list.items) {
      if (isIP(t.value) !== 0) ips.push(t.value.toLowerCase());
      else if (/^[A-Za-z][\w.-]*$/.test(t.value)) names.push(t.value);
      else
        throw new FlowdexError(
          'QUERY_BAD_VALUE',
          `"${t.value}" at ${t.pos} is not an IP address (use "net" for blocks)`,
          { position: t.pos, field: 'ip' },
        );
    }
    const preds: Ast[] = [];
    if (ips.length > 0) preds.push(this.pred(SIDES.ip?.[side] as string, { op: 'eq', values: ips }, pos, list.end));
    if (names.length > 0)
      preds.push(this.pred(SIDES.name?.[side] as string, { op: 'eq', values: names }, pos, list.end));
    return preds.length === 1 ? (preds[0] as Ast) : { kind: 'or', children: preds };
  }

  private net(side: 'src' | 'dst' | 'either', pos: number): Ast {
    const t = this.word('a network such as 10.0.0.0/8');
    let cidr: string | undefined;
    const slash = t.value.indexOf('/');
    if (slash < 0) {
      const mask = this.peek();
      if (mask.kind !== 'word' || isIP(mask.value) !== 4 || isIP(t.value) !== 4)
        throw syntax(`expected a network such as 10.0.0.0/8 or 10.0.0.0 255.0.0.0 at ${t.pos}`, t.pos);
      this.next();
      const bits = maskBits(mask.value);
      if (bits === undefined)
        throw new FlowdexError(
          'QUERY_BAD_VALUE',
          `netmask "${mask.value}" at ${mask.pos} is not contiguous; flowdex matches CIDR blocks only`,
          { position: mask.pos, field: 'net' },
        );
      cidr = networkOf(t.value, bits);
    } else {
      let addr = t.value.slice(0, slash);
      const bitsText = t.value.slice(slash + 1);
      // nfdump accepts shortened IPv4 networks such as 10.0.0/24.
      if (/^\d+(\.\d+){1,2}$/.test(addr)) addr += '.0'.repeat(3 - (addr.match(/\./g)?.length ?? 0));
      const version = isIP(addr);
      const bits = Number(bitsText);
      if (version !== 0 && /^\d{1,3}$/.test(bitsText) && bits <= (version === 4 ? 32 : 128))
        cidr = version === 4 ? networkOf(addr, bits) : parseIpOrCidr(`${addr}/${bits}`);
    }
    if (cidr === undefined)
      throw new FlowdexError('QUERY_BAD_VALUE', `"${t.value}" at ${t.pos} is not a network (address/prefix length)`, {
        position: t.pos,
        field: 'net',
      });
    const end = (this.toks[this.i - 1] as Tok).end;
    return this.pred(SIDES.ip?.[side] as string, { op: 'eq', values: [cidr] }, pos, end);
  }

  private ifIndex(side: 'src' | 'dst' | 'either', pos: number): Ast {
    const t = this.word('an interface index');
    const n = this.number(t, 0, 4294967295);
    return this.pred(SIDES.if?.[side] as string, { op: 'eq', values: [n] }, pos, t.end);
  }

  /** `port 80`, `port > 1023`, `port in [80 443]`. */
  private numbers(name: string, pos: number, min: number, max: number): Ast {
    if (this.peek().kind === 'word' && this.peek().value.toLowerCase() === 'in') {
      const list = this.listOr(() => this.word('a number'));
      return this.pred(
        name,
        { op: 'eq', values: [...new Set(list.items.map((t) => this.number(t, min, max)))] },
        pos,
        list.end,
      );
    }
    return this.compare(name, pos, min, max, 1);
  }

  private compare(name: string, pos: number, min: number, max: number, factor: number): Ast {
    const op = this.peek().kind === 'cmp' ? (CMP_WORDS[this.next().value.toLowerCase()] as Cmp) : 'eq';
    const t = this.word('a number');
    const n = this.number(t, min, max) * factor;
    const test: Test = op === 'eq' ? { op: 'eq', values: [n] } : { op: 'range', [op]: n };
    return this.pred(name, test, pos, t.end);
  }

  private flags(pos: number): Ast {
    const t = this.word('TCP flags such as S, AS or a number 0-63');
    const exact = /^\d+$/.test(t.value);
    const mask = exact ? Number(t.value) : flagMask(t.value);
    if (mask === undefined || mask > 63 || /[CE]/.test(t.value)) {
      throw new FlowdexError(
        'QUERY_BAD_VALUE',
        `"${t.value}" at ${t.pos} is not a set of TCP flags (letters UAPRSF or X, or 0-63)`,
        { position: t.pos, field: 'flags' },
      );
    }
    // nfdump implies TCP for a flags filter. Letters ask for at least those flags, a number
    // for exactly that value.
    const tcp = this.pred('protocol', { op: 'eq', values: [6] }, pos, t.end);
    const flags = this.pred('flags', { op: 'eq', values: exact ? [mask] : valuesWithFlags(mask) }, pos, t.end);
    return { kind: 'and', children: [tcp, flags] };
  }

  private listOr(item: () => Tok): { items: Tok[]; end: number } {
    const first = this.peek();
    if (!(first.kind === 'word' && first.value.toLowerCase() === 'in')) {
      const t = item();
      return { items: [t], end: t.end };
    }
    this.next();
    const open = this.next();
    if (open.kind !== 'lbracket')
      throw syntax(`expected "[" after "in" at ${open.pos}, got ${this.describe(open)}`, open.pos);
    const items: Tok[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'rbracket') {
        if (items.length === 0) throw syntax(`empty list at ${open.pos}: give at least one value`, t.pos);
        this.next();
        return { items, end: t.end };
      }
      if (t.kind === 'comma' && items.length > 0) {
        this.next();
        continue;
      }
      if (t.kind === 'eof') throw syntax(`unclosed "[" at ${open.pos}: expected "]" at ${t.pos}`, t.pos);
      if (items.length === MAX_LIST_VALUES)
        throw syntax(`more than ${MAX_LIST_VALUES} values in the list at ${t.pos}`, t.pos);
      items.push(item());
    }
  }

  private number(t: Tok, min: number, max: number): number {
    const m = /^(?:0x([0-9a-f]+)|(\d+)([kmgt])?)$/i.exec(t.value);
    const n =
      m === null
        ? NaN
        : m[1] !== undefined
          ? parseInt(m[1], 16)
          : Number(m[2]) * (m[3] !== undefined ? (SCALE[m[3].toLowerCase()] as number) : 1);
    if (!Number.isSafeInteger(n))
      throw new FlowdexError(
        'QUERY_BAD_VALUE',
        `"${t.value}" at ${t.pos} is not a whole number (k, M, G, T multiply by 1000)`,
        { position: t.pos },
      );
    if (n < min || n > max)
      throw new FlowdexError('QUERY_BAD_VALUE', `${t.value} at ${t.pos} is out of range (${min} to ${max})`, {
        position: t.pos,
      });
    return n;
  }

  private pred(name: string, test: Test, pos: number, end: number): Predicate {
    const f = lookupField(name, pos);
    // A flags filter is one condition however many flag values it lists.
    this.conditions += f.defs.length * (test.op === 'eq' && name !== 'flags' ? test.values.length : 1);
    if (this.conditions > MAX_CONDITIONS) {
      throw new FlowdexError(
        'QUERY_BAD_VALUE',
        `more than ${MAX_CONDITIONS} conditions (either-side names and list values count each) at ${pos}`,
        { position: pos, field: 'query' },
      );
    }
    return predicateOf(f, test, pos, end);
  }
}

function maskBits(mask: string): number | undefined {
  const n = mask.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  for (let bits = 0; bits <= 32; bits++) if (n === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) return bits;
  return undefined;
}

/** The network address of an IPv4 block, as nfdump masks host bits away. */
function networkOf(addr: string, bits: number): string {
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const net = bits === 0 ? 0 : (n & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
}

/**
 * Parses an nfdump filter into the flowdex AST. Throws `FlowdexError` (QUERY_SYNTAX,
 * QUERY_BAD_VALUE) with `context.position`, like `parseQuery`.
 */
export function parseNfdump(text: string): Ast {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new FlowdexError('QUERY_BAD_VALUE', `query is longer than ${MAX_QUERY_LENGTH} characters`, {
      position: MAX_QUERY_LENGTH,
      field: 'query',
    });
  }
  return new NfdumpParser(tokenize(text)).parse();
}
