/** Small helpers for reading network byte order fields out of buffers, shared by the binary decoders. */

/** Unsigned big-endian integer of 1–8 bytes; 8-byte counters beyond 2^53 lose precision (normalize rejects them). */
export function readUint(b: Buffer, o: number, n: number): number {
  switch (n) {
    case 1:
      return b[o] ?? 0;
    case 2:
      return b.readUInt16BE(o);
    case 4:
      return b.readUInt32BE(o);
    case 8:
      return b.readUInt32BE(o) * 4294967296 + b.readUInt32BE(o + 4);
    default: {
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + (b[o + i] ?? 0);
      return v;
    }
  }
}

export function ipv4String(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form: lower case, longest run of two or more zero groups compressed. */
export function ipv6String(b: Buffer, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(o + i * 2));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Text field: trailing NUL padding removed, non-printable content kept as latin1 would garble it, so utf8. */
export function readString(b: Buffer, o: number, n: number): string {
  let end = o + n;
  while (end > o && b[end - 1] === 0) end--;
  return b.toString('utf8', o, end);
}

/** Exporters pad datagrams with zeros after the last set; such a tail is not a damaged set. */
export function isZero(b: Buffer, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (b[i] !== 0) return false;
  return true;
}
