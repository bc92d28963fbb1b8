import { DataError } from '../errors';

/** Bytes looked at before anything is parsed: enough to tell a binary file or UTF-16 text. */
export const START_BYTES = 4096;

// Formats people drop by mistake, by their first bytes, and what to call them.
const SIGNATURES: readonly { bytes: readonly number[]; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (an Excel .xlsx or OpenDocument .ods workbook is one too: save the sheet as CSV)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty zip archive' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file (decompress it first)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Office file, such as an Excel .xls workbook (save the sheet as CSV)' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file (decompress it first)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a Zstandard-compressed file (decompress it first)' },
];

/** How the file's text is stored, from its first bytes: the mark to skip, and UTF-16's byte order. */
export type TextForm = { readonly form: 'utf-8' | 'utf-16le' | 'utf-16be'; readonly mark: number };

/**
 * What the file's first bytes say: a byte-order mark (UTF-8, or UTF-16 either way), UTF-16 without
 * a mark (ASCII text has a NUL in every other byte), or plain bytes. A binary file is a DataError
 * naming what it looks like, so that a PNG renamed .csv is not reported as a bad row or bad UTF-8.
 */
export function detectText(file: string, b: Uint8Array): TextForm {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { form: 'utf-8', mark: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { form: 'utf-16le', mark: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { form: 'utf-16be', mark: 2 };
  const signature = SIGNATURES.find((s) => s.bytes.length <= b.length && s.bytes.every((byte, i) => b[i] === byte));
  if (signature) throw binary(file, `it starts like ${signature.what}`);
  const pairs = b.length >> 1;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  // Mostly ASCII text in UTF-16: the high byte of most characters is 0, the low byte never.
  if (pairs >= 2 && evenNul === 0 && oddNul >= pairs / 4) return { form: 'utf-16le', mark: 0 };
  if (pairs >= 2 && oddNul === 0 && evenNul >= pairs / 4) return { form: 'utf-16be', mark: 0 };
  if (evenNul + oddNul > 0 || (b.length & 1 && b[b.length - 1] === 0)) {
    throw binary(file, `it holds NUL bytes in its first ${b.length.toLocaleString('en-US')} bytes, which text never does`);
  }
  return { form: 'utf-8', mark: 0 };
}

function binary(file: string, why: string): DataError {
  return new DataError(file, `the file is binary, not a text table (CSV or TSV): ${why}`);
}

/**
 * The file's bytes as the parser reads them: the first START_BYTES held until detectText has seen
 * them, the byte-order mark dropped, and UTF-16 turned into UTF-8 chunk by chunk (the parser works
 * on UTF-8 bytes; one chunk's text is held at a time, never the file's).
 */
export class TextStart {
  /** Known once the first bytes are in; until then undefined. */
  form: TextForm['form'] | undefined;
  private held: Uint8Array[] = [];
  private bytes = 0;
  private utf16: TextDecoder | null = null;
  private readonly encoder = new TextEncoder();

  constructor(private readonly file: string) {}

  /** The next chunk, as UTF-8 bytes to parse: empty while the first bytes are held (a copy: the caller may refill its buffer). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.form === undefined) {
      this.bytes += chunk.length;
      if (this.bytes < START_BYTES) {
        this.held.push(chunk.slice());
        return new Uint8Array(0);
      }
      this.held.push(chunk);
      return this.start();
    }
    return this.utf16 ? this.transcode(chunk, true) : chunk;
  }

  /** The file ended: what is still held or half-decoded. */
  finish(): Uint8Array {
    if (this.form === undefined) return this.start();
    return this.utf16 ? this.transcode(new Uint8Array(0), false) : new Uint8Array(0);
  }

  private start(): Uint8Array {
    const all = concat(this.held);
    this.held = [];
    const { form, mark } = detectText(this.file, all.subarray(0, START_BYTES));
    this.form = form;
    if (form !== 'utf-8') this.utf16 = new TextDecoder(form, { fatal: true, ignoreBOM: true });
    const body = all.subarray(mark);
    return this.utf16 ? this.transcode(body, true) : body;
  }

  private transcode(chunk: Uint8Array, more: boolean): Uint8Array {
    try {
      return this.encoder.encode(this.utf16!.decode(chunk, { stream: more }));
    } catch {
      throw new DataError(
        this.file,
        `the file looks like ${this.form === 'utf-16le' ? 'UTF-16 (little-endian)' : 'UTF-16 (big-endian)'} text, but is not valid UTF-16`,
      );
    }
  }
}

/** The parts joined into one array (the part itself when there is one). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
