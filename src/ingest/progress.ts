import type { Counts } from './summary';

export interface ProgressState {
  counts: Counts;
  bytesRead: number;
  totalBytes?: number;
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** One progress line: bar and ETA when the total is known, else bytes and counts. Pure, for tests. */
export function progressLine(p: ProgressState, elapsedMs: number, width = 24): string {
  const rate = elapsedMs > 0 ? (p.counts.read * 1000) / elapsedMs : 0;
  const stats = `${p.counts.read} flows, ${Math.round(rate)} flows/s`;
  if (!p.totalBytes) return `${human(p.bytesRead)} read, ${stats}`;
  const frac = Math.min(1, p.bytesRead / p.totalBytes);
  const filled = Math.round(frac * width);
  const eta = frac > 0 ? (elapsedMs / frac - elapsedMs) / 1000 : Number.POSITIVE_INFINITY;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${human(p.bytesRead)}/${human(p.totalBytes)} ${stats}, ETA ${duration(eta)}`;
}

/**
 * Progress on stderr: on a terminal one line redrawn at most 4 times a second, otherwise a
 * log line every 10 seconds (logs of long runs stay readable).
 */
export class ProgressDisplay {
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly state: () => ProgressState,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    const tty = this.out.isTTY === true;
    this.timer = setInterval(() => this.draw(tty), tty ? 250 : 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.drawn && this.out.isTTY) this.out.write('\r\x1b[2K');
  }

  private draw(tty: boolean): void {
    const line = progressLine(this.state(), Date.now() - this.t0);
    this.drawn = true;
    this.out.write(tty ? `\r\x1b[2K${line.slice(0, (this.out.columns || 120) - 1)}` : `${line}\n`);
  }
}
