import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { formatBytes, formatCount, formatDurationNs, formatMetric, formatNumber, formatTime } from './format';
import { barRow, timeChart, type TimeChartOptions, type Point } from './svg';
import type { PartialResults } from '../store/deadline';

/** What every page passes to the layout besides its own model. */
export interface LayoutModel {
  title: string;
  /** Nav entry to highlight. */
  nav: 'search' | 'reports' | 'saved' | 'alerts' | 'status' | 'none';
  csrf: string;
  /** The current query and range, kept when moving between pages. */
  form: { q: string; from: string; to: string };
  /** Set when some shards did not answer the page's searches. */
  partial?: PartialResults;
}

/** A chart for the `chart` helper: rendered by svg.ts, whose output escapes every text. */
export interface ChartModel extends TimeChartOptions {
  points: Point[];
}

export interface Views {
  render<M extends object>(page: string, model: LayoutModel & M): string;
}

/** `views/` next to `src/` (ts-jest) or next to `dist/` (built). */
export function viewsDir(): string {
  const candidates = [path.resolve(__dirname, '../../views'), path.resolve(__dirname, '../../../views')];
  return candidates.find((d) => existsSync(path.join(d, 'layout.hbs'))) ?? (candidates[0] as string);
}

function numberArg(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

/** `{{url "/" q=form.q from=form.from}}`: a path with the non-empty parameters, encoded. */
function urlHelper(base: unknown, options: Handlebars.HelperOptions): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.hash as Record<string, unknown>)) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- handlebars hash values are scalars
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${String(base)}?${qs}` : String(base);
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('bytes', (v: unknown) => formatBytes(numberArg(v)));
  hb.registerHelper('count', (v: unknown) => formatCount(numberArg(v)));
  hb.registerHelper('number', (v: unknown) => formatNumber(numberArg(v)));
  hb.registerHelper('time', (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? formatTime(v) : ''));
  hb.registerHelper('duration', (v: unknown) => (typeof v === 'number' ? formatDurationNs(v) : ''));
  hb.registerHelper('metric', (col: unknown, v: unknown) =>
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- report cells are scalars
    typeof v === 'number' ? formatMetric(String(col), v) : v === null || v === undefined ? '—' : String(v),
  );
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('url', urlHelper);
  // The only raw HTML a template emits: SVG whose text svg.ts has escaped.
  hb.registerHelper('chart', (c: ChartModel) => new hb.SafeString(timeChart(c.points, c)));
  hb.registerHelper('bar', (fraction: unknown) => new hb.SafeString(barRow(numberArg(fraction))));
}

/** Compiles the layout, partials and pages of `dir` once, into an environment of their own. */
export function loadViews(dir: string = viewsDir()): Views {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const read = (file: string): string => readFileSync(path.join(dir, file), 'utf8');
  for (const f of readdirSync(path.join(dir, 'partials'))) {
    if (f.endsWith('.hbs')) hb.registerPartial(f.slice(0, -4), read(path.join('partials', f)));
  }
  const compile = (file: string): Handlebars.TemplateDelegate => hb.compile(read(file), { strict: false });
  const layout = compile('layout.hbs');
  const pages = new Map<string, Handlebars.TemplateDelegate>();
  for (const f of readdirSync(path.join(dir, 'pages'))) {
    if (f.endsWith('.hbs')) pages.set(f.slice(0, -4), compile(path.join('pages', f)));
  }
  return {
    render(page, model) {
      const template = pages.get(page);
      if (template === undefined) throw new Error(`no view "${page}"`);
      return layout({ ...model, body: new hb.SafeString(template(model)) });
    },
  };
}
