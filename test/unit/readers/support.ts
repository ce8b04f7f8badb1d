import { existsSync } from 'node:fs';
import path from 'node:path';
import { normalize } from '../../../src/model/normalize';
import type { FlowDoc, FlowRecord } from '../../../src/model/flow';
import { readFlows } from '../../../src/readers';
import type { FlowReader, ReadItem, ReaderOptions } from '../../../src/readers/types';

/** Third-party data, read in place beside the repository. */
export const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');
export const HAVE_SHARED_DATA = existsSync(SHARED_DATA);
if (!HAVE_SHARED_DATA) console.warn(`skipping tests on third-party data: ${SHARED_DATA} is absent`);

export const FIXTURES = path.resolve(__dirname, '../../fixtures');

export interface Collected {
  flows: { record: FlowRecord; doc: FlowDoc; line?: number }[];
  rejects: { code: string; message: string; file?: string; line?: number; field?: string }[];
  formats: string[];
}

/** Reads everything and normalizes every flow, proving each record is a valid document. */
export async function collect(items: AsyncIterable<ReadItem>): Promise<Collected> {
  const out: Collected = { flows: [], rejects: [], formats: [] };
  for await (const item of items) {
    if (item.kind === 'flow')
      out.flows.push({ record: item.record, doc: normalize(item.record).doc, line: item.loc.line });
    else {
      const c = item.error.context;
      out.rejects.push({
        code: item.error.code,
        message: item.error.message,
        file: c.file,
        line: c.line,
        field: c.field,
      });
    }
  }
  return out;
}

/** A file through the full path (open, detect by content, read), noting the detected format. */
export async function readFile(file: string, options: ReaderOptions & { format?: string } = {}): Promise<Collected> {
  const formats: string[] = [];
  const out = await collect(readFlows(file, { ...options, onFormat: (_, f) => formats.push(f) }));
  out.formats = formats;
  return out;
}

/** Text through one reader, in small chunks so lines straddle chunk boundaries. */
export function readText(
  reader: FlowReader,
  text: string,
  options: ReaderOptions = {},
  name = 'input',
): Promise<Collected> {
  async function* chunks(): AsyncGenerator<Buffer> {
    const buf = Buffer.from(text);
    for (let i = 0; i < buf.length; i += 7) yield buf.subarray(i, i + 7);
  }
  return collect(reader.read({ name, chunks: chunks() }, options));
}
