import { isIP } from 'node:net';
import { FlowdexError } from '../../errors';
import type { FlowRecord } from '../../model/flow';
import { badRecord, dateTimeProblem, type Row, toTime } from '../text/values';
import { columnsOf, evaluate, type Expr, parseExpr } from './expr';

export type FieldType = 'int' | 'float' | 'ip' | 'time' | 'string';
export type Unit = 's' | 'ms' | 'iso';

type Target = Exclude<keyof FlowRecord, 'format' | 'occurrence'>;

/** Each FlowRecord field a mapping can fill, with the type it gets unless the mapping says otherwise. */
const TARGETS: Readonly<Record<Target, FieldType>> = {
  start: 'time',
  end: 'time',
  srcIp: 'ip',
  dstIp: 'ip',
  srcAddress: 'string',
  dstAddress: 'string',
  srcPort: 'int',
  dstPort: 'int',
  protocol: 'int',
  transport: 'string',
  srcBytes: 'int',
  srcPackets: 'int',
  dstBytes: 'int',
  dstPackets: 'int',
  bytes: 'int',
  packets: 'int',
  tcpFlags: 'int',
  tos: 'int',
  samplingRate: 'int',
  exporter: 'ip',
  observerName: 'string',
  inputInterface: 'int',
  outputInterface: 'int',
  app: 'string',
  dnsQuery: 'string',
  httpHost: 'string',
  httpUrl: 'string',
  httpMethod: 'string',
  httpStatus: 'int',
  tlsServerName: 'string',
  tlsVersion: 'string',
  clientLatencyMs: 'float',
  serverLatencyMs: 'float',
  applicationLatencyMs: 'float',
  clientRetransmissions: 'int',
  serverRetransmissions: 'int',
  inputInterfaceName: 'string',
  outputInterfaceName: 'string',
  inputInterfaceSpeed: 'int',
  outputInterfaceSpeed: 'int',
  inputPhysicalInterface: 'int',
  outputPhysicalInterface: 'int',
  sender: 'ip',
  srcAs: 'int',
  dstAs: 'int',
  nextHop: 'ip',
  bgpNextHop: 'ip',
  vlan: 'int',
  postVlan: 'int',
  innerVlan: 'int',
  srcMac: 'string',
  dstMac: 'string',
  mplsLabel: 'int',
  endReason: 'string',
  natSrcIp: 'ip',
  natDstIp: 'ip',
  natSrcPort: 'int',
  natDstPort: 'int',
  ingressVrf: 'int',
  egressVrf: 'int',
  icmpType: 'int',
  icmpCode: 'int',
};

export interface FieldRule {
  target: Target;
  source: string;
  expr: Expr;
  type: FieldType;
  unit?: Unit;
}

/** A loaded mapping file (format in docs/mapping.md). */
export interface Mapping {
  file: string;
  rules: FieldRule[];
  /** Column names of a headerless CSV, in order. */
  columns?: string[];
  /** Every column the rules read, checked against the header or the first JSON record. */
  needs: string[];
}

function invalid(file: string, message: string, field?: string): FlowdexError {
  return new FlowdexError('MAPPING_INVALID', `mapping ${file}: ${message}`, { file, field });
}

/** Validates a parsed mapping document; throws MAPPING_INVALID naming the file and field. */
export function compileMapping(doc: unknown, file: string): Mapping {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(file, 'must be a JSON object');
  const { fields, columns } = doc as { fields?: unknown; columns?: unknown };
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw invalid(file, '"fields" must be an object of target: expression', 'fields');
  if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === 'string')))
    throw invalid(file, '"columns" must be a list of column names', 'columns');
  const rules: FieldRule[] = [];
  for (const [target, spec] of Object.entries(fields as Record<string, unknown>)) {
    if (!(target in TARGETS))
      throw invalid(file, `unknown target field "${target}" (known: ${Object.keys(TARGETS).join(', ')})`, target);
    const t = target as Target;
    const rule =
      typeof spec === 'string' ? { expr: spec } : (spec as { expr?: unknown; type?: unknown; unit?: unknown });
    if (typeof rule !== 'object' || rule === null || typeof rule.expr !== 'string')
      throw invalid(file, `${target}: give an expression string or {"expr", "type", "unit"}`, target);
    const type = rule.type ?? TARGETS[t];
    if (!['int', 'float', 'ip', 'time', 'string'].includes(type as string))
      throw invalid(
        file,
        `${target}: unknown type ${JSON.stringify(rule.type)} (int, float, ip, time, string)`,
        target,
      );
    if (rule.unit !== undefined && !['s', 'ms', 'iso'].includes(rule.unit as string))
      throw invalid(file, `${target}: unknown unit ${JSON.stringify(rule.unit)} (s, ms, iso)`, target);
    let expr: Expr;
    try {
      expr = parseExpr(rule.expr);
    } catch (e) {
      if (e instanceof FlowdexError)
        throw invalid(file, `${target}: ${e.message} in ${JSON.stringify(rule.expr)}`, target);
      throw e;
    }
    rules.push({ target: t, source: rule.expr, expr, type: type as FieldType, unit: rule.unit as Unit | undefined });
  }
  if (!rules.some((r) => r.target === 'start')) throw invalid(file, 'a mapping must give "start"', 'start');
  const needs = [...new Set(rules.flatMap((r) => columnsOf(r.expr)))];
  return { file, rules, columns: columns, needs };
}

/** Throws MAPPING_INVALID for the first column the mapping reads that the input lacks. */
export function checkColumns(m: Mapping, available: readonly string[]): void {
  const have = new Set(available);
  const missing = m.needs.find((c) => !have.has(c));
  if (missing === undefined) return;
  const rule = m.rules.find((r) => columnsOf(r.expr).includes(missing));
  throw invalid(
    m.file,
    `unknown column "${missing}" in ${rule?.target ?? 'a field'} (input has: ${available.join(', ')})`,
    rule?.target,
  );
}

function coerce(rule: FieldRule, v: string | number): string | number {
  const { target, type } = rule;
  switch (type) {
    case 'string':
      return String(v).trim();
    case 'ip': {
      const s = String(v).trim();
      if (isIP(s) === 0) throw badRecord(target, `${target} is not an IP address: ${JSON.stringify(v)}`);
      return s;
    }
    case 'time': {
      const t = toTime(v, rule.unit ?? 'auto');
      if (t === undefined) {
        const why = typeof v === 'string' ? dateTimeProblem(v) : undefined;
        throw badRecord(
          target,
          `${target} is not a ${why ? 'valid ' : ''}time: ${JSON.stringify(v)}${why ? ` (${why})` : ''}`,
        );
      }
      return t;
    }
    case 'int':
    case 'float': {
      const n = typeof v === 'number' ? v : Number(v.trim());
      if (!Number.isFinite(n)) throw badRecord(target, `${target} is not a number: ${JSON.stringify(v)}`);
      // Arithmetic such as bits/8 may leave a fraction; an int field rounds it.
      return type === 'int' ? Math.round(n) : n;
    }
  }
}

/** Applies a mapping to one record. */
export function applyMapping(m: Mapping, row: Row): FlowRecord {
  const rec: Record<string, string | number> = { format: 'mapped' };
  const get = (c: string) => row.get(c);
  for (const rule of m.rules) {
    const v = evaluate(rule.expr, get, rule.target);
    if (v === undefined || v === '') continue;
    rec[rule.target] = coerce(rule, v);
  }
  if (rec.start === undefined) throw badRecord('start', 'no flow start (the "start" expression gave nothing)');
  return rec as unknown as FlowRecord;
}
