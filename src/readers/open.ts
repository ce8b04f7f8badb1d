import { createReadStream, promises as fs } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
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
      if (st.isDirectory())
        throw new FlowdexError('INPUT_NOT_FOUND', `${file} is a directory; list its files instead`, { file });
      mtimeMs = st.mtimeMs;
    } catch (e) {
      if (e instanceof FlowdexError) throw e;
      throw new FlowdexError(
        'INPUT_NOT_FOUND',
        `cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        { file },
      );
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
    yield* openStream(stripExt(name, '.gz'), inflate(name, 'gzip', stream, createGunzip()), mtimeMs);
    return;
  }
  if (startsWith(head, BZIP2)) {
    // unbzip2-stream is an old-style stream: piped into a modern one to be async-iterable, errors passed on.
    const bz = unbzip2();
    const out = new PassThrough();
    bz.on('error', (e) => out.destroy(e));
    yield* openStream(stripExt(name, '.bz2'), inflate(name, 'bzip2', stream, bz, bz.pipe(out)), mtimeMs);
    return;
  }
  if (isTar(head)) {
    yield* tarMembers(name, stream, mtimeMs);
    return;
  }
  yield mtimeMs === undefined ? { name, chunks: stream } : { name, chunks: stream, mtimeMs };
}

/**
 * Decompressed bytes of `source`. A damaged or cut-short stream ends in one FlowdexError naming the
 * compressed file and how far into it the damage was found; bytes before it still arrive.
 */
function inflate(
  file: string,
  kind: string,
  source: Readable,
  inflater: NodeJS.ReadWriteStream,
  out: AsyncIterable<Buffer> = inflater as unknown as AsyncIterable<Buffer>,
): Readable {
  let consumed = 0;
  source.on('data', (c: Buffer) => void (consumed += c.length));
  source.on('error', (e) => inflater.emit('error', e));
  source.pipe(inflater);
  return Readable.from(guarded(out, (e) => inputError(file, `${kind} data is damaged or cut short`, consumed, e)));
}

async function* guarded<T>(items: AsyncIterable<T>, wrap: (e: unknown) => FlowdexError): AsyncGenerator<T> {
  try {
    for await (const c of items) yield c;
  } catch (e) {
    throw e instanceof FlowdexError ? e : wrap(e);
  }
}

function inputError(file: string, what: string, offset: number, e: unknown): FlowdexError {
  const reason = e instanceof Error ? e.message || e.name : String(e);
  return new FlowdexError('INPUT_TRUNCATED', `${what} (${reason || 'no detail'}); rest of the file skipped`, {
    file,
    offset,
  });
}

function stripExt(name: string, ext: string): string {
  return name.endsWith(ext) ? name.slice(0, -ext.length) : name;
}

async function* tarMembers(name: string, stream: Readable, mtimeMs: number | undefined): AsyncGenerator<ReaderInput> {
  const extract = tarStream.extract();
  let offset = 0;
  stream.on('data', (c: Buffer) => void (offset += c.length));
  // pipe() does not forward errors: without this a damaged archive would leave the extractor waiting forever.
  stream.on('error', (e) => extract.destroy(e));
  stream.pipe(extract);
  const fail = (e: unknown): FlowdexError => inputError(name, 'tar archive is damaged or cut short', offset, e);
  for await (const entry of guarded(extract, fail)) {
    if (entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    // A member must be drained before the next one arrives; readers always consume to the end.
    const member = Readable.from(guarded(entry, fail));
    yield* openStream(`${name}!${entry.header.name}`, member, entry.header.mtime?.getTime() ?? mtimeMs);
  }
}
