import { promises as fs } from 'node:fs';
import { FlowdexError } from '../errors';
import { applyMapping, checkColumns, compileMapping, type Mapping } from './mapping/mapping';
import { driveLines } from './text/drive';
import { tabularHandler } from './text/tabular';
import { JsonRow, type Row } from './text/values';
import type { FlowReader, ReadItem, ReaderInput, ReaderOptions } from './types';

export async function loadMapping(file: string): Promise<Mapping> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new FlowdexError(
      'MAPPING_INVALID',
      `cannot read mapping ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { file },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FlowdexError('MAPPING_INVALID', `mapping ${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
  return compileMapping(doc, file);
}

async function* readMapped(input: ReaderInput, options: ReaderOptions): AsyncGenerator<ReadItem> {
  if (!options.mappingFile)
    throw new FlowdexError('MAPPING_INVALID', 'format "mapped" needs a mapping file (--mapping FILE)', {
      file: input.name,
      field: 'mapping',
    });
  const mapping = await loadMapping(options.mappingFile);
  let checked = false;
  const decode = (row: Row) => {
    // JSON has no header: the first record stands for it.
    if (!checked && row instanceof JsonRow) checkColumns(mapping, Object.keys(row.obj));
    checked = true;
    return applyMapping(mapping, row);
  };
  const onHeader = (columns: readonly string[]) => {
    checkColumns(mapping, columns);
    checked = true;
  };
  const headerless = mapping.columns ? { columns: mapping.columns, isHeader: () => false } : undefined;
  yield* driveLines(input, options, tabularHandler({ decode, onHeader, headerless }));
}

/** Any CSV or JSON flow export, through a mapping file of select/rename/arithmetic rules. */
export const mappedReader: FlowReader = {
  name: 'mapped',
  description: 'generic CSV / JSON lines through a mapping file (--mapping FILE, see docs/mapping.md)',
  // Never guessed: it reads anything, so it is used only when asked for.
  detect: () => false,
  read: readMapped,
};
