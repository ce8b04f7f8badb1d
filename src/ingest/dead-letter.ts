import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SourceLocation } from '../model/flow';

/**
 * The dead-letter NDJSON file: one line per rejected record, `{reason, file, line|offset, raw|doc}`.
 * Opened on the first rejection, so a clean run leaves no file behind.
 */
export class DeadLetter {
  private stream: WriteStream | undefined;
  private written = 0;

  /** `append` keeps what earlier runs wrote (a long-running collector's file across restarts). */
  constructor(
    readonly path: string,
    private readonly o: { append?: boolean } = {},
  ) {}

  /** A record the reader could not decode; `raw` is its text when the format has one. */
  reject(reason: string, loc: SourceLocation, raw?: string): Promise<void> {
    const line = JSON.stringify({ reason, ...loc, ...(raw !== undefined ? { raw } : {}) });
    return this.write(line);
  }

  /** A document OpenSearch refused; `docJson` is embedded as is, it is already JSON. */
  rejectDoc(reason: string, loc: SourceLocation, docJson: string): Promise<void> {
    const head = JSON.stringify({ reason, ...loc });
    return this.write(`${head.slice(0, -1)},"doc":${docJson}}`);
  }

  /** Path of the file when something was written, else null. */
  get usedPath(): string | null {
    return this.written > 0 ? this.path : null;
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    const s = this.stream;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }

  private async write(line: string): Promise<void> {
    this.stream ??= createWriteStream(this.path, { flags: this.o.append ? 'a' : 'w' });
    this.written++;
    if (!this.stream.write(line + '\n')) await once(this.stream, 'drain');
  }
}
