import type { FlowRecord } from '../model/flow';
import { Prng } from './prng';

/**
 * Packet sampling of generated traffic, as a router's 1-in-N random packet sampler does it: each
 * packet of a flow is kept with probability 1/N (seeded, so the same seed gives the same export),
 * and the flow is exported with the kept packets' counts and bytes, or not at all when none was
 * kept. The true flows and their sampled export describe the same traffic, which is what tests of
 * estimates and error bounds compare.
 */

/** Packet sizes of one direction: `bytes` spread over `packets` as evenly as whole bytes allow. */
function sizeOf(bytes: number, packets: number, j: number): number {
  return Math.floor(bytes / packets) + (j < bytes % packets ? 1 : 0);
}

/**
 * Kept packets and their bytes of one direction. Each packet is kept with probability 1/rate; the
 * gaps between kept packets are geometric, so only kept packets cost a draw.
 */
function sampleDirection(rng: Prng, rate: number, bytes: number, packets: number): { bytes: number; packets: number } {
  const logMiss = Math.log(1 - 1 / rate);
  let keptBytes = 0;
  let kept = 0;
  for (
    let j = Math.floor(Math.log(1 - rng.float()) / logMiss);
    j < packets;
    j += 1 + Math.floor(Math.log(1 - rng.float()) / logMiss)
  ) {
    kept++;
    keptBytes += sizeOf(bytes, packets, j);
  }
  return { bytes: keptBytes, packets: kept };
}

/**
 * The sampled export of `flow` at 1 in `rate` packets (rate 1: the flow itself, no rate recorded),
 * or undefined when no packet was kept. Per-direction counters are sampled packet by packet.
 */
export function samplePackets(flow: FlowRecord, rate: number, rng: Prng): FlowRecord | undefined {
  if (rate <= 1) return flow;
  const src = sampleDirection(rng, rate, flow.srcBytes ?? 0, flow.srcPackets ?? 0);
  const dst = sampleDirection(rng, rate, flow.dstBytes ?? 0, flow.dstPackets ?? 0);
  if (src.packets + dst.packets === 0) return undefined;
  return {
    ...flow,
    srcBytes: src.bytes,
    srcPackets: src.packets,
    dstBytes: dst.bytes,
    dstPackets: dst.packets,
    samplingRate: rate,
  };
}

/** One exporter of a mixed network: its address and 1-in-N rate (1: unsampled). */
export interface SampledExporter {
  exporter: string;
  rate: number;
}

/**
 * True flows spread round-robin over `exporters`, and their export: each flow as its exporter
 * samples it. `truth` keeps every flow (with its exporter); `exported` only those with a packet kept.
 */
export function sampleTraffic(
  flows: Iterable<FlowRecord>,
  exporters: readonly SampledExporter[],
  seed: number,
): { truth: FlowRecord[]; exported: FlowRecord[] } {
  const rng = new Prng(seed ^ 0x5a3b1e);
  const truth: FlowRecord[] = [];
  const exported: FlowRecord[] = [];
  let i = 0;
  for (const flow of flows) {
    const e = exporters[i++ % exporters.length] as SampledExporter;
    const own = { ...flow, exporter: e.exporter };
    truth.push(own);
    const sampled = samplePackets(own, e.rate, rng);
    if (sampled !== undefined) exported.push(sampled);
  }
  return { truth, exported };
}
