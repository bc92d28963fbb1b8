/** How a table's bytes become text: UTF-8 (checked), or Latin-1 for files saved by older tools. */
export type TableEncoding = 'utf-8' | 'latin1';

/** Decodes bytes [start, end) to a string, or returns null when they are not valid UTF-8. */
function decodeUtf8(b: Uint8Array, start: number, end: number): string | null {
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the smallest code point that length may
    // encode (a smaller one is an overlong form, which UTF-8 forbids).
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= end) return null;
    let cp = c & (0x3f >> need);
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    for (let k = 1; k <= need; k++) {
      const cont = b[i + k];
      if ((cont & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (cont & 0x3f);
    }
    // Surrogate halves and code points past U+10FFFF are not characters.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

// Windows-1252 in 0x80–0x9F, where ISO-8859-1 has control codes: files called "Latin-1" are almost
// always Windows-1252 (curly quotes, €), and browsers decode the label "latin1" the same way.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Decodes bytes [start, end) as Latin-1 (Windows-1252); every byte is a character. */
function decodeLatin1(b: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = b[i];
    out += String.fromCharCode(c >= 0x80 && c <= 0x9f ? CP1252_HIGH[c - 0x80] : c);
  }
  return out;
}

/** Decodes with `encoding`; null when UTF-8 was asked for and the bytes are not UTF-8. */
export function decode(encoding: TableEncoding, b: Uint8Array, start: number, end: number): string | null {
  return encoding === 'latin1' ? decodeLatin1(b, start, end) : decodeUtf8(b, start, end);
}
