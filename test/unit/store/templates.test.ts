import { FIELDS, storedFields } from '../../../src/model/fields';
import { allTemplates, type IndexTemplateBody } from '../../../src/store/templates';

type Prop = { type?: string; properties?: Record<string, Prop>; index?: boolean };

function flatten(props: Record<string, Prop>, base = ''): Map<string, Prop> {
  const out = new Map<string, Prop>();
  for (const [k, v] of Object.entries(props)) {
    const name = base ? `${base}.${k}` : k;
    if (v.properties) for (const [n, p] of flatten(v.properties, name)) out.set(n, p);
    else out.set(name, v);
  }
  return out;
}

function flowsTemplate(prefix = 'flowdex-'): IndexTemplateBody {
  const t = allTemplates({ prefix }).find((x) => x.name === `${prefix}flows`);
  if (!t) throw new Error('no flows template');
  return t.body;
}

describe('raw flow mapping', () => {
  const mapped = flatten(flowsTemplate().template?.mappings?.properties ?? {});

  it('maps every stored catalogue field with the catalogue type', () => {
    for (const f of storedFields()) {
      expect({ field: f.name, type: mapped.get(f.name)?.type }).toEqual({ field: f.name, type: f.type });
    }
  });

  it('maps nothing the catalogue does not know', () => {
    const known = new Set(storedFields().map((f) => f.name));
    expect([...mapped.keys()].filter((k) => !known.has(k))).toEqual([]);
  });

  it('maps no field that is computed on read', () => {
    for (const f of FIELDS.filter((x) => x.computedFrom !== undefined)) expect(mapped.has(f.name)).toBe(false);
  });

  it('builds no index structures for display-only and doc-values-only fields', () => {
    for (const f of FIELDS.filter((x) => x.indexed === false || x.docValuesOnly))
      expect({ f: f.name, index: mapped.get(f.name)?.index }).toEqual({ f: f.name, index: false });
    for (const f of storedFields().filter((x) => x.indexed !== false && !x.docValuesOnly))
      expect({ f: f.name, index: mapped.get(f.name)?.index }).toEqual({ f: f.name, index: undefined });
  });

  it('is tuned as DESIGN §3 says', () => {
    const t = flowsTemplate('acme-');
    expect(t.index_patterns).toEqual(['acme-flows-*']);
    expect(Object.keys(t.template?.aliases ?? {})).toEqual(['acme-flows']);
    expect(t.template?.mappings?.dynamic).toBe(false);
    const index = t.template?.settings?.index as Record<string, unknown>;
    expect(index['sort.field']).toBe('@timestamp');
    expect(index['codec']).toBe('best_compression');
    expect(index['number_of_replicas']).toBe(0);
    expect(index['derived_source.enabled']).toBe(true);
  });

  it('drops derived source where the cluster lacks it (2.x)', () => {
    const t = allTemplates({ prefix: 'x-', derivedSource: false }).find((x) => x.name === 'x-flows');
    expect(Object.keys(t?.body.template?.settings?.index ?? {})).not.toContain('derived_source.enabled');
  });
});

describe('template rendering', () => {
  it('applies the prefix everywhere and changes the hash with it', () => {
    const a = allTemplates({ prefix: 'a-' });
    const b = allTemplates({ prefix: 'b-' });
    for (const t of a) expect(JSON.stringify(t.body)).not.toContain('__PREFIX__');
    expect(a.map((t) => t.hash)).not.toEqual(b.map((t) => t.hash));
  });

  it('takes shards and replicas from configuration', () => {
    const t = allTemplates({ prefix: 'x-', shards: 3, replicas: 1 }).find((x) => x.name === 'x-flows');
    const index = t?.body.template?.settings?.index as Record<string, unknown>;
    expect([index['number_of_shards'], index['number_of_replicas']]).toEqual([3, 1]);
  });

  it('gives every index the replicas, but keeps rollup and bookkeeping indices at one shard', () => {
    const all = allTemplates({ prefix: 'x-', shards: 3, replicas: 2 });
    const settings = Object.fromEntries(
      all.map((t) => {
        const index = t.body.template?.settings?.index as Record<string, unknown>;
        return [t.name, [index['number_of_shards'], index['number_of_replicas']]];
      }),
    );
    expect(settings).toEqual({
      'x-alerts': [1, 2],
      'x-flows': [3, 2],
      'x-monitors': [1, 2],
      'x-rollup': [1, 2],
      'x-saved-queries': [1, 2],
      'x-state': [1, 2],
    });
  });

  it('is deterministic', () => {
    expect(allTemplates({ prefix: 'x-' }).map((t) => t.hash)).toEqual(
      allTemplates({ prefix: 'x-' }).map((t) => t.hash),
    );
  });
});
