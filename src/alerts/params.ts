import { FlowdexError } from '../errors';
import type { Detector, GroupName, Params, ParamValue } from './types';

/**
 * Parameters as typed on a command line (`ports=200`): numbers, `true`/`false`, else text.
 * Pure; the detector's defaults decide what is allowed (`checkParams`).
 */
export function parseParamArgs(args: readonly string[]): Params {
  const out: Params = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new FlowdexError('BAD_REQUEST', `parameter "${a}" must be name=value`, { field: 'param' });
    const v = a.slice(eq + 1).trim();
    out[a.slice(0, eq).trim()] = /^(true|false)$/.test(v)
      ? v === 'true'
      : v !== '' && Number.isFinite(Number(v))
        ? Number(v)
        : v;
  }
  return out;
}

function typeOf(v: ParamValue): string {
  return typeof v;
}

/** Only the detector's parameters, each with its default's type; numbers finite and not negative. */
export function checkParams(d: Detector, params: Params): Params {
  const out: Params = {};
  for (const [name, value] of Object.entries(params)) {
    const def = d.defaults[name];
    if (def === undefined) {
      throw new FlowdexError(
        'BAD_REQUEST',
        `detector ${d.name} has no parameter "${name}"; it has ${Object.keys(d.defaults).join(', ') || 'none'}`,
        { field: 'params' },
      );
    }
    if (typeOf(value) !== typeOf(def))
      throw new FlowdexError(
        'BAD_REQUEST',
        `parameter ${name} of ${d.name} must be a ${typeOf(def)}, got ${JSON.stringify(value)}`,
        { field: 'params' },
      );
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0))
      throw new FlowdexError('BAD_REQUEST', `parameter ${name} must be a number ≥ 0, got ${value}`, {
        field: 'params',
      });
    out[name] = value;
  }
  return out;
}

/** The detector's defaults with the monitor's own parameters over them. */
export function effectiveParams(d: Detector, params: Params): Params {
  return { ...d.defaults, ...params };
}

export function checkGroup(d: Detector, group: GroupName | undefined): void {
  if (group !== undefined && !d.groups.includes(group)) {
    throw new FlowdexError(
      'BAD_REQUEST',
      `detector ${d.name} ${d.groups.length ? `groups by ${d.groups.join(', ')} only` : 'keeps its own groups'}, not "${group}"`,
      { field: 'group' },
    );
  }
}

/** Typed readers for detectors: the value a validated parameter set holds. */
export function num(p: Params, name: string): number {
  const v = p[name];
  if (typeof v !== 'number')
    throw new FlowdexError('BAD_REQUEST', `parameter ${name} must be a number`, { field: 'params' });
  return v;
}

export function str(p: Params, name: string): string {
  const v = p[name];
  if (typeof v !== 'string')
    throw new FlowdexError('BAD_REQUEST', `parameter ${name} must be text`, { field: 'params' });
  return v;
}

export function oneOfParam<T extends string>(p: Params, name: string, values: readonly T[]): T {
  const v = str(p, name);
  if (!(values as readonly string[]).includes(v))
    throw new FlowdexError('BAD_REQUEST', `parameter ${name} must be one of ${values.join(', ')}, got "${v}"`, {
      field: 'params',
    });
  return v as T;
}
