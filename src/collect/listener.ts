import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { FlowdexError } from '../errors';

/**
 * UDP sockets of the collector. The message handler does nothing but hand the datagram on
 * (the spool appends it); everything else happens elsewhere, so the kernel buffer drains at once.
 */

export interface ListenSpec {
  /** As given: `0.0.0.0:2055`, `:4739`, `[::1]:6343`. */
  text: string;
  /** Undefined: every address, IPv6 and IPv4 on one dual-stack socket. */
  host?: string;
  port: number;
}

/** `host:port`, `[v6]:port`, `:port` or a bare port. */
export function parseListen(text: string): ListenSpec {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] || m?.[2] || undefined;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535 || (host !== undefined && isIP(host) === 0)) {
    throw new FlowdexError('CONFIG_INVALID', `--listen must be ADDRESS:PORT, [IPv6]:PORT or :PORT, got "${text}"`, {
      field: 'listen',
    });
  }
  return { text, host, port };
}

export interface Received {
  payload: Buffer;
  address: string;
  port: number;
  listener: number;
}

export interface ListenerInfo {
  listen: string;
  /** Bound address and port (the real port when 0 was asked). */
  address: string;
  port: number;
  family: 'udp4' | 'udp6';
  /** Receive buffer the kernel granted (Linux reports twice what it reserves for data). */
  recvBufferBytes: number;
}

/** `::ffff:192.0.2.1` (a v4 exporter on a dual-stack socket) → `192.0.2.1`. */
export function exporterAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export interface BindOptions {
  recvBufferBytes: number;
  onMessage: (r: Received) => void;
  /** Told once per socket whose buffer the kernel capped. */
  onCapped: (info: ListenerInfo, asked: number) => void;
  onError: (listen: string, e: Error) => void;
}

async function bindOne(
  spec: ListenSpec,
  index: number,
  o: BindOptions,
): Promise<{ socket: dgram.Socket; info: ListenerInfo }> {
  const family = spec.host && isIP(spec.host) === 4 ? 'udp4' : 'udp6';
  const socket = dgram.createSocket({ type: family });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: spec.port, address: spec.host ?? '::' }, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    socket.close();
    const msg = e instanceof Error ? e.message : String(e);
    throw new FlowdexError('CONFIG_INVALID', `cannot listen on ${spec.text}: ${msg}`, { field: 'listen' });
  });
  try {
    socket.setRecvBufferSize(o.recvBufferBytes);
  } catch {
    // Refused outright above the limit on some kernels; what is granted is read back below.
  }
  const addr = socket.address();
  const info: ListenerInfo = {
    listen: spec.text,
    address: addr.address,
    port: addr.port,
    family,
    recvBufferBytes: socket.getRecvBufferSize(),
  };
  if (info.recvBufferBytes < o.recvBufferBytes) o.onCapped(info, o.recvBufferBytes);
  socket.on('message', (payload, rinfo) =>
    o.onMessage({ payload, address: exporterAddress(rinfo.address), port: rinfo.port, listener: index }),
  );
  socket.on('error', (e) => o.onError(spec.text, e));
  return { socket, info };
}

export class Listeners {
  private sockets: dgram.Socket[] = [];
  readonly info: ListenerInfo[] = [];

  async bind(specs: readonly ListenSpec[], o: BindOptions): Promise<void> {
    try {
      for (const [i, spec] of specs.entries()) {
        const { socket, info } = await bindOne(spec, i, o);
        this.sockets.push(socket);
        this.info.push(info);
      }
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const s = this.sockets;
    this.sockets = [];
    await Promise.all(s.map((x) => new Promise<void>((resolve) => x.close(() => resolve()))));
  }
}

/** The `sysctl` that lets sockets have `bytes` of receive buffer. */
export function sysctlHint(bytes: number): string {
  return `sysctl -w net.core.rmem_max=${bytes}`;
}

/**
 * Datagrams the kernel dropped per local port (the `drops` column of /proc/net/udp and udp6):
 * buffer full before flowdex read them. Pure: takes the files' text.
 */
export function parseProcUdp(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    const drops = cols[12];
    if (!local || drops === undefined) continue;
    const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    out.set(port, (out.get(port) ?? 0) + Number(drops));
  }
  return out;
}

/** Kernel drops per listener, when /proc says (Linux); undefined elsewhere. */
export function kernelDrops(listeners: readonly ListenerInfo[]): (number | undefined)[] {
  const read = (f: string): Map<number, number> | undefined => {
    try {
      return parseProcUdp(readFileSync(f, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const v4 = read('/proc/net/udp');
  const v6 = read('/proc/net/udp6');
  return listeners.map((l) => {
    const table = l.family === 'udp4' ? v4 : v6;
    return table?.get(l.port);
  });
}
