import { FlowdexError } from '../../errors';
import type { FlowRecord } from '../../model/flow';
import type { ReadItem, ReaderInput, ReaderOptions } from '../types';
import { splitLines } from './lines';

/** What a line handler makes of a line: a record (with the line it started on), or nothing yet. */
export interface Decoded {
  record: FlowRecord;
  line: number;
  raw?: string;
}

/**
 * Turns one line into a record, or undefined for headers, comments and lines that only
 * continue a record. Throws INPUT_BAD_RECORD for a bad record (the reader goes on) and any
 * other FlowdexError when the whole input is unusable (e.g. a mapping naming a missing column).
 */
export type LineHandler = (text: string, no: number) => Decoded | undefined;

/**
 * Runs a line handler over an input: every line ends as a flow, a reject, or is skipped as
 * structure, so counts add up. Rejects carry the file, line and field of the problem.
 */
export async function* driveLines(
  input: ReaderInput,
  options: ReaderOptions,
  handler: LineHandler,
): AsyncGenerator<ReadItem> {
  const offset = options.timeOffsetMs ?? 0;
  for await (const batch of splitLines(input.chunks)) {
    for (const { text, no } of batch) {
      let out: Decoded | undefined;
      try {
        out = handler(text, no);
      } catch (e) {
        if (!(e instanceof FlowdexError)) throw e;
        e.context.file ??= input.name;
        e.context.line ??= no;
        if (e.code !== 'INPUT_BAD_RECORD') throw e;
        yield { kind: 'reject', error: e, loc: { file: input.name, line: e.context.line }, raw: text };
        continue;
      }
      if (out === undefined) continue;
      const r = out.record;
      if (offset !== 0) {
        r.start += offset;
        if (r.end !== undefined) r.end += offset;
      }
      yield { kind: 'flow', record: r, loc: { file: input.name, line: out.line } };
    }
  }
}
