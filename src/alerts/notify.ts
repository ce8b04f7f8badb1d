import { appendFile } from 'node:fs/promises';
import { FlowdexError } from '../errors';
import type { AlertEvent } from './types';

/** Where alert events go. A channel's `send` may fail; the dispatcher counts and logs it. */
export interface Channel {
  name: string;
  send(e: AlertEvent): Promise<void>;
}

/** One line of JSON per event: what the NDJSON file, stdout and webhooks carry. */
export function eventJson(e: AlertEvent): string {
  return JSON.stringify({ event: e.event, ...e.alert });
}

export function stdoutChannel(write: (line: string) => void = (l) => void process.stdout.write(l)): Channel {
  return { name: 'stdout', send: async (e) => write(`${eventJson(e)}\n`) };
}

export function fileChannel(file: string): Channel {
  return {
    name: `file ${file}`,
    async send(e) {
      try {
        await appendFile(file, `${eventJson(e)}\n`);
      } catch (err) {
        throw new FlowdexError('NOTIFY_FAILED', `cannot append to ${file}: ${(err as Error).message}`, { file });
      }
    },
  };
}

export interface WebhookOptions {
  /** Attempts in all. @default 4 */
  attempts?: number;
  /** First retry delay; doubled each time. @default 500 */
  backoffMs?: number;
  /** Per attempt. @default 10000 */
  timeoutMs?: number;
}

/**
 * JSON POST of the event. 2xx is delivered; 5xx, 429 and network errors are retried with
 * exponential backoff; other 4xx are not (the receiver refuses the payload, retrying won't help).
 */
export function webhookChannel(url: string, o: WebhookOptions = {}): Channel {
  const attempts = o.attempts ?? 4;
  const backoff = o.backoffMs ?? 500;
  const timeout = o.timeoutMs ?? 10_000;
  let safe: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    safe = `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    throw new FlowdexError('CONFIG_INVALID', `webhook URL must be http(s)://…, got "${url}"`, { field: 'webhook' });
  }
  return {
    name: `webhook ${safe}`,
    async send(e) {
      let last = '';
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: eventJson(e),
            signal: AbortSignal.timeout(timeout),
          });
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) return;
          last = `HTTP ${res.status}`;
          if (res.status < 500 && res.status !== 429) break;
        } catch (err) {
          last = (err as Error).message;
        }
      }
      throw new FlowdexError('NOTIFY_FAILED', `webhook ${safe} failed after retries: ${last}`, { field: 'webhook' });
    },
  };
}

export interface DeliveryStats {
  sent: number;
  failed: number;
  pending: number;
}

/**
 * Sends events to every channel without making the caller wait: evaluation never blocks on a
 * slow or failing receiver. `flush` waits for what is in flight (before exit, in tests).
 */
export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  readonly stats: DeliveryStats = { sent: 0, failed: 0, pending: 0 };

  constructor(
    private readonly channels: readonly Channel[],
    private readonly log: (line: string) => void = (l) => void process.stderr.write(`${l}\n`),
  ) {}

  notify(events: readonly AlertEvent[]): void {
    for (const e of events) {
      for (const c of this.channels) {
        this.stats.pending++;
        const p = c
          .send(e)
          .then(() => void this.stats.sent++)
          .catch((err: unknown) => {
            this.stats.failed++;
            this.log(`flowdex alerts: ${c.name}: ${(err as Error).message}`);
          })
          .finally(() => {
            this.stats.pending--;
            this.inFlight.delete(p);
          });
        this.inFlight.add(p);
      }
    }
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

export interface ChannelOptions {
  webhook?: string;
  file?: string;
  stdout?: boolean;
}

/** Channels from options, falling back to `FLOWDEX_ALERT_WEBHOOK` and `FLOWDEX_ALERT_FILE`. */
export function channelsOf(o: ChannelOptions, env: NodeJS.ProcessEnv = process.env): Channel[] {
  const webhook = o.webhook ?? env.FLOWDEX_ALERT_WEBHOOK;
  const file = o.file ?? env.FLOWDEX_ALERT_FILE;
  return [
    ...(webhook ? [webhookChannel(webhook)] : []),
    ...(file ? [fileChannel(file)] : []),
    ...(o.stdout ? [stdoutChannel()] : []),
  ];
}
