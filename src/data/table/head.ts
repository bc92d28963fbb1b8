import { headerEnd, sniffDelimiter, type Delimiter, type HeaderScan } from './sniff';

/**
 * Holds a file's first bytes until its header line is complete, so the delimiter can be sniffed
 * from the whole header; drops a UTF-8 byte-order mark (EF BB BF), which spreadsheets write.
 */
export class HeadReader {
  /** Set once the header is complete (or the file ended). */
  delimiter: Delimiter | undefined;
  private held: Uint8Array[] = [];
  private bytes = 0;
  private scan: HeaderScan = { quoted: false, content: false };
  private bomChecked = false;

  constructor(
    private readonly fileName: string,
    private readonly given: Delimiter | undefined,
  ) {}

  /** Takes the next chunk; returns every byte held so far once the header line is complete, else null. */
  push(chunk: Uint8Array): Uint8Array | null {
    this.held.push(chunk);
    this.bytes += chunk.length;
    if (!this.bomChecked) {
      // Wait for three bytes: a mark split over chunks is still a mark.
      if (this.bytes < 3) return null;
      this.bomChecked = true;
      const start = concat(this.held);
      const bom = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf;
      this.held = [bom ? start.subarray(3) : start];
      chunk = this.held[0];
    }
    const found = headerEnd(chunk, this.scan);
    this.scan = found.scan;
    return found.end >= 0 ? this.release() : null;
  }

  /** The file ended: every byte held, the header complete or not. */
  finish(): Uint8Array {
    return this.release();
  }

  private release(): Uint8Array {
    const all = concat(this.held);
    this.held = [];
    const end = headerEnd(all, { quoted: false, content: false }).end;
    this.delimiter = this.given ?? sniffDelimiter(all.subarray(0, end < 0 ? all.length : end), this.fileName);
    return all;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
