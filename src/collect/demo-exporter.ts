import dgram from 'node:dgram';
import { TemplateEncoder, V9_PER_DATAGRAM } from '../generate/encode-netflow';
import { generateFlows } from '../generate/flows';

/**
 * The demo's exporter: generated flows of the last second sent as IPFIX over loopback each
 * second, at a modest rate, so the explorer's last hour moves while `npm start` runs.
 */
export interface DemoExporterOptions {
  port: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 200 */
  flowsPerSecond?: number;
  seed?: number;
}

export class DemoExporter {
  private readonly socket = dgram.createSocket('udp4');
  private readonly encoder: TemplateEncoder;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  sent = 0;

  constructor(private readonly o: DemoExporterOptions) {
    this.encoder = new TemplateEncoder(true, { bootMs: Math.floor(Date.now() / 1000) * 1000 - 3_600_000 });
  }

  start(): void {
    this.timer = setInterval(() => this.send(), 1000);
    this.timer.unref();
  }

  private send(): void {
    const now = Date.now();
    const flows = [
      ...generateFlows({
        flows: this.o.flowsPerSecond ?? 200,
        start: now - 1000,
        spanMs: 1000,
        seed: (this.o.seed ?? 1) * 1_000_003 + this.tick++,
      }),
    ];
    for (let i = 0; i < flows.length; i += V9_PER_DATAGRAM) {
      // The encoder reuses its buffer: copy before the next datagram is written.
      const datagram = Buffer.from(this.encoder.encode(flows.slice(i, i + V9_PER_DATAGRAM)));
      this.socket.send(datagram, this.o.port, this.o.host ?? '127.0.0.1');
    }
    this.sent += flows.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.socket.close();
  }
}
