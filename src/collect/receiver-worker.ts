import { parentPort, workerData } from 'node:worker_threads';
import { Listeners } from './listener';
import { encodeRecord } from './spool';
import type { FromReceiver, ReceiverData, ToReceiver } from './receiver';

/**
 * The receive thread: owns the UDP sockets and does nothing but read datagrams and pass them, in
 * spool record form and in batches, to the collector's thread. Decoding, indexing and garbage
 * collection over there never keep these sockets from being read.
 */

const port = parentPort;
if (!port) throw new Error('receiver-worker runs as a worker thread');
const data = workerData as ReceiverData;
const inFlight = new Int32Array(data.inFlight);
const listeners = new Listeners();
let batch: Buffer[] = [];
let batchBytes = 0;
let payloadBytes = 0;
let refused = 0;
let scheduled = false;

const post = (m: FromReceiver, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function flush(): void {
  scheduled = false;
  if (!batch.length && !refused) return;
  const buf = Buffer.concat(batch, batchBytes);
  const m: FromReceiver = { kind: 'batch', records: buf, count: batch.length, payloadBytes, refused };
  batch = [];
  batchBytes = 0;
  payloadBytes = 0;
  refused = 0;
  Atomics.add(inFlight, 0, buf.length);
  post(m);
}

function received(payload: Buffer, address: string, remotePort: number, listener: number): void {
  const rec = encodeRecord({ receivedMs: Date.now(), address, port: remotePort, listener, payload });
  // The collector's thread is this far behind: refuse (and count) rather than grow without bound.
  if (Atomics.load(inFlight, 0) + batchBytes + rec.length > data.maxInFlightBytes) refused++;
  else {
    batch.push(rec);
    batchBytes += rec.length;
    payloadBytes += payload.length;
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

async function main(): Promise<void> {
  try {
    await listeners.bind(data.specs, {
      recvBufferBytes: data.recvBufferBytes,
      onMessage: (r) => received(r.payload, r.address, r.port, r.listener),
      onCapped: (info, asked) => post({ kind: 'capped', info, asked }),
      onError: (listen, e) => post({ kind: 'socket-error', listen, message: e.message }),
    });
  } catch (e) {
    post({ kind: 'bind-error', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  post({ kind: 'bound', info: listeners.info });
  port?.on('message', (m: ToReceiver) => {
    if (m.kind !== 'close') return;
    void listeners.close().then(() => {
      flush();
      post({ kind: 'closed' });
      port.close();
    });
  });
}

void main();
