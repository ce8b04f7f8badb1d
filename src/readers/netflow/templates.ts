import type { ErrorCode } from '../../errors';
import type { FlowRecord } from '../../model/flow';
import { fillFromPacket, parseEthernet, parseIp } from '../packet';
import { scopeSetterFor, setterFor, type Scratch, type Setter } from './fields';

/**
 * Template state of NetFlow v9 / IPFIX and the decoding of data sets with it. Templates live per
 * (exporter, source id / observation domain, template id); data sets that arrive before their
 * template are held (bounded) and decoded when it comes.
 */

export const VARIABLE_LENGTH = 65535;

export interface TemplateField {
  id: number;
  enterprise: number;
  length: number;
  /** A scope field of an options template. */
  scope?: boolean;
  set?: Setter;
}

export interface Template {
  id: number;
  fields: TemplateField[];
  /** Options templates describe exporter metadata (sampling, interface names), not flows. */
  options: boolean;
  /** Bytes per record when no field is variable-length. */
  fixedLength?: number;
  /** Smallest possible record; trailing bytes shorter than this are padding. */
  minLength: number;
}

/** Where a datagram came from: for error locations, exporter address and fallback time. */
export interface Origin {
  file: string;
  /** File offset of the datagram's first byte. */
  base: number;
  exporter?: string;
  /** Capture time of the datagram (pcap), when known. */
  captureMs?: number;
}

export interface ExportHeader {
  format: 'netflow-v9' | 'ipfix';
  exportMs: number;
  /** v9 only: ms since the exporter booted, at export time. */
  sysUptime?: number;
  domain: number;
}

/** What set decoding reports; the decoder turns these into read items and stats. */
export interface Sink {
  flow(rec: FlowRecord, origin: Origin, at: number): void;
  reject(reason: string, origin: Origin, at: number, code?: ErrorCode): void;
  optionRecord(): void;
  template(): void;
  /** Something deliberately not turned into a flow (sFlow counter samples), by kind. */
  skipped(kind: string): void;
}

export function makeTemplate(
  id: number,
  fields: { id: number; enterprise: number; length: number; scope?: boolean }[],
  options: boolean,
  v9: boolean,
): Template {
  let min = 0;
  let variable = false;
  const compiled = fields.map((f) => {
    if (f.length === VARIABLE_LENGTH) {
      variable = true;
      min += 1;
    } else min += f.length;
    const set = f.scope ? (f.enterprise === 0 ? scopeSetterFor(f.id, v9) : undefined) : setterFor(f.id, f.enterprise);
    return set ? { ...f, set } : { ...f };
  });
  return { id, fields: compiled, options, minLength: min, fixedLength: variable ? undefined : min };
}

interface Held {
  key: string;
  templateId: number;
  data: Buffer;
  header: ExportHeader;
  origin: Origin;
  at: number;
}

/**
 * Bounds on data sets held while waiting for their template. Per exporter, so one exporter's
 * flood of template-less data gives up its own oldest sets and never another exporter's; the
 * memory cap over all of them evicts from whichever exporter holds the most bytes.
 */
export interface HeldLimits {
  /** @default 256 */
  setsPerExporter: number;
  /** @default 64 MiB */
  totalBytes: number;
}

export const DEFAULT_HELD_LIMITS: HeldLimits = { setsPerExporter: 256, totalBytes: 64 * 1024 ** 2 };

/** One exporter's held sets, oldest first. */
interface HeldQueue {
  sets: Held[];
  bytes: number;
}

const UINT32 = 4294967296;

/** Template state in a storable form (no compiled setters), for a collector to persist across restarts. */
export interface TemplateSnapshot {
  templates: {
    scope: string;
    id: number;
    options: boolean;
    fields: { id: number; enterprise: number; length: number; scope?: boolean }[];
  }[];
  /** Keys start with the scope (`<scope>#<sampler>`, `<scope>#<ifIndex>`). */
  sampling: [string, number][];
  systemInit: [string, number][];
  interfaceNames: [string, string][];
  /** Absent in snapshots written before sFlow counters were read. */
  interfaceSpeeds?: [string, number][];
}

export class TemplateCache {
  private readonly templates = new Map<string, Template>();
  private readonly sampling = new Map<string, number>();
  private readonly systemInit = new Map<string, number>();
  /** Interface names from options data (sFlow: port name counters), by scope and ifIndex. */
  private readonly interfaceNames = new Map<string, string>();
  /** Interface speeds in bits/s from sFlow generic interface counters, by scope and ifIndex. */
  private readonly interfaceSpeeds = new Map<string, number>();
  /** Held data sets by exporter address. */
  private readonly held = new Map<string, HeldQueue>();
  private heldBytes = 0;
  private readonly limits: HeldLimits;
  /** Bumped on every template or options change, so a collector knows when to persist. */
  version = 0;

  constructor(limits: Partial<HeldLimits> = {}) {
    this.limits = { ...DEFAULT_HELD_LIMITS, ...limits };
  }

  /** Data sets and bytes waiting for a template, per exporter address. */
  heldByExporter(): Map<string, { sets: number; bytes: number }> {
    return new Map([...this.held].map(([k, q]) => [k, { sets: q.sets.length, bytes: q.bytes }]));
  }

  snapshot(): TemplateSnapshot {
    const templates = [...this.templates].map(([key, t]) => ({
      scope: key.slice(0, key.lastIndexOf('#')),
      id: t.id,
      options: t.options,
      fields: t.fields.map((f) => ({
        id: f.id,
        enterprise: f.enterprise,
        length: f.length,
        ...(f.scope ? { scope: true } : {}),
      })),
    }));
    return {
      templates,
      sampling: [...this.sampling],
      systemInit: [...this.systemInit],
      interfaceNames: [...this.interfaceNames],
      interfaceSpeeds: [...this.interfaceSpeeds],
    };
  }

  /** Loads persisted state; templates the exporter sends later replace these. */
  restore(s: TemplateSnapshot): void {
    for (const t of s.templates)
      this.templates.set(
        `${t.scope}#${t.id}`,
        makeTemplate(t.id, t.fields, t.options, t.scope.includes('|netflow-v9|')),
      );
    for (const [k, v] of s.sampling) this.sampling.set(k, v);
    for (const [k, v] of s.systemInit) this.systemInit.set(k, v);
    for (const [k, v] of s.interfaceNames) this.interfaceNames.set(k, v);
    for (const [k, v] of s.interfaceSpeeds ?? []) this.interfaceSpeeds.set(k, v);
  }

  /** What an exporter said of one of its interfaces outside flow records (options data, sFlow counters). */
  learnInterface(scope: string, ifIndex: number, info: { name?: string; speedBps?: number }): void {
    const key = `${scope}#${ifIndex}`;
    if (info.name !== undefined && this.interfaceNames.get(key) !== info.name) {
      this.interfaceNames.set(key, info.name);
      this.version++;
    }
    if (info.speedBps !== undefined && this.interfaceSpeeds.get(key) !== info.speedBps) {
      this.interfaceSpeeds.set(key, info.speedBps);
      this.version++;
    }
  }

  /** Gives a flow record the names and speeds learned for its interfaces. */
  describeInterfaces(r: FlowRecord, scope: string): void {
    if (r.inputInterface !== undefined) {
      const key = `${scope}#${r.inputInterface}`;
      setIf(r, 'inputInterfaceName', this.interfaceNames.get(key));
      setIf(r, 'inputInterfaceSpeed', this.interfaceSpeeds.get(key));
    }
    if (r.outputInterface !== undefined) {
      const key = `${scope}#${r.outputInterface}`;
      setIf(r, 'outputInterfaceName', this.interfaceNames.get(key));
      setIf(r, 'outputInterfaceSpeed', this.interfaceSpeeds.get(key));
    }
  }

  /** Held data that arrived (capture time) before `beforeMs` gives up waiting: rejected as "no template". */
  expireHeld(beforeMs: number, sink: Sink): void {
    for (const [exporter, q] of this.held) {
      const old = q.sets.filter((h) => (h.origin.captureMs ?? 0) < beforeMs);
      if (!old.length) continue;
      this.setHeld(
        exporter,
        q.sets.filter((h) => (h.origin.captureMs ?? 0) >= beforeMs),
      );
      for (const h of old) sink.reject(noTemplate(h), h.origin, h.at);
    }
  }

  static scope(exporter: string | undefined, header: ExportHeader): string {
    return `${exporter ?? '?'}|${header.format}|${header.domain}`;
  }

  /** Stores (or redefines) a template and decodes the data that waited for it. */
  define(scope: string, t: Template, sink: Sink): void {
    this.templates.set(`${scope}#${t.id}`, t);
    this.version++;
    sink.template();
    const exporter = exporterOf(scope);
    const q = this.held.get(exporter);
    if (!q) return;
    const waiting = q.sets.filter((h) => h.key === scope && h.templateId === t.id);
    if (!waiting.length) return;
    this.setHeld(
      exporter,
      q.sets.filter((h) => !(h.key === scope && h.templateId === t.id)),
    );
    for (const h of waiting) this.decodeRecords(t, h.data, 0, h.data.length, h.header, h.origin, h.at, sink);
  }

  withdraw(scope: string, id: number): void {
    this.templates.delete(`${scope}#${id}`);
  }

  /** Decodes one data set (body without its 4-byte header), or holds it until its template comes. */
  dataSet(
    scope: string,
    id: number,
    buf: Buffer,
    start: number,
    end: number,
    header: ExportHeader,
    origin: Origin,
    sink: Sink,
  ): void {
    const t = this.templates.get(`${scope}#${id}`);
    if (t) {
      this.decodeRecords(t, buf, start, end, header, origin, start, sink);
      return;
    }
    const exporter = exporterOf(scope);
    let q = this.held.get(exporter);
    if (!q) this.held.set(exporter, (q = { sets: [], bytes: 0 }));
    const data = Buffer.from(buf.subarray(start, end));
    q.sets.push({ key: scope, templateId: id, data, header, origin, at: start });
    q.bytes += data.length;
    this.heldBytes += data.length;
    if (q.sets.length > this.limits.setsPerExporter) this.evictOldest(exporter, sink);
    while (this.heldBytes > this.limits.totalBytes) {
      let largest: string | undefined;
      let most = -1;
      for (const [k, x] of this.held)
        if (x.bytes > most) {
          largest = k;
          most = x.bytes;
        }
      if (largest === undefined) break;
      this.evictOldest(largest, sink);
    }
  }

  /** Gives up an exporter's oldest held set: it counts as "no template". */
  private evictOldest(exporter: string, sink: Sink): void {
    const q = this.held.get(exporter);
    const dropped = q?.sets[0];
    if (!q || !dropped) return;
    this.setHeld(exporter, q.sets.slice(1));
    sink.reject(noTemplate(dropped), dropped.origin, dropped.at);
  }

  private setHeld(exporter: string, sets: Held[]): void {
    const before = this.held.get(exporter)?.bytes ?? 0;
    const bytes = sets.reduce((n, h) => n + h.data.length, 0);
    this.heldBytes += bytes - before;
    if (sets.length) this.held.set(exporter, { sets, bytes });
    else this.held.delete(exporter);
  }

  /** End of input: whatever still waits has no template, reported once per missing template. */
  finish(sink: Sink): void {
    const byTemplate = new Map<string, Held[]>();
    for (const q of this.held.values())
      for (const h of q.sets) {
        const k = `${h.key}#${h.templateId}`;
        byTemplate.set(k, [...(byTemplate.get(k) ?? []), h]);
      }
    for (const sets of byTemplate.values()) {
      const h = sets[0] as Held;
      const more =
        sets.length > 1
          ? ` (${sets.length} data sets, ${sets.reduce((n, x) => n + x.data.length, 0)} bytes, the first here)`
          : '';
      sink.reject(noTemplate(h) + more, h.origin, h.at);
    }
    this.held.clear();
    this.heldBytes = 0;
  }

  private decodeRecords(
    t: Template,
    buf: Buffer,
    start: number,
    end: number,
    header: ExportHeader,
    origin: Origin,
    at: number,
    sink: Sink,
  ): void {
    const scope = TemplateCache.scope(origin.exporter, header);
    if (t.minLength === 0) {
      sink.reject(`template ${t.id} describes empty records; data set skipped`, origin, at);
      return;
    }
    let o = start;
    // Trailing bytes shorter than one record are padding (RFC 7011 §3.3.1).
    while (end - o >= t.minLength) {
      const recStart = o;
      const s: Scratch = { r: { format: header.format, start: 0 } };
      let ok = true;
      for (const f of t.fields) {
        let len = f.length;
        if (len === VARIABLE_LENGTH) {
          len = buf[o] ?? 0;
          o += 1;
          if (len === 255) {
            if (o + 2 > end) {
              ok = false;
              break;
            }
            len = buf.readUInt16BE(o);
            o += 2;
          }
        }
        if (o + len > end) {
          ok = false;
          break;
        }
        if (f.set && len > 0) f.set(s, buf, o, len);
        o += len;
      }
      if (!ok) {
        sink.reject(
          `record of template ${t.id} runs past the end of its set (variable-length field too long)`,
          origin,
          at + (recStart - start),
        );
        return;
      }
      if (t.options) {
        const rate = samplingRate(s);
        const key = samplerKey(scope, s.samplerId);
        if (rate !== undefined && this.sampling.get(key) !== rate) {
          this.sampling.set(key, rate);
          this.version++;
        }
        if (s.systemInitMs !== undefined && this.systemInit.get(scope) !== s.systemInitMs) {
          this.systemInit.set(scope, s.systemInitMs);
          this.version++;
        }
        const name = s.interfaceName ?? s.interfaceDescription;
        if (s.scopeInterface !== undefined && name !== undefined)
          this.learnInterface(scope, s.scopeInterface, { name });
        sink.optionRecord();
        continue;
      }
      sink.flow(this.finishRecord(s, header, origin, scope), origin, at + (recStart - start));
    }
  }

  private finishRecord(s: Scratch, h: ExportHeader, origin: Origin, scope: string): FlowRecord {
    const r = s.r;
    const fallback = s.observed ?? origin.captureMs ?? h.exportMs;
    const base = h.sysUptime !== undefined ? h.exportMs - h.sysUptime : this.systemInit.get(scope);
    r.start =
      s.startAbs ?? fromUptime(base, h.sysUptime, s.firstUptime) ?? fromDelta(h.exportMs, s.startDeltaUs) ?? fallback;
    const end = s.endAbs ?? fromUptime(base, h.sysUptime, s.lastUptime) ?? fromDelta(h.exportMs, s.endDeltaUs);
    if (end !== undefined) r.end = end;
    if (s.frame) {
      // A record that carries a packet's first bytes instead of (or besides) flow keys.
      const ip =
        s.frame.kind === 'link'
          ? parseEthernet(s.frame.data, 0, s.frame.data.length)
          : parseIp(s.frame.data, 0, s.frame.data.length);
      if (ip) fillFromPacket(r, s.frame.data, ip);
    }
    if (r.protocol === 1 || r.protocol === 58) icmpFields(r, s.icmpTypeCode);
    const rate = samplingRate(s) ?? this.samplerRate(scope, s.samplerId);
    if (rate !== undefined && rate > 0) r.samplingRate = rate;
    this.describeInterfaces(r, scope);
    if (origin.exporter !== undefined) r.exporter = origin.exporter;
    return r;
  }

  /**
   * The rate of the sampler a record names (exporter + domain + sampler id); a record naming none
   * takes the exporter-wide rate, or the only sampler's when the options named exactly one.
   */
  private samplerRate(scope: string, samplerId: number | undefined): number | undefined {
    const own = this.sampling.get(samplerKey(scope, samplerId));
    if (own !== undefined || samplerId !== undefined) return own ?? this.sampling.get(samplerKey(scope, undefined));
    let only: number | undefined;
    let count = 0;
    for (const [k, v] of this.sampling) {
      if (!k.startsWith(`${scope}#`)) continue;
      only = v;
      if (++count > 1) return undefined;
    }
    return only;
  }
}

function samplerKey(scope: string, samplerId: number | undefined): string {
  return `${scope}#${samplerId ?? '*'}`;
}

type InterfaceKey = 'inputInterfaceName' | 'outputInterfaceName' | 'inputInterfaceSpeed' | 'outputInterfaceSpeed';

function setIf<K extends InterfaceKey>(r: FlowRecord, key: K, v: FlowRecord[K] | undefined): void {
  if (v !== undefined) r[key] = v;
}

/**
 * ICMP type and code into their own fields: from icmpTypeCodeIPv4/IPv6 (or its type/code parts),
 * else from the destination port, where NetFlow v5/v9 exporters put type × 256 + code. Ports are 0.
 */
export function icmpFields(r: FlowRecord, typeCode: number | undefined): void {
  if (r.icmpType !== undefined) return;
  // Some exporters fill the element with 0 and use the port; a non-zero value wins.
  const tc = typeCode || r.dstPort || (typeCode ?? r.dstPort);
  if (tc === undefined) return;
  r.icmpType = tc >> 8;
  r.icmpCode = tc & 0xff;
  r.srcPort = 0;
  r.dstPort = 0;
}

/** v9 uptimes wrap at 2^32 ms (49.7 days); a first-switched just after export time is clock jitter. */
function fromUptime(
  base: number | undefined,
  sysUptime: number | undefined,
  t: number | undefined,
): number | undefined {
  if (t === undefined || base === undefined) return undefined;
  if (sysUptime === undefined) return base + t;
  let diff = sysUptime - t;
  if (diff < -UINT32 / 2) diff += UINT32;
  else if (diff > UINT32 / 2) diff -= UINT32;
  return base + sysUptime - diff;
}

/** One-in-N from whichever sampling description the exporter used (v9 interval, PSAMP count or random). */
function samplingRate(s: Scratch): number | undefined {
  if (s.samplingPopulation && s.samplingSize) return Math.round(s.samplingPopulation / s.samplingSize);
  if (!s.sampling) return undefined;
  return s.samplingSpace === undefined ? s.sampling : Math.round((s.sampling + s.samplingSpace) / s.sampling);
}

function fromDelta(exportMs: number, deltaUs: number | undefined): number | undefined {
  return deltaUs === undefined ? undefined : exportMs - Math.round(deltaUs / 1000);
}

/** The exporter address a scope (`<exporter>|<format>|<domain>`) starts with. */
function exporterOf(scope: string): string {
  return scope.slice(0, scope.indexOf('|'));
}

function noTemplate(h: Held): string {
  const [exporter, , domain] = h.key.split('|');
  return `no template ${h.templateId} for exporter ${exporter} ${h.header.format === 'ipfix' ? 'observation domain' : 'source id'} ${domain}; data set undecodable`;
}
