import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlowdexError } from '../../../src/errors';
import { v5Records } from '../../../src/generate/encode-netflow';
import { generateFlows } from '../../../src/generate/flows';
import { writeGenerated } from '../../../src/generate/output';
import { readFlows } from '../../../src/readers';

/** Archives packed by the system tar/gzip/bzip2, decoded member by member through readFlows. */

const A = { flows: 40, start: Date.UTC(2024, 2, 1), spanMs: 3_600_000, seed: 7 };
const B = { ...A, flows: 25, seed: 8 };
// NetFlow v5 carries one direction per record: the expected count comes from the generator's input.
const recordsOf = (o: typeof A): number => [...generateFlows(o)].flatMap(v5Records).length;

let dir: string;

async function generate(file: string, opts: typeof A): Promise<void> {
  const chunks: Buffer[] = [];
  await writeGenerated('netflow-v5-pcap', opts, (c) => void chunks.push(Buffer.from(c)));
  writeFileSync(path.join(dir, file), Buffer.concat(chunks));
}

async function countByMember(file: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const item of readFlows(file)) {
    if (item.kind === 'reject') throw item.error;
    out[item.loc.file] = (out[item.loc.file] ?? 0) + 1;
  }
  return out;
}

/** Damage must arrive as one reject after the records before it, never as an exception. */
async function firstError(file: string): Promise<{ error: unknown; flows: number; after: number }> {
  let flows = 0;
  let error: unknown;
  let after = 0;
  for await (const item of readFlows(file)) {
    if (item.kind === 'reject') error ??= item.error;
    else if (error) after++;
    else flows++;
  }
  return { error, flows, after };
}

const sh = (cmd: string, ...args: string[]): void => void execFileSync(cmd, args, { cwd: dir });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-archives-'));
  await generate('a.pcap', A);
  await generate('b.pcap', B);
  sh('tar', 'cf', 'archive.tar', 'a.pcap', 'b.pcap');
  sh('tar', 'cjf', 'archive.tar.bz2', 'a.pcap', 'b.pcap');
  sh('tar', 'czf', 'archive.tar.gz', 'a.pcap', 'b.pcap');
  sh('gzip', '-k', 'a.pcap');
  sh('bzip2', '-k', 'b.pcap');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the generated pcaps hold the expected record counts (sanity, plain files)', async () => {
  expect(recordsOf(A)).toBeGreaterThan(A.flows);
  expect(await countByMember(path.join(dir, 'a.pcap'))).toEqual({ [path.join(dir, 'a.pcap')]: recordsOf(A) });
});

test.each(['archive.tar', 'archive.tar.bz2', 'archive.tar.gz'])(
  '%s: both members, named archive!member, exact counts',
  async (name) => {
    const file = path.join(dir, name);
    const shown = name.replace(/\.(gz|bz2)$/, '');
    expect(await countByMember(file)).toEqual({
      [`${path.join(dir, shown)}!a.pcap`]: recordsOf(A),
      [`${path.join(dir, shown)}!b.pcap`]: recordsOf(B),
    });
  },
);

test('a.pcap.gz and b.pcap.bz2 decode as the plain files', async () => {
  expect(await countByMember(path.join(dir, 'a.pcap.gz'))).toEqual({ [path.join(dir, 'a.pcap')]: recordsOf(A) });
  expect(await countByMember(path.join(dir, 'b.pcap.bz2'))).toEqual({ [path.join(dir, 'b.pcap')]: recordsOf(B) });
});

test.each([
  ['a.pcap.gz', 'truncated.pcap.gz'],
  ['archive.tar.gz', 'truncated.tar.gz'],
  ['archive.tar.bz2', 'truncated.tar.bz2'],
  ['b.pcap.bz2', 'truncated.pcap.bz2'],
])('%s cut in half: a FlowdexError naming the file, no crash or hang', async (source, name) => {
  const whole = readFileSync(path.join(dir, source));
  writeFileSync(path.join(dir, name), whole.subarray(0, Math.floor(whole.length / 2)));
  const { error, flows, after } = await firstError(path.join(dir, name));
  expect(error).toBeInstanceOf(FlowdexError);
  expect((error as FlowdexError).describe()).toMatch(
    new RegExp(`${name.replace(/\./g, '\\.')}(!\\w\\.pcap)?@\\d+: .*(damaged or cut short|truncated)`),
  );
  expect(after).toBe(0);
  // Half the file: some records before the damage, never more than the whole.
  expect(flows).toBeLessThan(recordsOf(A) + recordsOf(B));
});

test('corrupt bz2 (bytes overwritten mid-stream): a FlowdexError naming the file', async () => {
  const whole = Buffer.from(readFileSync(path.join(dir, 'archive.tar.bz2')));
  whole.fill(0x55, 200, 260);
  writeFileSync(path.join(dir, 'corrupt.tar.bz2'), whole);
  const { error } = await firstError(path.join(dir, 'corrupt.tar.bz2'));
  expect(error).toBeInstanceOf(FlowdexError);
  expect((error as FlowdexError).describe()).toContain('corrupt.tar.bz2');
});
