import { ChunkCursor } from './chunks';
import { ExportDecoder, exportFormat } from './export-decoder';
import type { FlowReader, ReaderInput, ReaderOptions, ReadItem } from './types';

/**
 * Raw export datagrams saved one per file (`.dat`, `.bin`): the UDP payload without capture
 * framing, so the exporter address is unknown and left out. The file's modification time stands in
 * for the capture time, which formats without a wall clock (sFlow) need.
 */

/** A UDP datagram is at most 64 KiB; several IPFIX messages back to back stay well under this. */
const MAX_DATAGRAM_FILE = 4 * 1024 * 1024;

async function* readDatagram(input: ReaderInput, options: ReaderOptions): AsyncGenerator<ReadItem> {
  const decoder = new ExportDecoder(options);
  const c = new ChunkCursor(input.chunks);
  const complete = await c.ensure(MAX_DATAGRAM_FILE + 1);
  const { buf, at } = c.view;
  const payload = buf.subarray(at, at + Math.min(c.buffered, MAX_DATAGRAM_FILE));
  const origin =
    input.mtimeMs === undefined
      ? { file: input.name, base: 0 }
      : { file: input.name, base: 0, captureMs: Math.floor(input.mtimeMs) };
  if (complete) yield* decoder.reject(`file is larger than ${MAX_DATAGRAM_FILE} bytes; not a single datagram`, origin);
  else yield* decoder.decode(payload, origin);
  yield* decoder.finish();
}

export const datagramReader: FlowReader = {
  name: 'datagram',
  description: 'one raw NetFlow v5/v9, IPFIX or sFlow v5 datagram per file (UDP payload, e.g. .dat)',
  detect: (head) => exportFormat(head, false) !== undefined,
  read: readDatagram,
};
