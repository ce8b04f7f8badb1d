import { Readable } from 'node:stream';
import { writeGenerated, type GenerateFormat } from '../src/generate/output';
import { hydrate, normalize } from '../src/model/normalize';
import { pcapReader } from '../src/readers/pcap';
import type { BenchResult, BenchSuite } from './types';

/**
 * Decode rate of generated v5/v9/IPFIX captures (one core, in memory), the same through
 * normalization to NDJSON lines as `flowdex decode` writes them, and generator write rate.
 */
const FORMATS: GenerateFormat[] = ['netflow-v5-pcap', 'netflow-v9-pcap', 'ipfix-pcap'];

export const decodeSuite: BenchSuite = {
  name: 'decode',
  needsOpenSearch: false,
  async run({ scale }) {
    const flows = Math.max(1000, Math.round(200_000 * scale));
    const opts = { flows, start: Date.UTC(2024, 2, 1), spanMs: 86_400_000, seed: 1 };
    const rows: BenchResult[] = [];
    for (const format of FORMATS) {
      const chunks: Buffer[] = [];
      let t = process.hrtime.bigint();
      const written = await writeGenerated(format, opts, (c) => void chunks.push(c));
      let secs = Number(process.hrtime.bigint() - t) / 1e9;
      rows.push({
        suite: 'decode',
        name: `generate ${format}`,
        value: Math.round(written.flows / secs),
        unit: 'flows/s',
        goal: '≥ 200000',
        met: written.flows / secs >= 200_000,
      });
      t = process.hrtime.bigint();
      let decoded = 0;
      for await (const item of pcapReader.read({ name: format, chunks: Readable.from(chunks) }, {}))
        if (item.kind === 'flow') decoded++;
      secs = Number(process.hrtime.bigint() - t) / 1e9;
      rows.push({
        suite: 'decode',
        name: `decode ${format}`,
        value: Math.round(decoded / secs),
        unit: 'records/s',
        goal: '≥ 100000',
        met: decoded / secs >= 100_000,
      });
      t = process.hrtime.bigint();
      let ndjson = 0;
      for await (const item of pcapReader.read({ name: format, chunks: Readable.from(chunks) }, {})) {
        if (item.kind === 'flow') ndjson += JSON.stringify(hydrate(normalize(item.record).doc)).length + 1;
      }
      secs = Number(process.hrtime.bigint() - t) / 1e9;
      rows.push({
        suite: 'decode',
        name: `decode ${format} to NDJSON`,
        value: Math.round(decoded / secs),
        unit: 'records/s',
        note: `${Math.round(ndjson / decoded)} B/line`,
      });
    }
    return rows;
  },
};
