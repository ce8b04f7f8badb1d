/** One CSV record (RFC 4180): fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  // A number's text never needs quotes: the common case skips the test below.
  if (typeof v === 'number') return String(v);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are JSON above; what is left is a scalar
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
