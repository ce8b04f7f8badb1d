import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { FlowdexError } from '../errors';

/** How often a user database file is checked for a newer version. @default 5000 */
export const WATCH_INTERVAL_MS = 5000;

function load(file: string, role: string): Reader<Response> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `${role} database ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file },
    );
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b)
    throw new FlowdexError('CONFIG_INVALID', `${role} database ${file} is gzip-compressed; unpack it to a .mmdb file`, {
      file,
    });
  try {
    return new Reader<Response>(buf);
  } catch (e) {
    throw new FlowdexError(
      'CONFIG_INVALID',
      `${role} database ${file} is not a MaxMind DB (.mmdb) file: ${(e as Error).message}`,
      { file },
    );
  }
}

/**
 * An MMDB file (MaxMind GeoLite2/GeoIP2, IPinfo, DB-IP, ip-location-db): read at start-up, where a
 * missing or damaged file is an error naming it; with `watch`, swapped for the new version when
 * the file changes. A new version that fails to load leaves the old one in use and is reported.
 */
export class MmdbFile {
  private reader: Reader<Response>;
  private readonly listener?: (cur: Stats, prev: Stats) => void;
  /** Told after a new version was swapped in (the enricher forgets its cached answers). */
  onReload?: () => void;

  constructor(
    readonly file: string,
    readonly role: string,
    o: { watch?: boolean; intervalMs?: number; onReload?: (error?: FlowdexError) => void } = {},
  ) {
    this.reader = load(file, role);
    if (o.watch) {
      this.listener = (cur, prev) => {
        if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
        if (cur.size === 0) return; // removed or being rewritten; the next change brings it back
        try {
          this.reader = load(file, role);
          this.onReload?.();
          o.onReload?.();
        } catch (e) {
          o.onReload?.(e as FlowdexError);
        }
      };
      watchFile(file, { persistent: false, interval: o.intervalMs ?? WATCH_INTERVAL_MS }, this.listener);
    }
  }

  get(ip: string): Response | null {
    return this.reader.get(ip);
  }

  close(): void {
    if (this.listener) unwatchFile(this.file, this.listener);
  }
}

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (v !== null && typeof v === 'object' ? (v as Rec) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** The geo part of a record in the layouts in use: MaxMind (`country.iso_code`, `city.names.en`, `location`), ip-location-db / DB-IP (`country_code`, `city`, `latitude`), IPinfo (`country`, `city`, `lat`/`lng`). */
export function geoOf(r: Response): { country?: string; city?: string; lat?: number; lon?: number } {
  const rec = r as unknown as Rec;
  const country = str(obj(rec.country)?.iso_code) ?? str(rec.country_code) ?? str(rec.country);
  const city = str(obj(obj(rec.city)?.names)?.en) ?? str(rec.city);
  const loc = obj(rec.location);
  const lat = num(loc?.latitude) ?? num(rec.latitude) ?? num(rec.lat);
  const lon = num(loc?.longitude) ?? num(rec.longitude) ?? num(rec.lng) ?? num(rec.lon);
  return {
    ...(country !== undefined ? { country: country.toUpperCase() } : {}),
    ...(city !== undefined ? { city } : {}),
    ...(lat !== undefined && lon !== undefined ? { lat, lon } : {}),
  };
}

/** The AS part: MaxMind/ip-location-db (`autonomous_system_number`/`_organization`) or IPinfo (`asn: "AS15169"`, `as_name`/`name`). */
export function asOf(r: Response): { number?: number; organization?: string } {
  const rec = r as unknown as Rec;
  const raw = rec.autonomous_system_number ?? rec.asn;
  const number = typeof raw === 'string' ? num(raw.replace(/^AS/i, '')) : num(raw);
  const organization =
    str(rec.autonomous_system_organization) ?? str(rec.as_name) ?? str(rec.name) ?? str(rec.organization);
  return {
    ...(number !== undefined && number > 0 ? { number } : {}),
    ...(organization !== undefined ? { organization } : {}),
  };
}
