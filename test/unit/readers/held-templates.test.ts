import { TemplateEncoder } from '../../../src/generate/encode-netflow';
import { generateFlows } from '../../../src/generate/flows';
import { DecoderSession, ExportDecoder } from '../../../src/readers/export-decoder';
import type { ReadItem } from '../../../src/readers/types';

/**
 * Data sets that arrive before their template are held per exporter: a flood of template-less data
 * from one exporter evicts only its own oldest sets, and the memory cap takes from the exporter
 * holding the most.
 */

/** IPFIX messages of one exporter: the first carries the templates, the next 19 only data (16 flows each). */
function messages(seed: number, n = 20): Buffer[] {
  const enc = new TemplateEncoder(true, { bootMs: Date.UTC(2024, 0, 1) });
  const recs = [...generateFlows({ flows: 16 * n, start: Date.UTC(2024, 0, 1, 1), spanMs: 600_000, seed })];
  const out: Buffer[] = [];
  for (let i = 0; i < recs.length; i += 16) out.push(Buffer.from(enc.encode(recs.slice(i, i + 16))));
  return out;
}

/** Data sets (set id ≥ 256) in an IPFIX message, with their body sizes. */
function dataSets(m: Buffer): number[] {
  const out: number[] = [];
  for (let o = 16; o + 4 <= m.length;) {
    const len = m.readUInt16BE(o + 2);
    if (m.readUInt16BE(o) >= 256) out.push(len - 4);
    o += len;
  }
  return out;
}

function tally(items: ReadItem[], out: { flows: Map<string, number>; noTemplate: Map<string, number> }): void {
  for (const it of items) {
    const exporter = it.loc.file;
    if (it.kind === 'flow') out.flows.set(exporter, (out.flows.get(exporter) ?? 0) + 1);
    else if (/^no template/.test(it.error.message))
      out.noTemplate.set(exporter, (out.noTemplate.get(exporter) ?? 0) + 1);
    else throw it.error;
  }
}

function run(session: DecoderSession, sends: [string, Buffer][]) {
  const dec = new ExportDecoder({ session });
  const out = { flows: new Map<string, number>(), noTemplate: new Map<string, number>() };
  for (const [exporter, d] of sends) tally(dec.decode(d, { file: exporter, base: 0, exporter }), out);
  return out;
}

test('a flood of template-less data from one exporter never evicts another exporter’s held data', () => {
  const a = messages(1);
  const b = messages(2);
  const flood = a.slice(1);
  const sends: [string, Buffer][] = b.slice(1, 6).map((d) => ['192.0.2.2', d]);
  for (let i = 0; i < 1000; i++) sends.push(['192.0.2.1', flood[i % flood.length] as Buffer]);
  sends.push(['192.0.2.2', b[0] as Buffer]);
  const session = new DecoderSession({ setsPerExporter: 256 });
  const out = run(session, sends);
  const floodSets = sends.filter(([e]) => e === '192.0.2.1').reduce((n, [, d]) => n + dataSets(d).length, 0);
  expect(floodSets).toBeGreaterThan(256);
  // B's five held messages decode when its template comes, plus the template message's own data.
  expect(out.flows.get('192.0.2.2')).toBe(16 * 6);
  expect(out.noTemplate.get('192.0.2.2')).toBeUndefined();
  // A gave up its own oldest sets beyond its 256.
  expect(out.noTemplate.get('192.0.2.1')).toBe(floodSets - 256);
  expect(session.templates.heldByExporter().get('192.0.2.1')?.sets).toBe(256);
  expect(session.templates.heldByExporter().has('192.0.2.2')).toBe(false);
});

test('the memory cap over all exporters evicts from the one holding the most bytes', () => {
  const a = messages(3);
  const b = messages(4);
  const bSends: [string, Buffer][] = b.slice(1, 4).map((d) => ['192.0.2.2', d]);
  const bBytes = bSends.flatMap(([, d]) => dataSets(d)).reduce((n, x) => n + x, 0);
  const cap = bBytes * 3;
  const session = new DecoderSession({ setsPerExporter: 10_000, totalBytes: cap });
  const aSends: [string, Buffer][] = [];
  for (let i = 0; i < 100; i++) aSends.push(['192.0.2.1', a[1 + (i % 19)] as Buffer]);
  const aSets = aSends.flatMap(([, d]) => dataSets(d));
  expect(aSets.reduce((n, x) => n + x, 0)).toBeGreaterThan(cap);
  const out = run(session, [...bSends, ...aSends]);
  const held = session.templates.heldByExporter();
  // B holds less than A throughout, so the cap never takes from B.
  expect(held.get('192.0.2.2')).toEqual({ sets: bSends.flatMap(([, d]) => dataSets(d)).length, bytes: bBytes });
  const heldA = held.get('192.0.2.1');
  expect(bBytes + (heldA?.bytes ?? 0)).toBeLessThanOrEqual(cap);
  expect((heldA?.sets ?? 0) + (out.noTemplate.get('192.0.2.1') ?? 0)).toBe(aSets.length);
  expect(out.noTemplate.get('192.0.2.2')).toBeUndefined();
  // End of input: every held set becomes "no template" too, and nothing is held any more.
  const dec = new ExportDecoder({ session });
  tally(dec.flushHeld(), out);
  expect(out.noTemplate.get('192.0.2.2')).toBeGreaterThan(0);
  expect(session.templates.heldByExporter().size).toBe(0);
});
