/**
 * Fast numeric forms of textual addresses for range and prefix tests on the ingest path
 * (node:net's BlockList costs ~15 µs a check, far too slow per flow).
 */

/** Dotted-quad IPv4 → unsigned 32-bit number; undefined when it is not one. */
export function parseIpv4(ip: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/** IPv6 (any textual form, embedded IPv4 too) → its eight 16-bit words; undefined when invalid. */
export function parseIpv6(ip: string): number[] | undefined {
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = words(halves[0] as string);
  const tail = halves.length === 2 ? words(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** A CIDR block in numeric form; IPv6 blocks compare their eight words. */
export interface Prefix {
  version: 4 | 6;
  /** IPv4: the network as a number. IPv6: the network's words. */
  v4: number;
  v6: number[];
  length: number;
  text: string;
}

/** `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128); undefined when invalid. */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) return undefined;
  const v4 = parseIpv4(addr);
  if (v4 !== undefined) {
    const length = lenText === undefined ? 32 : Number(lenText);
    if (length > 32) return undefined;
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    return { version: 4, v4: (v4 & mask) >>> 0, v6: [], length, text };
  }
  const v6 = parseIpv6(addr);
  if (v6 === undefined) return undefined;
  const length = lenText === undefined ? 128 : Number(lenText);
  if (length > 128) return undefined;
  const masked = v6.map((w, i) => {
    const bits = Math.max(0, Math.min(16, length - i * 16));
    return bits === 0 ? 0 : w & ((0xffff << (16 - bits)) & 0xffff);
  });
  return { version: 6, v4: 0, v6: masked, length, text };
}

/** A parsed address: the form `contains` takes. */
export type ParsedIp = { version: 4; v4: number } | { version: 6; v6: number[] };

export function parseIp(ip: string): ParsedIp | undefined {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return { version: 4, v4 };
  const v6 = parseIpv6(ip);
  return v6 === undefined ? undefined : { version: 6, v6 };
}

export function contains(p: Prefix, ip: ParsedIp): boolean {
  if (p.version !== ip.version) return false;
  if (ip.version === 4) {
    const mask = p.length === 0 ? 0 : (0xffffffff << (32 - p.length)) >>> 0;
    return (ip.v4 & mask) >>> 0 === p.v4;
  }
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, p.length - i * 16));
    if (bits === 0) return true;
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((ip.v6[i] as number) & mask) !== p.v6[i]) return false;
  }
  return true;
}

/** One text form per address (IPv6 lower case, longest zero run compressed: RFC 5952); undefined when invalid. */
export function canonicalIp(ip: string): string | undefined {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  const w = parseIpv6(ip);
  if (w === undefined) return undefined;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
