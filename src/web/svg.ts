import { formatBytes, formatCount } from './format';

/**
 * A tiny, pure SVG renderer for server-side charts. Every piece of text goes through `escapeXml`,
 * so the output is safe to embed in a page as is.
 */

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Point {
  /** Epoch ms. */
  t: number;
  v: number;
}

export interface TimeChartOptions {
  kind: 'area' | 'line' | 'bars';
  /** How y-axis labels read. @default "count" */
  unit?: 'bytes' | 'count';
  /** Accessible name of the chart. */
  title: string;
  /** Width of one step, so the last bar or point covers its interval. */
  stepMs?: number;
  /** @default 640 */
  width?: number;
  /** @default 180 */
  height?: number;
}

const PAD = { left: 56, right: 12, top: 10, bottom: 24 };

/** 0, then 3-6 round steps (1, 2, 5 × 10^n) up to at least `max`. */
export function niceTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step - 1e-9 * step; v += step) ticks.push(v);
  return ticks;
}

function timeLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs <= 2 * 86_400_000) return iso.slice(11, 16);
  return iso.slice(5, 10);
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A time series as an SVG line, area or bar chart with both axes labelled (times in UTC). */
export function timeChart(points: readonly Point[], o: TimeChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 180;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const label = o.unit === 'bytes' ? formatBytes : formatCount;
  const head = `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}"><title>${escapeXml(o.title)}</title>`;
  if (points.length === 0) {
    return `${head}<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`;
  }
  const step = o.stepMs ?? 0;
  const t0 = points[0]?.t ?? 0;
  const t1 = (points[points.length - 1]?.t ?? t0) + step;
  const span = Math.max(1, t1 - t0);
  const ticks = niceTicks(Math.max(...points.map((p) => p.v)));
  const top = ticks[ticks.length - 1] ?? 1;
  const x = (t: number): number => PAD.left + ((t - t0) / span) * plotW;
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const parts: string[] = [head];
  for (const v of ticks) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${num(y(v))}" y2="${num(y(v))}"/>`);
    parts.push(
      `<text class="axis" x="${PAD.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${escapeXml(label(v))}</text>`,
    );
  }
  const xTicks = 5;
  for (let i = 0; i <= xTicks; i++) {
    const t = t0 + (span * i) / xTicks;
    parts.push(
      `<text class="axis" x="${num(x(t))}" y="${height - 6}" text-anchor="${i === 0 ? 'start' : i === xTicks ? 'end' : 'middle'}">${escapeXml(timeLabel(t, span))}</text>`,
    );
  }
  if (o.kind === 'bars') {
    const w = Math.max(1, (step > 0 ? (step / span) * plotW : plotW / points.length) - 1);
    for (const p of points) {
      parts.push(
        `<rect class="bar" x="${num(x(p.t))}" y="${num(y(p.v))}" width="${num(w)}" height="${num(PAD.top + plotH - y(p.v))}"><title>${escapeXml(`${new Date(p.t).toISOString()}: ${label(p.v)}`)}</title></rect>`,
      );
    }
  } else {
    // Points sit in the middle of their interval.
    const mid = step / 2;
    const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p.t + mid))},${num(y(p.v))}`).join(' ');
    if (o.kind === 'area') {
      const first = points[0];
      const last = points[points.length - 1];
      if (first && last)
        parts.push(
          `<path class="area" d="${line} L${num(x(last.t + mid))},${num(y(0))} L${num(x(first.t + mid))},${num(y(0))} Z"/>`,
        );
    }
    parts.push(`<path class="line" d="${line}"/>`);
  }
  parts.push(
    `<line class="axis-line" x1="${PAD.left}" x2="${width - PAD.right}" y1="${num(y(0))}" y2="${num(y(0))}"/>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

/** One horizontal bar for a top-N table cell, `fraction` of the full width. */
export function barRow(fraction: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  return `<svg class="barrow" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect x="0" y="1" width="${num(f * 100)}" height="8"/></svg>`;
}
