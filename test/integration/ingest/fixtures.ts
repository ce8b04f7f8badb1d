import type { FlowRecord } from '../../../src/model/flow';
import type { ReadItem } from '../../../src/readers/types';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 2, 10, 0, 0, 0);

/** Distinct deterministic flows spread over `days` UTC days starting at T0. */
export function flowRecords(n: number, days = 1, seed = 0): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const k = i + seed * 1_000_003;
    out.push({
      format: 'test',
      start: T0 + Math.floor((i * days * DAY) / n),
      end: T0 + Math.floor((i * days * DAY) / n) + (k % 5000),
      srcIp: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`,
      dstIp: `192.0.2.${k % 250}`,
      srcPort: 1024 + (k % 60000),
      dstPort: [53, 80, 443, 22][k % 4],
      protocol: k % 4 === 0 ? 17 : 6,
      bytes: 40 + (k % 100000),
      packets: 1 + (k % 100),
    });
  }
  return out;
}

export async function* asItems(records: FlowRecord[], file = 'test.ndjson'): AsyncGenerator<ReadItem> {
  let line = 0;
  for (const record of records) yield { kind: 'flow', record, loc: { file, line: ++line } };
}

/** nProbe-style JSON lines of the same flows, for CLI tests that read a file. */
export function nprobeLines(records: FlowRecord[]): string {
  return (
    records
      .map((r) =>
        JSON.stringify({
          FIRST_SWITCHED: r.start / 1000,
          LAST_SWITCHED: (r.end ?? r.start) / 1000,
          IPV4_SRC_ADDR: r.srcIp,
          IPV4_DST_ADDR: r.dstIp,
          L4_SRC_PORT: r.srcPort,
          L4_DST_PORT: r.dstPort,
          PROTOCOL: r.protocol,
          IN_BYTES: r.bytes,
          IN_PKTS: r.packets,
          OUT_BYTES: 0,
          OUT_PKTS: 0,
        }),
      )
      .join('\n') + '\n'
  );
}
