import { DataError } from '../errors';
import { SNIFF_BYTES, sniffFile, wrongKind, type FileKind } from '../sniff';

/** Bytes looked at before anything is parsed: enough to tell a binary file or UTF-16 text. */
export const START_BYTES = SNIFF_BYTES;

/** How the file's text is stored, from its first bytes: the mark to skip, and UTF-16's byte order. */
export type TextForm = Pick<Extract<FileKind, { kind: 'text' }>, 'form' | 'mark'>;

/**
 * What the file's first bytes say: a byte-order mark (UTF-8, or UTF-16 either way), UTF-16 without
 * a mark, or plain bytes. A file that is not text is a DataError saying what it is, so that a PNG
 * renamed .csv is not reported as a bad row or bad UTF-8.
 */
export function detectText(file: string, b: Uint8Array): TextForm {
  const kind = sniffFile(b);
  if (kind.kind !== 'text') throw wrongKind(file, kind);
  return kind;
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
