import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Fault injection in front of the shared OpenSearch node, so a test can make it unreachable or
 * overloaded for one client without touching the node itself.
 */

/** A TCP proxy that can be taken down (connections cut, port closed) and brought back on the same port. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and cuts open ones, as a node that died would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Answers with `respond` where `fault` says so, and passes every other request on to the node. */
export class HttpFaultProxy {
  private readonly server: http.Server;
  /** Requests answered by the fault, by the test's count. */
  injected = 0;

  constructor(
    target: URL,
    private readonly fault: (req: http.IncomingMessage, body: string) => boolean,
    private readonly respond: { status: number; body: unknown },
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (this.fault(req, body.toString('utf8'))) {
          this.injected++;
          res.writeHead(this.respond.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(this.respond.body));
          return;
        }
        const up = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A TCP proxy that can hang: connections are still accepted and kept open, but nothing is
 * forwarded either way, as with a node stuck in a long pause. `resume` cuts the connections whose
 * traffic was swallowed (their requests got no answer and never will) and forwards again.
 */
export class HangingProxy {
  private server: net.Server | undefined;
  private hung = false;
  private readonly conns = new Set<{ client: net.Socket; upstream: net.Socket; swallowed: boolean }>();

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      const c = { client, upstream, swallowed: false };
      this.conns.add(c);
      const pass = (to: net.Socket) => (data: Buffer) => {
        if (this.hung) c.swallowed = true;
        else to.write(data);
      };
      client.on('data', pass(upstream));
      upstream.on('data', pass(client));
      for (const s of [client, upstream]) {
        s.on('error', () => s.destroy());
        s.on('close', () => {
          client.destroy();
          upstream.destroy();
          this.conns.delete(c);
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
  }

  hang(): void {
    this.hung = true;
  }

  resume(): void {
    this.hung = false;
    for (const c of this.conns)
      if (c.swallowed) {
        c.client.destroy();
        c.upstream.destroy();
      }
  }

  async stop(): Promise<void> {
    for (const c of this.conns) {
      c.client.destroy();
      c.upstream.destroy();
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
