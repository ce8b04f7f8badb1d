/**
 * CSV/TSV splitting for one line. Quoted fields (`"a,b"`, `""` for a quote) are supported;
 * a quoted field spanning lines is not (no flow format writes one), so an unbalanced quote is
 * reported as bad input rather than silently swallowing the following records.
 */
export type Delimiter = ',' | '\t' | '|' | ';';

/** Splits a line; returns undefined when a quote is left open. */
export function splitCsvLine(line: string, delimiter: Delimiter): string[] | undefined {
  // Fast path: most flow CSVs never quote.
  if (line.indexOf('"') === -1) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Text after the closing quote up to the delimiter is kept, as csv-parse's relax mode does.
      const d = line.indexOf(delimiter, i);
      const end = d === -1 ? n : d;
      out.push(value + line.slice(i, end));
      if (d === -1) return out;
      i = d + 1;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + 1;
    }
  }
}

/** The delimiter a header line most likely uses: the candidate occurring most often. */
export function guessDelimiter(header: string): Delimiter {
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const d of [',', '\t', '|', ';'] as const) {
    const count = header.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}
