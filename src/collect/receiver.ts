import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FlowdexError } from '../errors';
import type { ListenerInfo, ListenSpec } from './listener';

/**
 * The collector's side of the receive thread (`receiver-worker`): starts it, binds the sockets
 * there, and hands each batch of received datagrams (spool records) to `onBatch` in arrival order.
 */

export interface ReceiverData {
  specs: ListenSpec[];
  recvBufferBytes: number;
  /** Received bytes the collector's thread has not taken yet (Int32 at 0), shared with the worker. */
  inFlight: SharedArrayBuffer;
  maxInFlightBytes: number;
}

export type FromReceiver =
  | { kind: 'bound'; info: ListenerInfo[] }
  /** Binding failed (address in use, not local): the listener's message. */
  | { kind: 'bind-error'; message: string }
  | { kind: 'capped'; info: ListenerInfo; asked: number }
  | { kind: 'socket-error'; listen: string; message: string }
  /** Spool records of `count` datagrams; `refused` more were turned away because this thread was too far behind. */
  | { kind: 'batch'; records: Uint8Array; count: number; payloadBytes: number; refused: number }
  | { kind: 'closed' };

export type ToReceiver = { kind: 'close' };

export interface ReceiverOptions {
  recvBufferBytes: number;
  /** @default 256 MiB */
  maxInFlightBytes?: number;
  onBatch: (records: Buffer, count: number, payloadBytes: number, refused: number) => void;
  onCapped: (info: ListenerInfo, asked: number) => void;
  onError: (listen: string, message: string) => void;
}

/** The compiled worker: beside this file, or in dist/ when this file runs from source (tests). */
function workerFile(): string {
  const own = path.join(__dirname, 'receiver-worker.js');
  if (existsSync(own)) return own;
  const built = path.resolve(__dirname, '../../dist/src/collect/receiver-worker.js');
  if (existsSync(built)) return built;
  throw new FlowdexError('CONFIG_INVALID', `the receive thread's code is not built (${built}); run npm run build`, {
    file: built,
  });
}

export class Receiver {
  private worker: Worker | undefined;
  private closed: Promise<void> | undefined;
  info: ListenerInfo[] = [];

  constructor(private readonly o: ReceiverOptions) {}

  async bind(specs: readonly ListenSpec[]): Promise<void> {
    const inFlight = new SharedArrayBuffer(4);
    const counter = new Int32Array(inFlight);
    const data: ReceiverData = {
      specs: [...specs],
      recvBufferBytes: this.o.recvBufferBytes,
      inFlight,
      maxInFlightBytes: this.o.maxInFlightBytes ?? 256 * 1024 ** 2,
    };
    const worker = new Worker(workerFile(), { workerData: data });
    this.worker = worker;
    let closedResolve: () => void = () => undefined;
    this.closed = new Promise<void>((resolve) => (closedResolve = resolve));
    worker.once('exit', () => closedResolve());
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: FromReceiver) => {
        switch (m.kind) {
          case 'bound':
            this.info = m.info;
            worker.off('error', reject);
            worker.on('error', (e) => this.o.onError('receive thread', e.message));
            resolve();
            break;
          case 'bind-error':
            reject(new FlowdexError('CONFIG_INVALID', m.message, { field: 'listen' }));
            break;
          case 'capped':
            this.o.onCapped(m.info, m.asked);
            break;
          case 'socket-error':
            this.o.onError(m.listen, m.message);
            break;
          case 'batch': {
            const records = Buffer.from(m.records.buffer, m.records.byteOffset, m.records.byteLength);
            Atomics.sub(counter, 0, records.length);
            this.o.onBatch(records, m.count, m.payloadBytes, m.refused);
            break;
          }
          case 'closed':
            closedResolve();
            break;
        }
      });
    }).catch(async (e: unknown) => {
      await worker.terminate();
      this.worker = undefined;
      throw e;
    });
  }

  /** Closes the sockets; resolves once every datagram they received has been handed to `onBatch`. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    const msg: ToReceiver = { kind: 'close' };
    w.postMessage(msg);
    await this.closed;
    await w.terminate();
  }
}
