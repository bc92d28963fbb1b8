import { DataError } from '../errors';
import { headerEnd, sniffDelimiter, type Delimiter, type HeaderScan } from './sniff';
import { concat } from './start';

/** Bytes the header line may take: a file with no line break in them is not a table. */
export const MAX_HEADER_BYTES = 8 * 2 ** 20;

/**
 * Holds a file's first bytes until its header line is complete, so the delimiter can be sniffed
 * from the whole header. Holds at most MAX_HEADER_BYTES: a file without a line break (a binary
 * blob, one huge cell) is refused there, not held whole.
 */
export class HeadReader {
  /** Set once the header is complete (or the file ended). */
  delimiter: Delimiter | undefined;
  private held: Uint8Array[] = [];
  private bytes = 0;
  private scan: HeaderScan = { quoted: false, content: false };

  constructor(
    private readonly fileName: string,
    private readonly given: Delimiter | undefined,
  ) {}

  /**
   * Takes the next chunk; returns every byte held so far once the header line is complete, else
   * null. A chunk held past the call is a copy: the caller may refill its buffer.
   */
  push(chunk: Uint8Array): Uint8Array | null {
    // Only the bytes within the bound are searched; past it, the file is refused.
    const within = chunk.subarray(0, MAX_HEADER_BYTES - this.bytes);
    this.held.push(chunk);
    this.bytes += chunk.length;
    const found = headerEnd(within, this.scan);
    this.scan = found.scan;
    if (found.end >= 0) return this.release();
    if (this.bytes >= MAX_HEADER_BYTES) {
      const inQuotes = this.scan.quoted ? ' outside quotes (a quote opened in the header is never closed?)' : '';
      throw new DataError(this.fileName, `no line break${inQuotes} in the first ${MAX_HEADER_BYTES / 2 ** 20} MiB: is this a CSV or TSV table?`, 'row 1');
    }
    this.held[this.held.length - 1] = chunk.slice();
    return null;
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
