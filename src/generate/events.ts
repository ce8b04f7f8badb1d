import type { FlowRecord } from '../model/flow';
import { GENERATED_FORMAT, GENERATOR_EXPORTER, synProbe } from './flows';
import { Prng } from './prng';

/**
 * Labelled events to inject into generated background traffic, for testing detectors: each
 * says what happened, when it started, which key a detector should name, and its flows.
 */
export type EventLabel = 'vertical-scan' | 'horizontal-scan' | 'udp-amplification' | 'new-service' | 'exporter-silent';

export interface InjectedEvent {
  label: EventLabel;
  /** When it starts (for `exporter-silent`: the last flow before the silence). */
  at: number;
  key: Record<string, string | number>;
  flows: FlowRecord[];
}

/** Start time of each event, epoch ms; an event left out is not generated. */
export type EventTimes = Partial<Record<EventLabel, number>>;

const SEC = 1000;
const MIN = 60 * SEC;
export const SCANNER_V = '198.51.100.7';
export const SCANNER_H = '203.0.113.9';
export const SCAN_TARGET = '10.1.2.20';
export const FLOOD_VICTIM = '10.0.1.12';
export const NEW_SERVICE = { host: '10.1.3.3', port: 8443 };
/** A second exporter that goes quiet; the background all comes from GENERATOR_EXPORTER. */
export const SILENT_EXPORTER = '192.0.2.20';

function syn(start: number, src: string, dst: string, dstPort: number, rng: Prng): FlowRecord {
  return { ...synProbe(start, src, dst, rng.int(32768, 60999), dstPort), exporter: GENERATOR_EXPORTER };
}

/** 300 ports of one host in 40 s, one SYN each, nothing answered (nmap's default connect scan). */
function verticalScan(at: number, rng: Prng): InjectedEvent {
  const flows = Array.from({ length: 300 }, (_, i) =>
    syn(at + Math.floor((i * 40 * SEC) / 300), SCANNER_V, SCAN_TARGET, 1 + i * 3, rng),
  );
  return { label: 'vertical-scan', at, key: { source: SCANNER_V, destination: SCAN_TARGET }, flows };
}

/** Port 445 on 200 hosts in 50 s (a worm looking for SMB). */
function horizontalScan(at: number, rng: Prng): InjectedEvent {
  const flows = Array.from({ length: 200 }, (_, i) =>
    syn(at + Math.floor((i * 50 * SEC) / 200), SCANNER_H, `10.1.4.${1 + i}`, 445, rng),
  );
  return { label: 'horizontal-scan', at, key: { source: SCANNER_H, port: 445 }, flows };
}

/**
 * Five minutes of DNS responses from 400 open resolvers to one web server: large UDP
 * datagrams from source port 53, two flows per reflector and minute (about 27 k packets/s).
 */
function amplification(at: number, rng: Prng): InjectedEvent {
  const flows: FlowRecord[] = [];
  for (let m = 0; m < 5; m++) {
    for (let r = 0; r < 400; r++) {
      for (let k = 0; k < 2; k++) {
        const start = at + m * MIN + rng.int(0, 59 * SEC);
        const packets = rng.int(5500, 6500);
        flows.push({
          format: GENERATED_FORMAT,
          start,
          end: start + rng.int(5 * SEC, 25 * SEC),
          srcIp: `45.${10 + (r % 50)}.${r >> 2}.${1 + (r % 200)}`,
          dstIp: FLOOD_VICTIM,
          srcPort: 53,
          dstPort: rng.int(1024, 65000),
          protocol: 17,
          app: 'dns',
          srcBytes: packets * 1400,
          srcPackets: packets,
          dstBytes: 0,
          dstPackets: 0,
          exporter: GENERATOR_EXPORTER,
        });
      }
    }
  }
  return { label: 'udp-amplification', at, key: { destination: FLOOD_VICTIM }, flows };
}

/** An internal host starts answering on a new port: 80 sessions from 25 clients over 30 minutes. */
function newService(at: number, rng: Prng): InjectedEvent {
  const flows = Array.from({ length: 80 }, (_, i): FlowRecord => {
    const start = at + Math.floor((i * 30 * MIN) / 80);
    return {
      format: GENERATED_FORMAT,
      start,
      end: start + rng.int(1 * SEC, 20 * SEC),
      srcIp: `10.1.1.${100 + (i % 25)}`,
      dstIp: NEW_SERVICE.host,
      srcPort: rng.int(32768, 60999),
      dstPort: NEW_SERVICE.port,
      protocol: 6,
      tcpFlags: 0x1b,
      srcBytes: rng.int(500, 3000),
      srcPackets: rng.int(4, 12),
      dstBytes: rng.int(2000, 40000),
      dstPackets: rng.int(4, 40),
      app: 'tls',
      exporter: GENERATOR_EXPORTER,
    };
  });
  return { label: 'new-service', at, key: { host: NEW_SERVICE.host, port: NEW_SERVICE.port, transport: 'tcp' }, flows };
}

/** A second exporter sending a flow every 20 s from `from` until `at`, then nothing. */
function exporterSilent(from: number, at: number, rng: Prng): InjectedEvent {
  const flows: FlowRecord[] = [];
  for (let t = from; t <= at; t += 20 * SEC) {
    flows.push({
      format: GENERATED_FORMAT,
      start: t,
      end: t + 500,
      srcIp: `10.2.0.${1 + rng.int(0, 99)}`,
      dstIp: '10.0.0.53',
      srcPort: rng.int(32768, 60999),
      dstPort: 53,
      protocol: 17,
      app: 'dns',
      srcBytes: 70,
      srcPackets: 1,
      dstBytes: 150,
      dstPackets: 1,
      exporter: SILENT_EXPORTER,
    });
  }
  return { label: 'exporter-silent', at, key: { exporter: SILENT_EXPORTER }, flows };
}

/** The events at the given times; the silent exporter starts exporting at `since`. Deterministic per seed. */
export function injectedEvents(times: EventTimes, since: number, seed: number): InjectedEvent[] {
  const rng = new Prng(seed);
  const out: InjectedEvent[] = [];
  if (times['vertical-scan'] !== undefined) out.push(verticalScan(times['vertical-scan'], rng));
  if (times['horizontal-scan'] !== undefined) out.push(horizontalScan(times['horizontal-scan'], rng));
  if (times['udp-amplification'] !== undefined) out.push(amplification(times['udp-amplification'], rng));
  if (times['new-service'] !== undefined) out.push(newService(times['new-service'], rng));
  if (times['exporter-silent'] !== undefined) out.push(exporterSilent(since, times['exporter-silent'], rng));
  return out;
}
