/**
 * Packet sampling: which 1-in-N rate applies to a record, and what a sampled flow's counters
 * become. Pure; the configured rates come from enrich/sampling (networks file and environment).
 */

/** Decides the rate of one record from its exporter and the rate the record itself carries. */
export interface SamplingPolicy {
  /** The rate that applies, or undefined when the record is unsampled. */
  rateFor(exporter: string | undefined, recorded: number | undefined): number | undefined;
}

/** The record's own rate and nothing else: what normalize uses without configuration. */
export const RECORDED_RATE: SamplingPolicy = { rateFor: (_exporter, recorded) => recorded };

/**
 * Variance terms of one sampled flow, in the units of its estimates. Packet sampling at 1:N keeps
 * each packet with probability p = 1/N; an estimate N·c of a flow's packets has the unbiased
 * variance estimate (1−p)/p²·c = N(N−1)·c, and its bytes N(N−1)·Σ size² over the sampled packets,
 * taken as c packets of the flow's mean sampled size (b²/c). Summed over a group they give the
 * variance of the group's estimate; a flow exported with rate 1 contributes nothing.
 * Rounded to whole numbers so that sums over flows and over rollups agree exactly where they can.
 */
export function varianceTerms(
  rate: number,
  sampledPackets: number,
  sampledBytes: number,
): { packets: number; bytes: number } {
  const k = rate * (rate - 1);
  // A record with bytes but no packet count stands for at least one sampled packet.
  const packets = Math.max(sampledPackets, sampledBytes > 0 ? 1 : 0);
  return {
    packets: Math.round(k * packets),
    bytes: packets > 0 ? Math.round((k * sampledBytes * sampledBytes) / packets) : 0,
  };
}
