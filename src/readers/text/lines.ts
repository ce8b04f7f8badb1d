import { StringDecoder } from 'node:string_decoder';

/** One line of a text input, without its line terminator; `no` is 1-based. */
export interface Line {
  text: string;
  no: number;
}

/**
 * Splits a byte stream into lines, keeping only the unfinished tail of a chunk in memory, so
 * any file size streams in constant memory. Handles `\n` and `\r\n`, a UTF-8 BOM and multi-byte
 * characters split across chunks. Empty lines are yielded too (they still count as lines).
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let no = 0;
  let first = true;
  for await (const chunk of chunks) {
    let text = tail + decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    // Yielding a batch per chunk keeps the per-line cost of async iteration out of the hot loop.
    const batch: Line[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      batch.push({ text: text.slice(start, end), no: ++no });
      start = nl + 1;
    }
    tail = text.slice(start);
    if (batch.length) yield batch;
  }
  tail += decoder.end();
  if (tail.length) yield [{ text: tail.endsWith('\r') ? tail.slice(0, -1) : tail, no: ++no }];
}

/** The first lines of a sniffed head, for detection (the last, possibly cut, line is dropped). */
export function headLines(head: Buffer, max = 20): string[] {
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (lines.length > 1) lines.pop();
  return lines.slice(0, max).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
