/**
 * TCP flags as nfdump writes them: letters for the bits, most significant first `CEUAPRSF`,
 * and `X` for all six classic flags (`UAPRSF`). A filter on letters asks for flows with at least
 * those bits set; OpenSearch has no bitwise query, so that becomes the list of the flag values
 * that contain them (at most 256).
 */

const LETTERS = 'CEUAPRSF';
const ALL_CLASSIC = 0x3f;

/** The bit mask of letters such as `SA` or `X`; undefined when a character is not a flag letter. */
export function flagMask(letters: string): number | undefined {
  if (letters === '') return undefined;
  let mask = 0;
  for (const c of letters) {
    if (c === 'X') mask |= ALL_CLASSIC;
    else {
      const i = LETTERS.indexOf(c);
      if (i < 0) return undefined;
      mask |= 0x80 >> i;
    }
  }
  return mask;
}

/** Every 8-bit flag value that has all bits of `mask` set, ascending. */
export function valuesWithFlags(mask: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if ((v & mask) === mask) out.push(v);
  return out;
}

/** The mask whose `valuesWithFlags` is exactly `values`, when there is one (mask 0 excluded). */
export function maskOfValues(values: readonly (string | number)[]): number | undefined {
  if (values.length === 0 || values.length > 128 || !values.every((v) => typeof v === 'number')) return undefined;
  const mask = (values as number[]).reduce((m, v) => m & v, 0xff);
  if (mask === 0) return undefined;
  const expected = valuesWithFlags(mask);
  const given = [...(values as number[])].sort((a, b) => a - b);
  return expected.length === given.length && expected.every((v, i) => v === given[i]) ? mask : undefined;
}

/** Letters for a mask, nfdump's order (`AS` for 0x12); `X` is not used on output. */
export function maskLetters(mask: number): string {
  let out = '';
  for (let i = 0; i < 8; i++) if (mask & (0x80 >> i)) out += LETTERS[i];
  return out;
}

/** nfdump's 8-character flag column: `...AP.SF` for 0x1b. */
export function flagColumn(value: number): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += value & (0x80 >> i) ? LETTERS[i] : '.';
  return out;
}
