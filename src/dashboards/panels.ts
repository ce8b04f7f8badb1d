import type { DataSource } from './index-patterns';

/**
 * The panels of the flowdex dashboard as plain data: what each shows and where it reads from.
 * Every panel a rollup covers reads that rollup, so flow counts are `sum(flows)`, not doc counts.
 */

export type MetricSpec = { agg: 'sum' | 'cardinality'; field: string; label: string } | { agg: 'count'; label: string };

export type BucketSpec =
  | {
      agg: 'date_histogram';
      /** Dashboards interval: `s` with `perSecond` draws rates; `15m` fixed buckets. */
      interval: string;
      /** Scale each bucket's sums down to one second, whatever interval Dashboards picks. */
      perSecond: boolean;
    }
  | {
      /** Map cells of a geo_point field. */
      agg: 'geohash_grid';
      field: string;
    }
  | {
      agg: 'terms';
      field: string;
      size: number;
      /** Index into `metrics` that ranks the terms. */
      orderBy: number;
      label: string;
    };

export interface PanelSpec {
  /** Stable name; the saved-object id derives from it. */
  name: string;
  title: string;
  description: string;
  source: DataSource;
  vis: 'line' | 'table' | 'pie' | 'tile_map';
  metrics: MetricSpec[];
  buckets: BucketSpec[];
  /** KQL the panel always applies. */
  query?: string;
}

const FLOWS: MetricSpec = { agg: 'sum', field: 'flows', label: 'Flows' };
const BYTES: MetricSpec = { agg: 'sum', field: 'network.bytes', label: 'Bytes' };

export const PANELS: readonly PanelSpec[] = [
  {
    name: 'bytes-per-second',
    title: 'Bytes per second',
    description: 'Traffic volume over time (bytes in both directions, per second).',
    source: 'traffic',
    vis: 'line',
    metrics: [{ agg: 'sum', field: 'network.bytes', label: 'Bytes/s' }],
    buckets: [{ agg: 'date_histogram', interval: 's', perSecond: true }],
  },
  {
    name: 'packets-per-second',
    title: 'Packets per second',
    description: 'Packet rate over time (both directions, per second).',
    source: 'traffic',
    vis: 'line',
    metrics: [{ agg: 'sum', field: 'network.packets', label: 'Packets/s' }],
    buckets: [{ agg: 'date_histogram', interval: 's', perSecond: true }],
  },
  {
    name: 'top-sources',
    title: 'Top 10 sources',
    description: 'Source addresses sending the most bytes.',
    source: 'sources_daily',
    vis: 'table',
    metrics: [BYTES, FLOWS],
    buckets: [{ agg: 'terms', field: 'source.ip', size: 10, orderBy: 0, label: 'Source' }],
  },
  {
    name: 'top-destinations',
    title: 'Top 10 destinations',
    description: 'Destination addresses receiving the most bytes.',
    source: 'destinations_daily',
    vis: 'table',
    metrics: [BYTES, FLOWS],
    buckets: [{ agg: 'terms', field: 'destination.ip', size: 10, orderBy: 0, label: 'Destination' }],
  },
  {
    name: 'top-applications',
    title: 'Top L7 protocols',
    description: 'Applications (nDPI names) by bytes.',
    source: 'traffic',
    vis: 'pie',
    metrics: [BYTES],
    buckets: [{ agg: 'terms', field: 'network.protocol', size: 10, orderBy: 0, label: 'Application' }],
  },
  {
    name: 'top-services',
    title: 'Top services',
    description: 'Server (service) port and transport by number of flows, reply flows included.',
    source: 'services',
    vis: 'table',
    metrics: [FLOWS, BYTES],
    buckets: [
      { agg: 'terms', field: 'server.port', size: 10, orderBy: 0, label: 'Port' },
      { agg: 'terms', field: 'network.transport', size: 3, orderBy: 0, label: 'Transport' },
    ],
  },
  {
    name: 'protocol-mix',
    title: 'Protocol mix',
    description: 'Flows by transport protocol.',
    source: 'traffic',
    vis: 'pie',
    metrics: [FLOWS],
    buckets: [{ agg: 'terms', field: 'network.transport', size: 10, orderBy: 0, label: 'Transport' }],
  },
  {
    name: 'unique-endpoints',
    title: 'Unique sources and destinations per 15 minutes',
    description: 'Distinct source and destination addresses in each 15-minute bucket.',
    source: 'flows',
    vis: 'line',
    metrics: [
      { agg: 'cardinality', field: 'source.ip', label: 'Unique sources' },
      { agg: 'cardinality', field: 'destination.ip', label: 'Unique destinations' },
    ],
    buckets: [{ agg: 'date_histogram', interval: '15m', perSecond: false }],
  },
  {
    name: 'top-pairs',
    title: 'Top pairs by bytes',
    description: 'The largest conversations: top sources, then their top destinations, by bytes.',
    source: 'talkers',
    vis: 'table',
    metrics: [BYTES, FLOWS],
    buckets: [
      { agg: 'terms', field: 'source.ip', size: 10, orderBy: 0, label: 'Source' },
      { agg: 'terms', field: 'destination.ip', size: 3, orderBy: 0, label: 'Destination' },
    ],
  },
  {
    name: 'web-servers',
    title: 'Web servers',
    description: 'Hosts serving flows on ports 80 and 443 (server side).',
    source: 'web',
    vis: 'table',
    metrics: [FLOWS, BYTES],
    buckets: [{ agg: 'terms', field: 'server.ip', size: 10, orderBy: 0, label: 'Server' }],
    query: 'server.port:(80 or 443)',
  },
  // Enriched fields live on raw flows only (no rollup keeps them), so these panels count documents.
  {
    name: 'destination-map',
    title: 'Where traffic goes',
    description: 'Flows by destination location (needs a city database: --geoip-db). IP Geolocation by DB-IP.',
    source: 'flows',
    vis: 'tile_map',
    metrics: [{ agg: 'count', label: 'Flows' }],
    buckets: [{ agg: 'geohash_grid', field: 'destination.geo.location' }],
  },
  {
    name: 'top-ases',
    title: 'Top destination ASes',
    description: 'Autonomous systems receiving the most bytes. IP Geolocation by DB-IP.',
    source: 'flows',
    vis: 'table',
    metrics: [BYTES, { agg: 'count', label: 'Flows' }],
    buckets: [
      { agg: 'terms', field: 'destination.as.number', size: 10, orderBy: 0, label: 'AS' },
      { agg: 'terms', field: 'destination.as.organization.name', size: 1, orderBy: 0, label: 'Organization' },
    ],
  },
];
