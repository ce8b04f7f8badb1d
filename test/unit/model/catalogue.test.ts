import { FlowdexError } from '../../../src/errors';
import { FIELDS, fieldByName, storedFields } from '../../../src/model/fields';
import type { FlowRecord } from '../../../src/model/flow';
import { hydrate, normalize } from '../../../src/model/normalize';
import { compileQuery, parseQuery } from '../../../src/query';

/** The field a record is rejected for, or undefined when it normalizes. */
function rejectedField(r: FlowRecord): unknown {
  try {
    normalize(r);
    return undefined;
  } catch (e) {
    if (!(e instanceof FlowdexError)) throw e;
    return e.context.field;
  }
}

const dsl = (q: string): string => JSON.stringify(compileQuery(parseQuery(q)));
import { MAX_FIELDS, SUM_FIELDS } from '../../../src/rollup/specs';

/**
 * The catalogue rules the flow document: every field normalization writes is catalogued, every
 * catalogued field a reader can fill is written, and each field's form and range hold in both
 * normalization and the query language.
 */

/** A record with every field a reader can fill: a new FlowRecord field must be added here. */
const FULL: Required<FlowRecord> = {
  format: 'test',
  start: Date.UTC(2024, 0, 1),
  end: Date.UTC(2024, 0, 1, 0, 1),
  srcIp: '10.0.0.1',
  dstIp: '192.0.2.7',
  srcAddress: 'Comp1',
  dstAddress: 'Comp2',
  srcPort: 1,
  dstPort: 2,
  protocol: 1,
  transport: 'ICMP',
  srcBytes: 10,
  srcPackets: 1,
  dstBytes: 20,
  dstPackets: 2,
  bytes: 30,
  packets: 3,
  tcpFlags: 2,
  tos: 4,
  samplingRate: 10,
  exporter: '198.51.100.1',
  observerName: 'probe',
  inputInterface: 1,
  outputInterface: 2,
  inputInterfaceName: 'eth0',
  outputInterfaceName: 'eth1',
  inputInterfaceSpeed: 10_000_000_000,
  outputInterfaceSpeed: 1_000_000_000,
  inputPhysicalInterface: 11,
  outputPhysicalInterface: 12,
  sender: '198.51.100.2',
  srcAs: 64500,
  dstAs: 64501,
  nextHop: '10.0.0.254',
  bgpNextHop: '10.0.0.253',
  vlan: 10,
  postVlan: 20,
  innerVlan: 30,
  srcMac: '00:1b:21:3a:4f:5c',
  dstMac: '001b.213a.4f5d',
  mplsLabel: 16,
  endReason: 'Idle Timeout',
  natSrcIp: '203.0.113.1',
  natDstIp: '203.0.113.2',
  natSrcPort: 3,
  natDstPort: 4,
  ingressVrf: 5,
  egressVrf: 6,
  icmpType: 8,
  icmpCode: 0,
  occurrence: 1,
  app: 'HTTP',
  dnsQuery: 'example.com',
  httpHost: 'example.com',
  httpUrl: '/index.html',
  httpMethod: 'GET',
  httpStatus: 200,
  tlsServerName: 'example.com',
  tlsVersion: '1.3',
  clientLatencyMs: 1.5,
  serverLatencyMs: 2.5,
  applicationLatencyMs: 3.5,
  clientRetransmissions: 1,
  serverRetransmissions: 2,
};

/** Dotted paths of the leaves of a document (a geo point is one leaf). */
function leaves(doc: unknown, base = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const name = base ? `${base}.${k}` : k;
    if (v !== null && typeof v === 'object' && fieldByName(name) === undefined)
      for (const [n, x] of leaves(v, name)) out.set(n, x);
    else out.set(name, v);
  }
  return out;
}

describe('the field catalogue', () => {
  const written = leaves(normalize(FULL).doc);

  it('knows every field normalization writes, as a stored field', () => {
    const stored = new Set(storedFields().map((f) => f.name));
    expect([...written.keys()].filter((n) => !stored.has(n))).toEqual([]);
  });

  it('is written whole by normalization, apart from what enrichment fills', () => {
    const missing = storedFields().filter((f) => !f.enriched && !written.has(f.name));
    expect(missing.map((f) => f.name)).toEqual([]);
  });

  it('knows every field a read adds', () => {
    const read = leaves(hydrate(normalize(FULL).doc));
    expect([...read.keys()].filter((n) => fieldByName(n) === undefined)).toEqual([]);
    expect(read.has('network.community_id')).toBe(true);
  });

  it('gives the form normalization writes and the query language reads', () => {
    for (const f of FIELDS.filter((x) => x.form !== undefined && written.has(x.name))) {
      const v = written.get(f.name) as string;
      expect({ field: f.name, v }).toEqual({
        field: f.name,
        v:
          f.form === 'lower'
            ? v.toLowerCase()
            : v
                .toUpperCase()
                .replace(/[^0-9A-F]/g, '')
                .replace(/(..)(?!$)/g, '$1-'),
      });
    }
    expect(written.get('flow.end_reason')).toBe('idle timeout');
    expect(dsl('flow.end_reason:"Idle Timeout"')).toContain('"idle timeout"');
    expect(dsl('src_mac:00:1b:21:3a:4f:5c')).toContain('"00-1B-21-3A-4F-5C"');
  });

  /** The record member behind each field with a range. */
  const RANGED: Record<string, keyof FlowRecord> = {
    'source.port': 'srcPort',
    'destination.port': 'dstPort',
    'source.nat.port': 'natSrcPort',
    'destination.nat.port': 'natDstPort',
    'network.iana_number': 'protocol',
    'flow.icmp.type': 'icmpType',
    'flow.icmp.code': 'icmpCode',
    'flow.mpls.top_label': 'mplsLabel',
    'network.vlan.id': 'vlan',
    'observer.egress.vlan.id': 'postVlan',
    'network.inner.vlan.id': 'innerVlan',
  };

  it('gives the range normalization accepts and the query language reads', () => {
    const ranged = FIELDS.filter((f) => f.range !== undefined);
    expect(ranged.map((f) => f.name).sort()).toEqual(Object.keys(RANGED).sort());
    for (const f of ranged) {
      const [min, max] = f.range as readonly [number, number];
      const key = RANGED[f.name] as keyof FlowRecord;
      expect(rejectedField({ ...FULL, [key]: max })).toBeUndefined();
      expect(rejectedField({ ...FULL, [key]: max + 1 })).toBe(f.name);
      expect(rejectedField({ ...FULL, [key]: min - 1 })).toBe(f.name);
      if (f.type === 'keyword') continue;
      expect(() => dsl(`${f.name}:${max}`)).not.toThrow();
      expect(() => dsl(`${f.name}:${max + 1}`)).toThrow('out of range');
    }
  });

  it('names the sums and maxima the rollups keep', () => {
    expect(FIELDS.filter((f) => f.rollup === 'sum').map((f) => f.name)).toEqual(
      expect.arrayContaining([...SUM_FIELDS]),
    );
    expect(FIELDS.filter((f) => f.rollup === 'sum')).toHaveLength(SUM_FIELDS.length);
    expect(FIELDS.filter((f) => f.rollup === 'max').map((f) => f.name)).toEqual([...MAX_FIELDS]);
  });
});
