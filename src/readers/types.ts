import type { FlowdexError } from '../errors';
import type { FlowRecord, SourceLocation } from '../model/flow';
import type { DecoderSession } from './export-decoder';

/** One item a reader yields: a decoded flow, or a rejected record with the reason. */
export type ReadItem =
  | { kind: 'flow'; record: FlowRecord; loc: SourceLocation }
  | { kind: 'reject'; error: FlowdexError; loc: SourceLocation; raw?: string };

/** A byte stream to decode: one file, or one member of an archive, already decompressed. */
export interface ReaderInput {
  /** Display name: the path, or `archive.tar.bz2!member.pcap`. */
  name: string;
  chunks: AsyncIterable<Buffer>;
  /** Modification time of the file (or archive member): the capture time of raw datagrams. */
  mtimeMs?: number;
}

export interface ReaderOptions {
  /** Added to every flow time (LANL-style relative times start at 1). */
  timeOffsetMs?: number;
  /** Mapping file for the generic CSV/JSON reader. */
  mappingFile?: string;
  /** Collects per-exporter/version counts for `decode --stats`, when given. */
  stats?: DecodeStats;
  /**
   * NetFlow v9/IPFIX template state shared across the inputs of one run; one file's templates
   * then decode the next file's data. The caller creates it once and calls `finish` at the end.
   * @default a fresh template state per input
   */
  session?: DecoderSession;
}

export interface DecodeStats {
  /** key `exporter version` → records decoded and normalized (see `countDecoded`). */
  perExporter: Map<string, number>;
  templates: number;
  /** Datagrams or records that could not be decoded, with the reason. */
  undecodable: { where: string; reason: string }[];
  /** Input deliberately not turned into flows, by kind (sFlow counter samples, non-export packets). */
  skipped?: Map<string, number>;
}

export function newDecodeStats(): DecodeStats {
  return { perExporter: new Map(), templates: 0, undecodable: [], skipped: new Map() };
}

/** One input format. A new format is one new module exporting one of these, listed in `./index.ts`. */
export interface FlowReader {
  /** `--format` name, also stored in `flow.format` unless the reader names a finer one. */
  name: string;
  description: string;
  /** Content sniffing on the first bytes (≥ 64 KiB when the input is that long) and the name. */
  detect(head: Buffer, name: string): boolean;
  read(input: ReaderInput, options: ReaderOptions): AsyncIterable<ReadItem>;
}

/** Counts a record that made it through normalization, so per-exporter counts exclude later rejects. */
export function countDecoded(stats: DecodeStats, r: FlowRecord): void {
  const key = `${r.exporter ?? 'unknown'} ${r.format}`;
  stats.perExporter.set(key, (stats.perExporter.get(key) ?? 0) + 1);
}
