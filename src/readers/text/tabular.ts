import type { FlowRecord } from '../../model/flow';
import { type Delimiter, guessDelimiter, splitCsvLine } from './csv';
import type { Decoded, LineHandler } from './drive';
import { badRecord, CsvRow, JsonRow, type Row } from './values';

/**
 * The shape shared by most text flow formats: either JSON objects (one per line, or a pretty
 * printed array as `nfdump -o json` writes) or delimited text under a header line.
 */
export interface TabularSpec {
  /** Maps one record to a flow; throws INPUT_BAD_RECORD naming the field. */
  decode(row: Row): FlowRecord;
  /** Columns of a headerless CSV variant, used when `isHeader` says the first line is data. */
  headerless?: { columns: readonly string[]; isHeader(cells: readonly string[]): boolean };
  /**
   * A line that starts a trailer (nfdump's `Summary`): lines after it are skipped until the
   * header comes again, as it does where exports were concatenated.
   */
  trailerMarker?: string;
  /** Called once with the CSV header, so a reader can check columns before any row. */
  onHeader?(columns: readonly string[]): void;
}

/** The last line of a pretty-printed object: `}`, `},` or `}]` at the end of an array. */
const CLOSE = /^\s*\}\s*[,\]]?\s*$/;

interface CsvState {
  delimiter: Delimiter;
  index: Map<string, number>;
  width: number;
}

export function tabularHandler(spec: TabularSpec): LineHandler {
  let csv: CsvState | undefined;
  let header: string | undefined;
  let trailer = false;
  let json = false;
  // A pretty-printed JSON object being collected: its lines and where it started.
  let pending: string[] | undefined;
  let pendingLine = 0;

  function jsonRecord(text: string, line: number): Decoded {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw badRecord('json', `invalid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw badRecord('json', 'a JSON record must be an object');
    return { record: spec.decode(new JsonRow(obj as Record<string, unknown>)), line, raw: text };
  }

  function startCsv(cells: string[], delimiter: Delimiter, asHeader: boolean): void {
    const columns = asHeader ? cells.map((c) => c.trim()) : [...(spec.headerless?.columns ?? [])];
    if (asHeader) header = cells.map((c) => c.trim()).join(delimiter);
    spec.onHeader?.(columns);
    csv = { delimiter, index: new Map(columns.map((c, i) => [c, i])), width: columns.length };
  }

  function csvRecord(state: CsvState, text: string, no: number): Decoded {
    const cells = splitCsvLine(text, state.delimiter);
    if (cells === undefined) throw badRecord('line', 'unterminated quoted field');
    if (cells.length !== state.width) throw badRecord('line', `expected ${state.width} columns, got ${cells.length}`);
    return { record: spec.decode(new CsvRow(state.index, cells)), line: no, raw: text };
  }

  return (text, no) => {
    if (trailer && csv !== undefined) {
      // The summary's own lines are skipped; the header again, or a line as wide as a record, ends it.
      if (text.trim() === header) {
        trailer = false;
        return undefined;
      }
      if (splitCsvLine(text, csv.delimiter)?.length !== csv.width) return undefined;
      trailer = false;
    }
    if (pending !== undefined) {
      pending.push(text);
      if (CLOSE.test(text)) {
        const body = pending.join('\n').replace(/[,\]]\s*$/, '');
        pending = undefined;
        return jsonRecord(body, pendingLine);
      }
      return undefined;
    }
    if (csv !== undefined) {
      if (text === '') return undefined;
      if (spec.trailerMarker !== undefined && text.startsWith(spec.trailerMarker)) {
        trailer = true;
        return undefined;
      }
      return csvRecord(csv, text, no);
    }
    const t = text.trim();
    if (t === '' || t === '[' || t === ']' || t === ',') return undefined;
    if (t[0] === '{') {
      json = true;
      if (t === '{') {
        pending = [text];
        pendingLine = no;
        return undefined;
      }
      return jsonRecord(t.endsWith(',') ? t.slice(0, -1) : t, no);
    }
    if (json) throw badRecord('line', 'not a JSON object');
    // Neither JSON nor an established CSV: this is the first line of a CSV.
    const delimiter = guessDelimiter(text);
    const cells = splitCsvLine(text, delimiter);
    if (cells === undefined) throw badRecord('line', 'unterminated quoted field in the first line');
    const headerless = spec.headerless !== undefined && !spec.headerless.isHeader(cells);
    startCsv(cells, delimiter, !headerless);
    return headerless && csv !== undefined ? csvRecord(csv, text, no) : undefined;
  };
}

/**
 * The field names of the first record in a sniffed head, for detection: the keys of the first
 * JSON object (single-line or pretty-printed) or the cells of the first CSV line.
 */
export function firstRecordKeys(lines: readonly string[]): string[] | undefined {
  let i = 0;
  while (i < lines.length && ['', '['].includes((lines[i] ?? '').trim())) i++;
  const first = lines[i]?.trim();
  if (first === undefined || first.startsWith('#')) return undefined;
  if (first.startsWith('{')) {
    let text = first;
    if (first === '{') {
      const close = lines.findIndex((l, j) => j > i && CLOSE.test(l));
      if (close === -1) return undefined;
      text = lines
        .slice(i, close + 1)
        .join('\n')
        .replace(/[,\]]\s*$/, '');
    }
    try {
      const obj: unknown = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text);
      return typeof obj === 'object' && obj !== null ? Object.keys(obj) : undefined;
    } catch {
      return undefined;
    }
  }
  return (splitCsvLine(first, guessDelimiter(first)) ?? []).map((c) => c.trim());
}
