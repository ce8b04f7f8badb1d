import type { ReportResult } from '../../../src/query/reports';
import { sumRows, withBounds } from '../../../src/query/sampling';
import { samplingNote, topTable } from '../../../src/web/view-models';

/** A ranked answer over sampled flows as the report layer returns it (bounds from moments). */
function answer(): ReportResult {
  const row = (source: string, sampled: number, rate: number) => ({
    source,
    flows: 1,
    bytes: sampled * rate * 1000,
    packets: sampled * rate,
    sampled_packets: sampled,
    var_packets: rate * (rate - 1) * sampled,
    var_bytes: rate * (rate - 1) * sampled * 1000 * 1000,
  });
  const rows = [row('10.0.0.1', 400, 1000), row('10.0.0.2', 390, 1000), row('10.0.0.3', 9, 1)];
  const base = { report: 'top-sources' as const, served_by: [], took_ms: 0, range: { from: 0, to: 1 }, rows };
  return {
    ...withBounds({ ...base, columns: ['source', 'flows', 'bytes', 'packets'] }, 'top', 'bytes', sumRows(rows)),
    sampling_rates: [1000],
  };
}

test('the explorer shows estimates with ≈ and ±, marks rows not separated from the next, and names the rates', () => {
  const r = answer();
  const table = topTable(r, 'bytes');
  const cells = table.rows.map((row) => row.cells.map((c) => c.text));
  expect(cells[0]?.[2]).toMatch(/^≈ .+ ± \d+(\.\d)?% ~$/);
  expect(cells[1]?.[2]).toMatch(/^≈ .+ ± \d+(\.\d)?%$/);
  // Flows are exported records, not estimates; rate-1 flows are exact.
  expect(cells[0]?.[1]).toBe('1');
  expect(cells[2]?.[2]).not.toContain('≈');
  const note = samplingNote(r);
  expect(note?.rates).toBe('1:1000');
  expect(note?.total).toMatch(/^flows 3, bytes ≈ .+ ± .+%, packets ≈ .+ ± .+%$/);
  expect(samplingNote({ ...r, sampled: false })).toBeUndefined();
});
