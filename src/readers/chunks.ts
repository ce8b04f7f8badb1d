/**
 * Pull-style access to a byte stream for binary readers: ask for n bytes at the current position,
 * get them contiguous, and know the file offset of every byte. Keeps only unread bytes in memory.
 */
export class ChunkCursor {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private ended = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes n bytes available at `peek()`; false when the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n) {
      if (this.ended) return false;
      const next = await this.it.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
      this.base += this.pos;
      this.pos = 0;
    }
    return true;
  }

  /** The unread bytes (at least what the last successful `ensure` asked for). */
  get view(): { buf: Buffer; at: number } {
    return { buf: this.buf, at: this.pos };
  }

  /** Bytes left buffered (after `ensure` fails, what a truncated tail holds). */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  skip(n: number): void {
    this.pos += n;
  }
}
