import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import unbzip2 from 'unbzip2-stream';
import { FlowdexError } from '../errors';
import type { ReaderInput } from './types';

/**
 * Opens a path (or `-` for stdin) as decompressed byte streams: `.gz` and `.bz2` by magic
 * number, `.tar` members one by one. Everything streams; nothing is read whole into memory.
 */
export async function* openInputs(file: string): AsyncGenerator<ReaderInput> {
  let raw: Readable;
  let mtimeMs: number | undefined;
  if (file === '-') {
    raw = process.stdin;
  } else {
    try {
      const st = await fs.stat(file);
      if (st.isDirectory()) throw new FlowdexError('INPUT_NOT_FOUND', `${file} is a directory; list its files instead`, { file });
      mtimeMs = st.mtimeMs;
    } catch (e) {
      if (e instanceof FlowdexError) throw e;
      throw new FlowdexError('INPUT_NOT_FOUND', `cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
    }
    raw = createReadStream(file, { highWaterMark: 1 << 20 });
  }
  const name = file === '-' ? 'stdin' : file;
  yield* openStream(name, raw, mtimeMs);
}

const GZIP = [0x1f, 0x8b];
const BZIP2 = [0x42, 0x5a, 0x68];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

function isTar(head: Buffer): boolean {
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}

/** Reads enough of a stream to sniff it, then hands back a stream that still starts at byte 0. */
export async function peek(stream: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const parts: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < bytes) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    parts.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

async function* openStream(name: string, source: Readable, mtimeMs: number | undefined): AsyncGenerator<ReaderInput> {
  const { head, stream } = await peek(source, 512);
  if (startsWith(head, GZIP)) {
    const inner = stream.pipe(createGunzip());
    stream.on('error', (e) => inner.destroy(e));
    yield* openStream(stripExt(name, '.gz'), inner, mtimeMs);
    return;
  }
  if (startsWith(head, BZIP2)) {
    const inner = stream.pipe(unbzip2());
    stream.on('error', (e) => inner.destroy(e));
    yield* openStream(stripExt(name, '.bz2'), inner, mtimeMs);
    return;
  }
  if (isTar(head)) {
    yield* tarMembers(name, stream);
    return;
  }
  yield mtimeMs === undefined ? { name, chunks: stream } : { name, chunks: stream, mtimeMs };
}

function stripExt(name: string, ext: string): string {
  return name.endsWith(ext) ? name.slice(0, -ext.length) : name;
}

async function* tarMembers(name: string, stream: Readable): AsyncGenerator<ReaderInput> {
  const extract = tarStream.extract();
  stream.pipe(extract);
  for await (const entry of extract) {
    if (entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    // A member must be drained before the next one arrives; readers always consume to the end.
    yield* openStream(`${name}!${entry.header.name}`, entry as unknown as Readable, entry.header.mtime?.getTime());
  }
}
