import { groupTotals, listQuery } from '../groups';
import { num } from '../params';
import type { Detector, Finding } from '../types';
import { round } from './threshold';

/**
 * UDP source ports of services abused as reflectors (DNS, NTP, SNMP, SSDP, CLDAP, memcached,
 * chargen, QOTD, RPC portmap, NetBIOS, RIP, mDNS, WS-Discovery, ARMS, CoAP).
 */
export const AMPLIFICATION_PORTS: readonly number[] = [
  17, 19, 53, 111, 123, 137, 161, 389, 520, 1900, 3283, 3702, 5353, 5683, 11211,
];

interface DestinationBucket {
  key: string;
  doc_count: number;
  sources: { value: number };
  amp: { doc_count: number; bytes: { value: number } };
  bytes: { value: number };
}

/**
 * FastNetMon-style attack detection per destination: packets, bits or flows per second above
 * a limit, from at least `min_sources` sources. When most of the bytes come from UDP reflector
 * ports the finding is a `udp-amplification`, else a `flood`.
 */
export const volumetric: Detector = {
  name: 'volumetric',
  description:
    'attacks per destination: packets/s, bits/s or flows/s above limits from many sources; UDP amplification told apart',
  schedule: '1m',
  defaults: { pps: 20_000, bps: 1_000_000_000, fps: 3_500, min_sources: 10, amplification_share: 0.5, candidates: 100 },
  groups: [],
  async evaluate(ctx) {
    const [pps, bps, fps] = [num(ctx.params, 'pps'), num(ctx.params, 'bps'), num(ctx.params, 'fps')];
    const s = ctx.seconds;
    // Ranked by packets through the report execution; only the few over a limit are looked at closer.
    const top = await groupTotals(ctx, 'destination', {
      by: 'packets',
      top: Math.max(1, Math.floor(num(ctx.params, 'candidates'))),
    });
    const over = top.filter(
      (t) =>
        typeof t.key.destination === 'string' && (t.packets / s > pps || (t.bytes * 8) / s > bps || t.flows / s > fps),
    );
    if (over.length === 0) return [];
    const res = await ctx.aggregate<{ dst?: { buckets: DestinationBucket[] } }>(
      {
        dst: {
          terms: { field: 'destination.ip', size: over.length, order: [{ _count: 'desc' }] },
          aggs: {
            sources: { cardinality: { field: 'source.ip' } },
            bytes: { sum: { field: 'network.bytes' } },
            amp: {
              filter: {
                bool: {
                  filter: [
                    { term: { 'network.transport': 'udp' } },
                    { terms: { 'source.port': [...AMPLIFICATION_PORTS] } },
                  ],
                },
              },
              aggs: { bytes: { sum: { field: 'network.bytes' } } },
            },
          },
        },
      },
      {
        extra: listQuery(
          'dst',
          over.map((t) => String(t.key.destination)),
        ),
      },
    );
    const detail = new Map((res.dst?.buckets ?? []).map((b) => [b.key, b]));
    const out: Finding[] = [];
    for (const t of over) {
      const d = detail.get(String(t.key.destination));
      const sources = d?.sources.value ?? 0;
      if (sources < num(ctx.params, 'min_sources')) continue;
      const share = d && d.bytes.value > 0 ? d.amp.bytes.value / d.bytes.value : 0;
      const amplification = share >= num(ctx.params, 'amplification_share');
      const [ratePps, rateBps, rateFps] = [t.packets / s, (t.bytes * 8) / s, t.flows / s];
      // The value is the rate furthest over its limit, in that limit's unit.
      const worst = [
        { name: 'packets/s', v: ratePps, limit: pps },
        { name: 'bits/s', v: rateBps, limit: bps },
        { name: 'flows/s', v: rateFps, limit: fps },
      ].sort((a, b) => b.v / (b.limit || 1) - a.v / (a.limit || 1))[0]!;
      out.push({
        key: { destination: t.key.destination ?? null },
        value: round(worst.v),
        threshold: worst.limit,
        severity: 'high',
        kind: amplification ? 'udp-amplification' : 'flood',
        message: `${amplification ? 'UDP amplification' : 'flood'} on ${String(t.key.destination)}: ${round(ratePps)} packets/s, ${round(rateBps)} bits/s, ${round(rateFps)} flows/s from ${sources} sources${amplification ? ` (${Math.round(share * 100)} % of bytes from reflector ports)` : ''}`,
      });
    }
    return out;
  },
};
