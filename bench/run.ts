import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startNode } from '../src/store/local-node';
import { SUITES } from './suites';
import type { BenchResult } from './types';

/**
 * `npm run bench [-- --scale 2 --only ingest,query --prefix big-]`: runs every suite once, writes
 * `bench/results/latest.json` and `latest.md`, and refreshes the table in README.md.
 * Ratios are from this one run; the machine is shared, so absolute numbers are noisy.
 * `--prefix` shares one data set between suites and runs (see `sharedFlows`): at 10 M flows
 * indexing once instead of per suite.
 */

interface Args {
  scale: number;
  only?: Set<string>;
  readme: boolean;
  prefix?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 1, readme: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scale') args.scale = Number(argv[++i]);
    else if (a === '--only') args.only = new Set((argv[++i] ?? '').split(','));
    else if (a === '--no-readme') args.readme = false;
    else if (a === '--prefix') args.prefix = argv[++i];
    else throw new Error(`unknown argument ${a}; use --scale N, --only a,b, --no-readme, --prefix P`);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be a positive number');
  if (args.prefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(args.prefix))
    throw new Error('--prefix must be an index name prefix such as big-');
  return args;
}

function formatValue(r: BenchResult): string {
  const v =
    Math.abs(r.value) >= 100 ? Math.round(r.value).toLocaleString('en-US') : Number(r.value.toPrecision(3)).toString();
  return `${v} ${r.unit}`.trim();
}

export function markdownTable(results: BenchResult[], meta: string): string {
  const lines = [meta, '', '| suite | measure | value | goal | met |', '|---|---|---|---|---|'];
  for (const r of results) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${r.suite} | ${r.name}${r.note ? ` (${r.note})` : ''} | ${formatValue(r)} | ${r.goal ?? ''} | ${met} |`,
    );
  }
  return lines.join('\n') + '\n';
}

async function updateReadme(root: string, table: string): Promise<void> {
  const file = path.join(root, 'README.md');
  const text = await fs.readFile(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  await fs.writeFile(file, `${text.slice(0, i + start.length)}\n${table}${text.slice(j)}`);
}

async function previousResults(file: string): Promise<BenchResult[]> {
  try {
    return (JSON.parse(await fs.readFile(file, 'utf8')) as { results: BenchResult[] }).results;
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, '../..');
  const suites = SUITES.filter((s) => !args.only || args.only.has(s.name));
  let url = process.env.OPENSEARCH_URL;
  if (!url && suites.some((s) => s.needsOpenSearch)) {
    const node = await startNode(loadConfig().node, (l) => process.stderr.write(`[opensearch] ${l}\n`));
    url = node.url;
    process.env.OPENSEARCH_URL = url;
  }
  const results: BenchResult[] = [];
  for (const suite of suites) {
    process.stderr.write(`bench: ${suite.name} (scale ${args.scale})\n`);
    const t0 = Date.now();
    const rows = await suite.run({ scale: args.scale, url, ...(args.prefix ? { prefix: args.prefix } : {}) });
    results.push(...rows);
    process.stderr.write(`bench: ${suite.name} done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  }
  const outDir = path.join(root, 'bench', 'results');
  // A partial run (--only) replaces its suites' rows and keeps the others from the last run.
  const ran = new Set(suites.map((s) => s.name));
  const kept = (await previousResults(path.join(outDir, 'latest.json'))).filter((r) => !ran.has(r.suite));
  const order = SUITES.map((s) => s.name);
  const merged = [...kept, ...results].sort((a, b) => order.indexOf(a.suite) - order.indexOf(b.suite));
  const partial = kept.length ? ` (${[...ran].join(', ')} re-run at that time; other rows from the previous run)` : '';
  const shared = args.prefix ? `, shared data under ${args.prefix}` : '';
  const meta = `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores / ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, scale ${args.scale}${shared}; one run${partial}.`;
  const table = markdownTable(merged, meta);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(
    path.join(outDir, 'latest.json'),
    JSON.stringify({ meta, scale: args.scale, results: merged }, null, 2) + '\n',
  );
  await fs.writeFile(path.join(outDir, 'latest.md'), table);
  if (args.readme) await updateReadme(root, table);
  process.stdout.write(table);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
