/** How a table's bytes become text: UTF-8 (checked), or Latin-1 for files saved by older tools. */
export type TableEncoding = 'utf-8' | 'latin1';

// The platform's UTF-8 decoder: native, linear in the bytes (a string built character by character
// took 14 s and 1.7 GB for a 50 MiB cell). Fatal: invalid UTF-8 throws rather than becoming U+FFFD.
// A mark at a cell's start is the cell's own text: the file's mark is dropped before parsing.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Windows-1252 in 0x80–0x9F, where ISO-8859-1 has control codes: files called "Latin-1" are almost
// always Windows-1252 (curly quotes, €), and browsers decode the label "latin1" the same way.
// Decoded here, not by TextDecoder('windows-1252'): Node 20's reads those bytes as ISO-8859-1.
const CP1252 = Uint16Array.from({ length: 256 }, (_, c) => c);
CP1252.set(
  [
    0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d,
    0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
  ],
  0x80,
);

// Code units passed to one String.fromCharCode call: a bounded spread, far below the stack's limit.
const PIECE = 4096;

/** Decodes bytes [start, end) as Latin-1 (Windows-1252); every byte is a character. */
function decodeLatin1(b: Uint8Array, start: number, end: number): string {
  // Plain ASCII, the common case, reads the same in both encodings: the native decoder takes it.
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = b[i] < 0x80;
  if (ascii) return utf8.decode(b.subarray(start, end));
  const units = new Uint16Array(Math.min(PIECE, end - start));
  const pieces: string[] = [];
  for (let at = start; at < end; at += PIECE) {
    const n = Math.min(PIECE, end - at);
    for (let k = 0; k < n; k++) units[k] = CP1252[b[at + k]];
    pieces.push(String.fromCharCode(...units.subarray(0, n)));
  }
  return pieces.join('');
}

/** Decodes with `encoding`; null when UTF-8 was asked for and the bytes are not UTF-8. */
export function decode(encoding: TableEncoding, b: Uint8Array, start: number, end: number): string | null {
  if (encoding === 'latin1') return decodeLatin1(b, start, end);
  try {
    return utf8.decode(b.subarray(start, end));
  } catch {
    return null;
  }
}
