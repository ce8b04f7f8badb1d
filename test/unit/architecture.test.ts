import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The import graph of src/ by folder (each top-level file is a node of its own): no cycle between
 * nodes, and the layers that everything else builds on import nothing above them.
 */

const SRC = path.join(__dirname, '..', '..', 'src');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** What each lower layer may import besides itself (top-level files: errors.ts, config.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  model: ['errors.ts'],
  store: ['model', 'errors.ts', 'config.ts'],
  query: ['model', 'store', 'errors.ts', 'config.ts'],
  'errors.ts': [],
  'config.ts': ['errors.ts'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `model` for src/model/fields.ts, `config.ts` for src/config.ts. */
function nodeOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length > 1 ? (parts[0] as string) : (parts[0] as string).replace(/(\.ts)?$/, '.ts');
}

/** node → node → one import that makes the arrow, for the failure message. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of tsFiles(SRC)) {
    const from = nodeOf(file);
    const arrows = graph.get(from) ?? new Map<string, string>();
    graph.set(from, arrows);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2]) as string);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = nodeOf(target);
      if (to !== from && !arrows.has(to)) arrows.set(to, `${path.relative(SRC, file)} imports ${m[1] ?? m[2]}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) comp.push(w);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('import graph of src/', () => {
  const graph = folderGraph();

  it('sees the folders it checks', () => {
    for (const n of ['model', 'store', 'query', 'rollup', 'report', 'ingest', 'web']) expect(graph.has(n)).toBe(true);
    expect(graph.get('report')?.has('query')).toBe(true);
  });

  it('has no cycle between folders', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const g = new Map([
      ['a', new Map([['b', '']])],
      ['b', new Map([['c', '']])],
      ['c', new Map([['a', '']])],
      ['d', new Map([['a', '']])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('has no arrow from model, store or query up to a layer above', () => {
    const upward = Object.entries(ALLOWED).flatMap(([from, allowed]) =>
      [...(graph.get(from) ?? new Map<string, string>())]
        .filter(([to]) => !allowed.includes(to))
        .map(([to, why]) => `${from} -> ${to} (${why})`),
    );
    expect(upward).toEqual([]);
  });
});

/**
 * The store seam: outside store/, nothing calls the OpenSearch client's API or uses its values
 * (error classes, the Client class); types alone may be imported to pass a client along.
 */
describe('the store seam', () => {
  const CLIENT_CALL =
    /\bclient\.(?:indices|cat|cluster|nodes|transport|helpers|search|bulk|index|get|delete|count|mget|msearch|scroll|createPit|deletePit|info|ping|update)\b/;
  const VALUE_IMPORT = /^import\s+(?!type\b)[^;]*from\s+['"]@opensearch-project\/opensearch(?:\/[^'"]*)?['"]/m;

  function offenders(): string[] {
    return tsFiles(SRC)
      .filter((f) => nodeOf(f) !== 'store')
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8');
        const rel = path.relative(SRC, f);
        return [
          ...text.split('\n').flatMap((line, i) => (CLIENT_CALL.test(line) ? [`${rel}:${i + 1}: ${line.trim()}`] : [])),
          ...(VALUE_IMPORT.test(text) ? [`${rel}: imports a value from @opensearch-project/opensearch`] : []),
        ];
      });
  }

  it('finds a direct call when there is one', () => {
    expect(CLIENT_CALL.test('await this.client.indices.refresh({ index })')).toBe(true);
    expect(CLIENT_CALL.test('const res = await client.search(body)')).toBe(true);
    expect(VALUE_IMPORT.test("import { errors } from '@opensearch-project/opensearch';")).toBe(true);
    expect(VALUE_IMPORT.test("import type { Client } from '@opensearch-project/opensearch';")).toBe(false);
  });

  it('has no OpenSearch client call outside src/store', () => {
    expect(offenders()).toEqual([]);
  });
});
