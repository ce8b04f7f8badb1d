import { nameKind } from '../model/endpoint';
import type { Ast, Predicate, Test } from './ast';
import { fieldForValue, lookupField, valueTest, type ResolvedField } from './values';

/*
 * Queries built by code rather than typed: pivots, the host page, anything that adds a condition
 * to what the user asked. They are ASTs like the parser's (names resolved through the catalogue,
 * values read by field type), combined as ASTs and printed by `printQuery`, never spliced as text.
 */

/** A predicate as the parser makes it: the stored fields (computed ones searched through their source). */
export function predicateOf(field: ResolvedField, test: Test, pos: number, end: number): Predicate {
  return {
    kind: 'pred',
    name: field.name,
    fields: field.defs.map((d) => d.computedFrom ?? d.name),
    type: field.type,
    test,
    pos,
    end,
  };
}

/**
 * `name:"value"`: `name` a catalogue field, alias or either-side name, `value` taken literally
 * (as if quoted), read by the field's type. An unknown name or an unfit value throws as in a query.
 */
export function term(name: string, value: string | number): Predicate {
  const raw = String(value);
  const field = fieldForValue(lookupField(name, 0), raw);
  return predicateOf(field, valueTest(raw, true, field, 0, 0), 0, 0);
}

/** Every condition at once; "every flow" adds nothing, nested `and`s are flattened. */
export function allOfAsts(...asts: Ast[]): Ast {
  const children = asts.flatMap((a) => (a.kind === 'and' ? a.children : a.kind === 'all' ? [] : [a]));
  if (children.length === 0) return { kind: 'all' };
  return children.length === 1 ? (children[0] as Ast) : { kind: 'and', children };
}

/** Query names of a host on each side, by what the host name is (model/endpoint's rule). */
const HOST_NAMES = {
  ip: { source: 'src', destination: 'dst', either: 'ip', server: 'server_ip' },
  device: { source: 'srcaddr', destination: 'dstaddr', either: 'address', server: 'server_address' },
} as const;

/** The flows where `host` (an IP, else a device name) is the source, the destination, either, or the server. */
export function hostTerm(side: 'source' | 'destination' | 'either' | 'server', host: string): Predicate {
  return term(HOST_NAMES[nameKind(host)][side], host);
}
