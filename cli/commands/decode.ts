import type { Command } from 'commander';
import { EXIT, FlowdexError } from '../../src/errors';
import { hydrate, normalize } from '../../src/model/normalize';
import { readFlows } from '../../src/readers';
import { DecoderSession } from '../../src/readers/export-decoder';
import { countDecoded, newDecodeStats, type DecodeStats, type ReadItem } from '../../src/readers/types';
import type { EnrichOverrides } from '../../src/enrich/pipeline';
import { action, enrichOptions, log, logEnrichment, openEnrichment, writeOut } from '../common';

interface DecodeOptions extends EnrichOverrides {
  format?: string;
  stats?: boolean;
  timeOffset?: string;
  mapping?: string;
}

function printStats(s: DecodeStats, decoded: number, rejected: number): void {
  // A rejected item is one record, or one datagram or data set that could not be split into records.
  log(`records: ${decoded + rejected} = ${decoded} decoded + ${rejected} rejected`);
  for (const [key, n] of [...s.perExporter].sort()) log(`  exporter ${key}: ${n} flows`);
  log(`templates seen: ${s.templates}`);
  for (const [kind, n] of s.skipped ?? []) log(`skipped ${kind}: ${n}`);
  log(`undecodable: ${s.undecodable.length}`);
  for (const u of s.undecodable) log(`  ${u.where}: ${u.reason}`);
}

export function registerDecode(program: Command): void {
  const cmd = program
    .command('decode <files...>')
    .description('decode flow files (any registered format, archives too) to NDJSON flow documents on stdout')
    .option('--format <name>', 'input format; detected from content when absent')
    .option('--stats', 'print counts per exporter and version, templates and undecodable input on stderr')
    .option('--time-offset <seconds>', 'seconds added to every flow time (relative-time formats such as LANL)')
    .option('--mapping <file>', 'field mapping for the generic CSV/JSON reader');
  enrichOptions(cmd).action(
    action(async (files: string[], o: DecodeOptions) => {
      const offset = o.timeOffset !== undefined ? Number(o.timeOffset) : 0;
      if (!Number.isFinite(offset))
        throw new FlowdexError('BAD_REQUEST', `--time-offset must be a number of seconds, got ${o.timeOffset}`, {
          field: 'time-offset',
        });
      const enrich = await openEnrichment(o);
      const stats = newDecodeStats();
      // One template state for all files: `decode tpl.dat data.dat` decodes the data with the templates.
      const session = new DecoderSession();
      const options = { format: o.format, timeOffsetMs: offset * 1000, mappingFile: o.mapping, stats, session };
      let decoded = 0;
      let rejected = 0;
      async function* leftovers(): AsyncGenerator<ReadItem> {
        yield* session.finish(options);
      }
      for (const items of [
        ...files.map((file) =>
          readFlows(file, { ...options, onFormat: (input, format) => log(`${input}: ${format}`) }),
        ),
        leftovers(),
      ]) {
        let lines = '';
        for await (const item of items) {
          if (item.kind === 'reject') {
            rejected++;
            // Text readers' rejects (the binary decoders record their own as they happen).
            if (item.loc.line !== undefined)
              stats.undecodable.push({ where: `${item.loc.file}:${item.loc.line}`, reason: item.error.message });
            log(`rejected ${item.error.describe()}`);
            continue;
          }
          try {
            lines += JSON.stringify(hydrate(enrich.apply(normalize(item.record, enrich.sampling).doc))) + '\n';
            decoded++;
            countDecoded(stats, item.record);
          } catch (e) {
            if (!(e instanceof FlowdexError)) throw e;
            rejected++;
            const { file: f, line, offset: at } = item.loc;
            stats.undecodable.push({
              where: line !== undefined ? `${f}:${line}` : `${f}@${at ?? 0}`,
              reason: e.message,
            });
            log(
              `rejected ${new FlowdexError(e.code, e.message, { ...e.context, file: f, line, offset: at }).describe()}`,
            );
          }
          if (lines.length > 65536) {
            await writeOut(lines);
            lines = '';
          }
        }
        if (lines) await writeOut(lines);
      }
      enrich.close();
      if (o.stats) {
        printStats(stats, decoded, rejected);
        logEnrichment(enrich);
      }
      return rejected > 0 ? EXIT.PARTIAL : EXIT.OK;
    }),
  );
}
