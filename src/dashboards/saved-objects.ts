import { createHash } from 'node:crypto';
import { DATA_SOURCES, patternFields, patternTitle, type DataSource } from './index-patterns';
import { PANELS, type BucketSpec, type MetricSpec, type PanelSpec } from './panels';

/**
 * OpenSearch Dashboards saved objects (index patterns, visualizations, one dashboard) in the
 * export format `_import` takes: already-migrated shape, references instead of inline ids.
 */

export interface SavedObjectReference {
  name: string;
  type: 'index-pattern' | 'visualization';
  id: string;
}

interface SearchSourceMeta {
  searchSourceJSON: string;
}

export interface IndexPatternObject {
  type: 'index-pattern';
  id: string;
  attributes: { title: string; timeFieldName: string; fields: string };
  references: SavedObjectReference[];
  migrationVersion: Record<string, string>;
}

export interface VisualizationObject {
  type: 'visualization';
  id: string;
  attributes: {
    title: string;
    visState: string;
    uiStateJSON: string;
    description: string;
    version: number;
    kibanaSavedObjectMeta: SearchSourceMeta;
  };
  references: SavedObjectReference[];
  migrationVersion: Record<string, string>;
}

export interface DashboardObject {
  type: 'dashboard';
  id: string;
  attributes: {
    title: string;
    hits: number;
    description: string;
    panelsJSON: string;
    optionsJSON: string;
    version: number;
    timeRestore: boolean;
    timeFrom: string;
    timeTo: string;
    refreshInterval: { pause: boolean; value: number };
    kibanaSavedObjectMeta: SearchSourceMeta;
  };
  references: SavedObjectReference[];
  migrationVersion: Record<string, string>;
}

export type SavedObject = IndexPatternObject | VisualizationObject | DashboardObject;

// The latest migration of each type in Dashboards' saved-object schema; objects at these
// versions are imported as they are instead of being rewritten by older migrations.
const MIGRATION: Record<SavedObject['type'], string> = {
  'index-pattern': '7.6.0',
  visualization: '7.10.0',
  dashboard: '7.9.3',
};

const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/**
 * Deterministic, UUID-shaped id from prefix and name: re-importing overwrites the same objects,
 * and two prefixes in one Dashboards never collide.
 */
export function savedObjectId(prefix: string, name: string): string {
  const h = createHash('sha1').update(`${prefix}\u0000${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** "[acme] Top services": titles say which prefix a panel reads, without the trailing separator. */
function titled(prefix: string, title: string): string {
  return `[${prefix.replace(/[-_.]+$/, '')}] ${title}`;
}

function indexPattern(prefix: string, source: DataSource): IndexPatternObject {
  return {
    type: 'index-pattern',
    id: savedObjectId(prefix, `index-pattern:${source}`),
    attributes: {
      title: patternTitle(prefix, source),
      timeFieldName: '@timestamp',
      fields: JSON.stringify(patternFields(source)),
    },
    references: [],
    migrationVersion: { 'index-pattern': MIGRATION['index-pattern'] },
  };
}

function metricAgg(m: MetricSpec, id: string): Record<string, unknown> {
  const params = m.agg === 'count' ? { customLabel: m.label } : { field: m.field, customLabel: m.label };
  return { id, enabled: true, type: m.agg, schema: 'metric', params };
}

function bucketAgg(b: BucketSpec, id: string, vis: PanelSpec['vis']): Record<string, unknown> {
  if (b.agg === 'date_histogram') {
    return {
      id,
      enabled: true,
      type: 'date_histogram',
      schema: 'segment',
      params: {
        field: '@timestamp',
        useNormalizedOpenSearchInterval: true,
        scaleMetricValues: b.perSecond,
        interval: b.interval,
        drop_partials: false,
        min_doc_count: 1,
        extended_bounds: {},
      },
    };
  }
  if (b.agg === 'geohash_grid') {
    return {
      id,
      enabled: true,
      type: 'geohash_grid',
      schema: 'segment',
      params: { field: b.field, autoPrecision: true, precision: 2, useGeocentroid: true, isFilteredByCollar: true },
    };
  }
  return {
    id,
    enabled: true,
    type: 'terms',
    // Tables split rows ("bucket"); pies split slices ("segment").
    schema: vis === 'table' ? 'bucket' : 'segment',
    params: {
      field: b.field,
      orderBy: String(b.orderBy + 1),
      order: 'desc',
      size: b.size,
      otherBucket: false,
      otherBucketLabel: 'Other',
      missingBucket: false,
      missingBucketLabel: 'Missing',
      customLabel: b.label,
    },
  };
}

function visParams(p: PanelSpec): Record<string, unknown> {
  switch (p.vis) {
    case 'table':
      return {
        perPage: 10,
        showPartialRows: false,
        showMetricsAtAllLevels: false,
        showTotal: false,
        totalFunc: 'sum',
        percentageCol: '',
        sort: { columnIndex: null, direction: null },
      };
    case 'tile_map':
      return {
        mapType: 'Scaled Circle Markers',
        isDesaturated: true,
        addTooltip: true,
        heatClusterSize: 1.5,
        legendPosition: 'bottomright',
        mapZoom: 2,
        mapCenter: [0, 0],
        wms: { enabled: false },
      };
    case 'pie':
      return {
        type: 'pie',
        addTooltip: true,
        addLegend: true,
        legendPosition: 'right',
        isDonut: true,
        labels: { show: false, values: true, last_level: true, truncate: 100 },
      };
    case 'line':
      return {
        type: 'line',
        grid: { categoryLines: false },
        categoryAxes: [
          {
            id: 'CategoryAxis-1',
            type: 'category',
            position: 'bottom',
            show: true,
            style: {},
            scale: { type: 'linear' },
            labels: { show: true, filter: true, truncate: 100 },
            title: {},
          },
        ],
        valueAxes: [
          {
            id: 'ValueAxis-1',
            name: 'LeftAxis-1',
            type: 'value',
            position: 'left',
            show: true,
            style: {},
            scale: { type: 'linear', mode: 'normal' },
            labels: { show: true, rotate: 0, filter: false, truncate: 100 },
            title: { text: p.metrics[0]?.label ?? '' },
          },
        ],
        seriesParams: p.metrics.map((m, i) => ({
          show: true,
          type: 'line',
          mode: 'normal',
          data: { label: m.label, id: String(i + 1) },
          valueAxis: 'ValueAxis-1',
          drawLinesBetweenPoints: true,
          lineWidth: 2,
          interpolate: 'linear',
          showCircles: false,
        })),
        addTooltip: true,
        addLegend: true,
        legendPosition: 'right',
        times: [],
        addTimeMarker: false,
        thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
      };
  }
}

function visualization(prefix: string, p: PanelSpec): VisualizationObject {
  const title = titled(prefix, p.title);
  const aggs = [
    ...p.metrics.map((m, i) => metricAgg(m, String(i + 1))),
    ...p.buckets.map((b, i) => bucketAgg(b, String(p.metrics.length + i + 1), p.vis)),
  ];
  return {
    type: 'visualization',
    id: savedObjectId(prefix, `visualization:${p.name}`),
    attributes: {
      title,
      visState: JSON.stringify({ title, type: p.vis, aggs, params: visParams(p) }),
      uiStateJSON: '{}',
      description: p.description,
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query: p.query ?? '', language: 'kuery' },
          filter: [],
          indexRefName: INDEX_REF,
        }),
      },
    },
    references: [{ name: INDEX_REF, type: 'index-pattern', id: savedObjectId(prefix, `index-pattern:${p.source}`) }],
    migrationVersion: { visualization: MIGRATION.visualization },
  };
}

/** Dashboards' grid is 48 columns wide: two panels a row. */
const PANEL_W = 24;
const PANEL_H = 15;

function dashboard(prefix: string, visualizations: VisualizationObject[]): DashboardObject {
  const panels = visualizations.map((_, i) => ({
    version: '7.10.2',
    gridData: { x: (i % 2) * PANEL_W, y: Math.floor(i / 2) * PANEL_H, w: PANEL_W, h: PANEL_H, i: String(i + 1) },
    panelIndex: String(i + 1),
    embeddableConfig: {},
    panelRefName: `panel_${i}`,
  }));
  return {
    type: 'dashboard',
    id: savedObjectId(prefix, 'dashboard:network'),
    attributes: {
      title: titled(prefix, 'Network flows'),
      hits: 0,
      description: `Traffic, top talkers, services and protocols from ${prefix}flows and its rollups.`,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      version: 1,
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 0 },
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: visualizations.map((v, i) => ({ name: `panel_${i}`, type: 'visualization', id: v.id })),
    migrationVersion: { dashboard: MIGRATION.dashboard },
  };
}

/** Every saved object flowdex ships, for one index prefix. Pure and deterministic. */
export function buildSavedObjects(prefix: string): SavedObject[] {
  const patterns = DATA_SOURCES.map((s) => indexPattern(prefix, s));
  const visualizations = PANELS.map((p) => visualization(prefix, p));
  return [...patterns, ...visualizations, dashboard(prefix, visualizations)];
}

/** The export file: one object a line, as Dashboards' export writes it. */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

export function exportNdjson(prefix: string): string {
  return toNdjson(buildSavedObjects(prefix));
}
