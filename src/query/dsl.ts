/**
 * The subset of OpenSearch query and aggregation DSL that flowdex emits. Typed here so every
 * builder is checked and nothing untyped reaches the client.
 */

export type Scalar = string | number;

export interface TermQuery {
  term: Record<string, Scalar>;
}

export interface TermsQuery {
  terms: Record<string, Scalar[]>;
}

export interface RangeBounds {
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
  /** Date fields only: bounds are epoch milliseconds. */
  format?: 'epoch_millis';
}

export interface RangeQuery {
  range: Record<string, RangeBounds>;
}

export interface WildcardQuery {
  wildcard: Record<string, { value: string }>;
}

export interface ExistsQuery {
  exists: { field: string };
}

export interface MatchAllQuery {
  match_all: Record<string, never>;
}

export interface BoolClauses {
  filter?: QueryDsl[];
  should?: QueryDsl[];
  must_not?: QueryDsl[];
  minimum_should_match?: number;
}

export interface BoolQuery {
  bool: BoolClauses;
}

export type QueryDsl = TermQuery | TermsQuery | RangeQuery | WildcardQuery | ExistsQuery | MatchAllQuery | BoolQuery;

// Aggregations.

export interface TermsSource {
  terms: { field: string; missing_bucket?: boolean; order?: 'asc' | 'desc' };
}

/** A composite source of time buckets (epoch ms keys). */
export interface DateHistogramSource {
  date_histogram: { field: string; fixed_interval: string };
}

export type CompositeKey = Record<string, Scalar | null>;

export interface CompositeAgg {
  composite: { size: number; sources: Record<string, TermsSource | DateHistogramSource>[]; after?: CompositeKey };
  aggs?: Record<string, AggregationDsl>;
}

export interface DateHistogramAgg {
  date_histogram: {
    field: string;
    fixed_interval: string;
    min_doc_count: number;
    extended_bounds?: { min: number; max: number };
  };
  aggs?: Record<string, AggregationDsl>;
}

export interface SumAgg {
  sum: { field: string };
}

export interface CardinalityAgg {
  cardinality: { field: string; precision_threshold?: number };
}

/** Groups of one keyword field ranked by a sub-aggregation; exact on a single shard. */
export interface TermsAgg {
  terms: { field: string; size: number; order: Record<string, 'asc' | 'desc'>[]; include?: string[] };
  aggs?: Record<string, AggregationDsl>;
}

export interface MissingAgg {
  missing: { field: string };
}

export interface MaxAgg {
  max: { field: string };
}

export interface MinAgg {
  min: { field: string };
}

/** The flows matching a query, with sub-aggregations over them. */
export interface FilterAgg {
  filter: QueryDsl;
  aggs?: Record<string, AggregationDsl>;
}

export type AggregationDsl =
  CompositeAgg | DateHistogramAgg | SumAgg | CardinalityAgg | TermsAgg | MissingAgg | MaxAgg | MinAgg | FilterAgg;

/** A `_search` request body for an aggregation-only request. */
export interface SearchBody {
  size: number;
  track_total_hits?: boolean;
  query: QueryDsl;
  aggs: Record<string, AggregationDsl>;
}
