import { Readable } from 'node:stream';
import { FlowdexError } from '../errors';
import { OccurrenceCounter } from '../model/ids';
import { datagramReader } from './datagram';
import { openInputs, peek } from './open';
import { pcapReader } from './pcap';
import type { FlowReader, ReadItem, ReaderOptions } from './types';
import { argusReader } from './argus';
import { lanlReader } from './lanl';
import { mappedReader } from './mapped';
import { nfdumpReader } from './nfdump';
import { nprobeReader } from './nprobe';
import { zeekReader } from './zeek';

/**
 * The registry of input formats, in detection order (most specific first).
 * Adding a format: write its module, add it here.
 */
export const READERS: FlowReader[] = [
  pcapReader,
  datagramReader,
  zeekReader,
  nfdumpReader,
  nprobeReader,
  argusReader,
  lanlReader,
  mappedReader,
];

export function readerByName(name: string): FlowReader {
  const r = READERS.find((x) => x.name === name);
  if (!r) {
    throw new FlowdexError(
      'INPUT_UNKNOWN_FORMAT',
      `unknown format "${name}"; known: ${READERS.map((x) => x.name).join(', ')}`,
      { field: 'format' },
    );
  }
  return r;
}

export function detectReader(head: Buffer, name: string): FlowReader | undefined {
  return READERS.find((r) => r.detect(head, name));
}

const SNIFF_BYTES = 64 * 1024;

export interface ReadFileOptions extends ReaderOptions {
  /** `--format`; detection by content when absent. */
  format?: string;
  /** Told the detected format of each input (the CLI prints it on stderr). */
  onFormat?: (input: string, format: string) => void;
  /** Told the size of each chunk handed to a reader (progress displays count bytes read). */
  onBytes?: (n: number) => void;
}

async function* counted(chunks: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    onBytes(c.length);
    yield c;
  }
}

/** Reads every flow of a file, archive or stdin (`-`), whatever its format. */
export async function* readFlows(file: string, options: ReadFileOptions = {}): AsyncGenerator<ReadItem> {
  try {
    yield* readInputs(file, options);
  } catch (e) {
    // A damaged compressed file or archive is one reject after the records before the damage.
    if (!(e instanceof FlowdexError && e.code === 'INPUT_TRUNCATED')) throw e;
    yield { kind: 'reject', error: e, loc: { file: e.context.file ?? file, offset: e.context.offset } };
  }
}

async function* readInputs(file: string, options: ReadFileOptions): AsyncGenerator<ReadItem> {
  for await (const input of openInputs(file)) {
    const { head, stream } = await peek(Readable.from(input.chunks), SNIFF_BYTES);
    // A mapping file implies the mapped reader, which detection never picks.
    const format = options.format ?? (options.mappingFile ? 'mapped' : undefined);
    const reader = format ? readerByName(format) : detectReader(head, input.name);
    if (!reader) {
      stream.destroy();
      throw new FlowdexError(
        'INPUT_UNKNOWN_FORMAT',
        `cannot tell the format of ${input.name}; pass --format (one of ${READERS.map((x) => x.name).join(', ')})`,
        { file: input.name, offset: 0 },
      );
    }
    options.onFormat?.(input.name, reader.name);
    const chunks = options.onBytes ? counted(stream, options.onBytes) : stream;
    yield* numbered(reader.read({ ...input, chunks }, options));
  }
}

/** Flows of one input with identical records told apart (see OccurrenceCounter). */
async function* numbered(items: AsyncIterable<ReadItem>): AsyncGenerator<ReadItem> {
  const counter = new OccurrenceCounter();
  for await (const item of items) {
    if (item.kind === 'flow') counter.mark(item.record);
    yield item;
  }
}
