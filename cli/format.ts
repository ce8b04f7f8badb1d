import { renderCaret } from '../src/query/parser';
import { errorMessage, EXIT, FlowdexError, isFlowdexError } from '../src/errors';

export type Cell = string | number | boolean | null | undefined;

function cellText(v: Cell): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(2);
  return String(v);
}

/**
 * Rows as aligned text columns under a header: numbers right-aligned, everything else left,
 * missing values as `-`. One formatter for every command that prints a table.
 */
export function formatTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd() + '\n';
  return line(columns) + text.map(line).join('');
}

/**
 * A query error that points into the query text: the one-line message, then the query and a
 * caret under the position (the only multi-line error the CLI prints). Returns the exit code,
 * or undefined when the error is not of that kind.
 */
export function printQueryError(e: unknown, query: string): number | undefined {
  if (!isFlowdexError(e) || !e.code.startsWith('QUERY_') || typeof e.context.position !== 'number') return undefined;
  process.stderr.write(`flowdex: ${errorMessage(e)}\n${renderCaret(query, e.context.position)}\n`);
  return EXIT.USAGE;
}

/** A whole-number option (`--limit`, `--top`): digits only, refused with the option's name otherwise. */
export function wholeNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new FlowdexError('BAD_REQUEST', `--${name} must be a whole number, got "${text}"`, { field: name });
  return n;
}
