import { FIELDS } from '../../../src/model/fields';
import { ROLLUP_SOURCES } from '../../../src/dashboards/index-patterns';
import { PANELS } from '../../../src/dashboards/panels';
import { exportNdjson, savedObjectId } from '../../../src/dashboards/saved-objects';

/** The export read back the way Dashboards reads it: from text, trusting nothing. */
type Obj = {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
  migrationVersion: Record<string, string>;
};

function parse(ndjson: string): Obj[] {
  expect(ndjson.endsWith('\n')).toBe(true);
  return ndjson
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Obj);
}

function jsonAttr(o: Obj, path: string): unknown {
  let cur: unknown = o.attributes;
  for (const part of path.split('.')) cur = (cur as Record<string, unknown>)[part];
  expect(typeof cur).toBe('string');
  return JSON.parse(cur as string);
}

const REQUIRED: Record<string, string[]> = {
  'index-pattern': ['title', 'timeFieldName', 'fields'],
  visualization: ['title', 'visState', 'uiStateJSON', 'description', 'version', 'kibanaSavedObjectMeta'],
  dashboard: ['title', 'panelsJSON', 'optionsJSON', 'timeRestore', 'kibanaSavedObjectMeta'],
};

const JSON_ATTRS: Record<string, string[]> = {
  'index-pattern': ['fields'],
  visualization: ['visState', 'uiStateJSON', 'kibanaSavedObjectMeta.searchSourceJSON'],
  dashboard: ['panelsJSON', 'optionsJSON', 'kibanaSavedObjectMeta.searchSourceJSON'],
};

describe('saved objects export', () => {
  const objects = parse(exportNdjson('flowdex-'));
  const byId = new Map(objects.map((o) => [o.id, o]));

  test('holds index patterns for flows and every rollup, one visualization per panel, one dashboard', () => {
    const count = (t: string) => objects.filter((o) => o.type === t).length;
    expect(count('index-pattern')).toBe(1 + Object.keys(ROLLUP_SOURCES).length);
    expect(count('visualization')).toBe(PANELS.length);
    expect(count('dashboard')).toBe(1);
    expect(objects).toHaveLength(byId.size);
  });

  test.each(objects.map((o) => [o.type, o.id, o] as const))(
    '%s %s has the attributes, JSON strings and migrationVersion of its type',
    (type, _id, o) => {
      for (const a of REQUIRED[type] ?? ['unknown type']) expect(o.attributes).toHaveProperty(a);
      for (const a of JSON_ATTRS[type] ?? []) expect(() => jsonAttr(o, a)).not.toThrow();
      expect(typeof o.migrationVersion[type]).toBe('string');
      expect(Array.isArray(o.references)).toBe(true);
    },
  );

  test('every reference resolves to an object of the export, of the type it claims', () => {
    for (const o of objects) {
      for (const r of o.references) {
        expect(byId.get(r.id)?.type).toBe(r.type);
      }
    }
  });

  test('every searchSource indexRefName and panelRefName names a reference of its object', () => {
    for (const o of objects) {
      const names = new Set(o.references.map((r) => r.name));
      if (o.type === 'visualization') {
        const ss = jsonAttr(o, 'kibanaSavedObjectMeta.searchSourceJSON') as { indexRefName?: string };
        expect(names.has(ss.indexRefName ?? '')).toBe(true);
      }
      if (o.type === 'dashboard') {
        const panels = jsonAttr(o, 'panelsJSON') as { panelRefName: string; panelIndex: string }[];
        expect(panels.map((p) => p.panelRefName)).toEqual(panels.map((_, i) => `panel_${i}`));
        expect(panels.every((p) => names.has(p.panelRefName))).toBe(true);
        expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
      }
    }
  });

  test('every visualization aggregates only aggregatable fields of its own index pattern', () => {
    for (const v of objects.filter((o) => o.type === 'visualization')) {
      const pattern = byId.get(v.references[0]?.id ?? '');
      expect(pattern?.type).toBe('index-pattern');
      const fields = new Map(
        (jsonAttr(pattern as Obj, 'fields') as { name: string; aggregatable: boolean }[]).map((f) => [f.name, f]),
      );
      const vis = jsonAttr(v, 'visState') as { title: string; aggs: { params: { field?: string } }[] };
      expect(vis.title).toBe(v.attributes.title);
      for (const agg of vis.aggs) {
        if (agg.params.field === undefined) continue;
        expect({
          vis: vis.title,
          field: agg.params.field,
          aggregatable: fields.get(agg.params.field)?.aggregatable,
        }).toEqual({ vis: vis.title, field: agg.params.field, aggregatable: true });
      }
    }
  });

  test('terms are ranked by a metric of the same visualization', () => {
    for (const v of objects.filter((o) => o.type === 'visualization')) {
      const vis = jsonAttr(v, 'visState') as {
        aggs: { id: string; type: string; schema: string; params: { orderBy?: string } }[];
      };
      const metricIds = new Set(vis.aggs.filter((a) => a.schema === 'metric').map((a) => a.id));
      for (const a of vis.aggs.filter((x) => x.type === 'terms'))
        expect(metricIds.has(a.params.orderBy ?? '')).toBe(true);
    }
  });

  test('the flows index pattern lists every catalogue field with @timestamp as time field', () => {
    const flows = objects.find((o) => o.type === 'index-pattern' && o.attributes.title === 'flowdex-flows*') as Obj;
    expect(flows.attributes.timeFieldName).toBe('@timestamp');
    const names = (jsonAttr(flows, 'fields') as { name: string }[]).map((f) => f.name);
    for (const f of FIELDS) expect(names).toContain(f.name);
  });

  test('rollup panels count flows with sum(flows), never with doc counts', () => {
    const rawPattern = savedObjectId('flowdex-', 'index-pattern:flows');
    const rollupPanels = objects.filter(
      (o) => o.type === 'visualization' && !o.references.some((r) => r.id === rawPattern),
    );
    expect(rollupPanels.length).toBe(PANELS.filter((p) => p.source !== 'flows').length);
    for (const v of rollupPanels) {
      const vis = jsonAttr(v, 'visState') as { aggs: { type: string }[] };
      expect(vis.aggs.map((a) => a.type)).not.toContain('count');
    }
  });

  test('ids are unique, deterministic across runs, and differ per prefix', () => {
    expect(exportNdjson('flowdex-')).toBe(exportNdjson('flowdex-'));
    expect(savedObjectId('flowdex-', 'x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const other = parse(exportNdjson('acme-'));
    const ids = new Set(objects.map((o) => o.id));
    expect(other.some((o) => ids.has(o.id))).toBe(false);
  });

  test('the prefix reaches every index pattern title and no default name leaks', () => {
    const text = exportNdjson('acme-');
    expect(text).not.toContain('flowdex-');
    const titles = parse(text)
      .filter((o) => o.type === 'index-pattern')
      .map((o) => o.attributes.title);
    expect(titles.sort()).toEqual(
      ['acme-flows*', ...Object.values(ROLLUP_SOURCES).map((r) => `acme-${r.alias}`)].sort(),
    );
    for (const o of parse(text).filter((x) => x.type !== 'index-pattern'))
      expect(o.attributes.title).toMatch(/^\[acme\] /);
  });
});
