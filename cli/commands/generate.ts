import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { FlowdexError } from '../../src/errors';
import { GENERATE_FORMATS, writeGenerated, type GenerateFormat } from '../../src/generate/output';
import { action, log } from '../common';

interface GenerateCliOptions {
  flows: string;
  start?: string;
  span: string;
  seed: string;
  format: string;
  out: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m || !m[1] || !m[2])
    throw new FlowdexError('BAD_REQUEST', `--span must look like 90m, 24h or 7d, got "${text}"`, { field: 'span' });
  return Number(m[1]) * (UNITS[m[2]] ?? 1);
}

function startTime(text: string | undefined): number {
  // Default: midnight UTC a week ago, so output lands in recent daily indices.
  if (text === undefined) return Math.floor(Date.now() / 86_400_000) * 86_400_000 - 7 * 86_400_000;
  const t = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(t))
    throw new FlowdexError('BAD_REQUEST', `--start must be ISO time or epoch seconds, got "${text}"`, {
      field: 'start',
    });
  return t;
}

function write(stream: Writable, chunk: Buffer): Promise<void> | void {
  if (stream.write(chunk)) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write deterministic synthetic flows (NetFlow v5/v9/IPFIX pcap, nProbe JSON, LANL CSV)')
    .requiredOption('--flows <n>', 'number of flows')
    .option('--start <time>', 'first flow time (ISO or epoch seconds); default midnight UTC 7 days ago')
    .option('--span <duration>', 'time span covered', '24h')
    .option('--seed <n>', 'random seed', '1')
    .requiredOption('--format <format>', GENERATE_FORMATS.join('|'))
    .requiredOption('--out <file>', 'output file, - for stdout')
    .action(
      action(async (o: GenerateCliOptions) => {
        const flows = Number(o.flows);
        const seed = Number(o.seed);
        if (!Number.isInteger(flows) || flows < 0)
          throw new FlowdexError('BAD_REQUEST', `--flows must be a whole number, got "${o.flows}"`, { field: 'flows' });
        if (!Number.isInteger(seed))
          throw new FlowdexError('BAD_REQUEST', `--seed must be an integer, got "${o.seed}"`, { field: 'seed' });
        if (!(GENERATE_FORMATS as readonly string[]).includes(o.format)) {
          throw new FlowdexError(
            'BAD_REQUEST',
            `--format must be one of ${GENERATE_FORMATS.join(', ')}, got "${o.format}"`,
            { field: 'format' },
          );
        }
        const opts = { flows, start: startTime(o.start), spanMs: duration(o.span), seed };
        const began = process.hrtime.bigint();
        let result;
        if (o.out === '-') {
          result = await writeGenerated(o.format as GenerateFormat, opts, (c) => write(process.stdout, c));
        } else {
          const stream = createWriteStream(o.out);
          result = await writeGenerated(o.format as GenerateFormat, opts, (c) => write(stream, c));
          await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
        }
        const secs = Number(process.hrtime.bigint() - began) / 1e9;
        log(
          `generated ${result.flows} flows (${result.records} records, ${result.bytes} bytes) in ${secs.toFixed(2)} s: ${Math.round(result.flows / secs)} flows/s`,
        );
      }),
    );
}
