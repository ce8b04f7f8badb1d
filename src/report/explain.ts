import type { Client } from '@opensearch-project/opensearch';
import type { FlowdexConfig } from '../config';
import { analyse } from '../query/analyse';
import type { SearchBody } from '../query/dsl';
import { buildReportRequest, reportQuery } from '../query/reports';
import { readQuery } from '../query/syntax';
import { countIndices, toFlowdexError } from '../store/client';
import { indicesFor } from '../store/indices';
import { planParts, type Served } from './planned';
import { checkReportRequest, type ReportRequest } from './run-report';
import { existingIndices } from './targets';

/** One part of a report's plan: where it reads, and how many documents that is. */
export interface PlanStep {
  source: 'raw' | 'rollup';
  /** The rollup spec, for a rollup part. */
  spec?: string;
  /** The part's sums are taken away from the others' (a rollup bucket reaching past the range). */
  subtract?: true;
  from: string;
  to: string;
  /** Existing indices that serve the part (none: the part reads nothing). */
  indices: string[];
  /** Documents the part's filter matches there (`_count`): flows, or rollup buckets. */
  documents: number;
}

/** What `report --explain` and `/api/report/:name?explain=1` answer: the plan, before anything runs. */
export interface ReportExplanation {
  report: string;
  /** The filter in the flowdex language, and the stored fields it touches. */
  query: string;
  fields: string[];
  range: { from: string; to: string };
  /** The daily indices of the range, whether or not they exist: what a raw answer would name. */
  indices: string[];
  /** The raw request (one day's part of it runs per raw step). */
  request: SearchBody;
  plan: { served_by: 'raw' | 'rollup'; steps: PlanStep[]; documents: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The plan of a report: the rollups and raw edges the planner picks (exactly as `runReport`
 * would, `raw` included) and one cheap `_count` per step for the documents it would read.
 */
export async function explainReport(
  client: Client,
  cfg: FlowdexConfig,
  req: ReportRequest,
  now: number = Date.now(),
): Promise<ReportExplanation> {
  const c = checkReportRequest(req, now);
  const parsed = readQuery(req.query ?? '', now, req.filter);
  const fields = analyse(parsed.ast);
  const parts = req.raw === true ? [] : await planParts(client, cfg, c, fields);
  // As in runReport: without a rollup part, raw flows alone serve the whole range.
  const rollup = parts.some(({ part }) => part.source === 'rollup');
  const served: Served[] = rollup
    ? parts
    : [
        {
          part: { source: 'raw', range: c.range },
          src: { indices: await existingIndices(client, cfg, c.range), rollup: false, subDay: true },
        },
      ];
  const steps = await Promise.all(
    served.map(async ({ part, src }): Promise<PlanStep> => {
      let documents = 0;
      try {
        if (src.indices.length > 0)
          documents = await countIndices(client, src.indices, reportQuery(c.def, c.options.query, part.range));
      } catch (e) {
        throw toFlowdexError(e, cfg, 'count');
      }
      return {
        source: part.source,
        ...(part.source === 'rollup' ? { spec: part.spec.name } : {}),
        ...(part.subtract ? { subtract: true as const } : {}),
        from: iso(part.range.from),
        to: iso(part.range.to),
        indices: src.indices,
        documents,
      };
    }),
  );
  return {
    report: c.def.name,
    query: parsed.flowdex,
    fields: [...fields].sort(),
    range: { from: iso(c.range.from), to: iso(c.range.to) },
    indices: indicesFor(cfg.prefix, c.range),
    request: buildReportRequest(c.def, c.options),
    plan: { served_by: rollup ? 'rollup' : 'raw', steps, documents: steps.reduce((n, s) => n + s.documents, 0) },
  };
}
