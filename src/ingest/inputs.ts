import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FlowdexError } from '../errors';

/** Files flowdex writes next to its inputs; never read back as input. */
export const DEAD_LETTER_SUFFIX = '.dead-letter.ndjson';

/** Names a directory walk or a watch skips: hidden, partial downloads, our own dead letters. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith(DEAD_LETTER_SUFFIX) || /\.(part|tmp|partial)$/.test(name);
}

/** `*` and `?` in a single path segment, as a regular expression (Node 20 has no fs.glob). */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

const hasGlob = (s: string) => /[*?]/.test(s);

async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (isIgnoredName(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function expandGlob(arg: string): Promise<string[]> {
  const dir = path.dirname(arg);
  if (hasGlob(dir))
    throw new FlowdexError('INPUT_NOT_FOUND', `wildcards are supported in the last path segment only: ${arg}`, {
      file: arg,
    });
  const re = globToRegExp(path.basename(arg));
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && re.test(e.name) && !e.name.endsWith(DEAD_LETTER_SUFFIX))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/**
 * Command-line inputs to the list of files to read, in order: files as given, directories
 * recursed, globs expanded, `-` (stdin) kept. A path or glob that names nothing is an error.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg);
      continue;
    }
    const found = hasGlob(path.basename(arg))
      ? await expandGlob(arg)
      : await fs.stat(arg).then(
          (st) => (st.isDirectory() ? walk(arg) : [arg]),
          () => [],
        );
    if (found.length === 0) throw new FlowdexError('INPUT_NOT_FOUND', `no input file at ${arg}`, { file: arg });
    out.push(...found);
  }
  return out;
}

/** Bytes to read in total, when every input is a plain file of known size. */
export async function totalBytes(files: readonly string[]): Promise<number | undefined> {
  let total = 0;
  for (const f of files) {
    // Compressed inputs decompress to more bytes than their size; stdin has no size.
    if (f === '-' || /\.(gz|bz2|xz|zst|tgz|tar)$/i.test(f)) return undefined;
    total += (await fs.stat(f)).size;
  }
  return total;
}
