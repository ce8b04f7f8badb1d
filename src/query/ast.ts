import type { FieldType } from '../model/fields';
import type { Scalar } from './dsl';

/** What a predicate asks of its fields, with values already read by field type. */
export type Test =
  | { op: 'eq'; values: Scalar[] }
  | { op: 'range'; gt?: Scalar; gte?: Scalar; lt?: Scalar; lte?: Scalar }
  | { op: 'wildcard'; pattern: string }
  | { op: 'exists' };

/**
 * `field:value` and its relatives. `fields` are stored ECS names: one for a plain field, several
 * for an either-side alias (`ip:` → source.ip, destination.ip), any of which may match.
 */
export interface Predicate {
  kind: 'pred';
  /** The name as written (alias or ECS), for messages and explain. */
  name: string;
  fields: string[];
  type: FieldType;
  test: Test;
  /** Offsets of the condition in the query text. */
  pos: number;
  end: number;
}

export interface AndNode {
  kind: 'and';
  children: Ast[];
}

export interface OrNode {
  kind: 'or';
  children: Ast[];
}

export interface NotNode {
  kind: 'not';
  child: Ast;
}

/** The empty query: every flow. */
export interface AllNode {
  kind: 'all';
}

export type Ast = Predicate | AndNode | OrNode | NotNode | AllNode;
