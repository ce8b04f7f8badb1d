import type { Ast } from './ast';

/**
 * The stored fields a query touches, so the planner can tell whether a rollup keeps all of them.
 * The time field is not included unless the query itself names it; every search filters on it.
 */
export function analyse(ast: Ast): Set<string> {
  const out = new Set<string>();
  const visit = (n: Ast): void => {
    if (n.kind === 'pred') for (const f of n.fields) out.add(f);
    else if (n.kind === 'and' || n.kind === 'or') n.children.forEach(visit);
    else if (n.kind === 'not') visit(n.child);
  };
  visit(ast);
  return out;
}
