import { isIP } from 'node:net';
import type { EndpointFields } from './flow';

/*
 * How flowdex names one end of a flow: by its IP, else by its device name (LANL-style flows
 * carry names such as `Comp576843` and no IP). Report columns, pages, pivots and the host page
 * all follow this one rule.
 */

export type Side = 'source' | 'destination';

/** The stored fields that name a side, in the order the rule prefers them. */
export const ENDPOINT_FIELDS: Readonly<Record<Side, readonly [ip: string, device: string]>> = {
  source: ['source.ip', 'source.address'],
  destination: ['destination.ip', 'destination.address'],
};

/** The same for the end listening for the flow (model/server), copied from one of the two. */
export const SERVER_FIELDS: readonly [ip: string, device: string] = ['server.ip', 'server.address'];

/** The name of one end: its IP, else its device name. */
export function endpointName(end: Pick<EndpointFields, 'ip' | 'address'>): string | undefined {
  return end.ip ?? end.address;
}

/** What a host name given by a user is: an IP address, or else a device name. */
export function nameKind(name: string): 'ip' | 'device' {
  return isIP(name) !== 0 ? 'ip' : 'device';
}

/** Whether `name` names this end (its IP for an address, its device name otherwise). */
export function endpointIs(end: Pick<EndpointFields, 'ip' | 'address'>, name: string): boolean {
  return (nameKind(name) === 'ip' ? end.ip : end.address) === name;
}
