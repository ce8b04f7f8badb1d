import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';

/**
 * Debian's nfcapd as a peer: export datagrams sent over loopback UDP to a fresh nfcapd, which
 * writes them as nfcapd files that `nfdump -R dir` reads. Used by the nfdump differential test
 * and the side-by-side benchmark, so both compare flowdex with nfdump on the same records.
 */

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `datagrams` to an nfcapd writing into `dir` and waits until it has flushed them to disk.
 * Paced (a short pause every 20 datagrams) so the socket buffer never overflows on a busy box;
 * callers check the record count nfdump reads back.
 */
export async function throughNfcapd(datagrams: Iterable<Buffer>, dir: string): Promise<void> {
  const port = await freePort();
  const proc = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-t', '3600', '-B', '8000000'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  // nfcapd opens its current file once it listens.
  for (let i = 0; i < 200 && !readdirSync(dir).some((f) => f.startsWith('nfcapd.current')); i++) await pause(50);
  const sock = createSocket('udp4');
  let i = 0;
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    if (++i % 20 === 0) await pause(2);
  }
  sock.close();
  await pause(500);
  proc.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`nfcapd exited with ${code}: ${stderr}`);
}
