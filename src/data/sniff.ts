import { DataError } from './errors';
import { sniffImage } from './images/sniff';

/** Bytes looked at to tell what a file is: enough for every signature and to tell UTF-16 from binary. */
export const SNIFF_BYTES = 4096;

/** What a file's first bytes say it is, whatever its name says. */
export type FileKind =
  | { readonly kind: 'zip' }
  /** `what`: "a PNG image", "a TIFF image"… */
  | { readonly kind: 'image'; readonly what: string }
  /** `what`: "a PDF document"…; `hint`: what to do about it, when there is something to do. */
  | { readonly kind: 'binary'; readonly what: string; readonly hint?: string }
  /** Text: the mark to skip, and UTF-16's byte order (found by the mark, or by a NUL in every other byte). */
  | { readonly kind: 'text'; readonly form: 'utf-8' | 'utf-16le' | 'utf-16be'; readonly mark: number };

const DECOMPRESS = 'decompress it and drop the file inside';
const SAVE_CSV = 'open it in its spreadsheet program and save the sheet as CSV';

// Formats people drop by mistake, by their first bytes (at `at`, default 0), and what to call them.
const SIGNATURES: readonly { bytes: readonly number[] | string; at?: number; what: string; hint?: string }[] = [
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file', hint: DECOMPRESS },
  { bytes: '%PDF-', what: 'a PDF document' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Office file (such as an Excel .xls workbook)', hint: SAVE_CSV },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive', hint: 'unpack it and drop what is inside (or re-pack it as a .zip)' },
  { bytes: 'Rar!\x1a\x07', what: 'a RAR archive', hint: 'unpack it and drop what is inside (or re-pack it as a .zip)' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file', hint: DECOMPRESS },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a Zstandard-compressed file', hint: DECOMPRESS },
  { bytes: 'ustar', at: 257, what: 'a tar archive', hint: 'unpack it and drop the folder (or re-pack it as a .zip)' },
  { bytes: 'PAR1', what: 'a Parquet file', hint: 'export it as CSV' },
  { bytes: 'SQLite format 3\0', what: 'an SQLite database', hint: 'export a table as CSV' },
  { bytes: '\x93NUMPY', what: 'a NumPy array file (.npy)', hint: 'save it as CSV' },
  { bytes: '\x89HDF\r\n\x1a\n', what: 'an HDF5 file', hint: 'export it as CSV' },
  { bytes: '\x7fELF', what: 'a program (ELF executable)' },
  { bytes: 'MZ', what: 'a Windows program' },
];

const matches = (b: Uint8Array, bytes: readonly number[] | string, at = 0) =>
  b.length >= at + bytes.length && [...bytes].every((x, i) => b[at + i] === (typeof x === 'string' ? x.charCodeAt(0) : x));

const IMAGE_NAMES: Record<string, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/bmp': 'BMP', 'image/webp': 'WebP' };

/** What the first bytes of a file (at least SNIFF_BYTES of them, or the whole file) say it is; a zip by a local header or the end record of an empty zip. */
export function sniffFile(b: Uint8Array): FileKind {
  if (b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6))) return { kind: 'zip' };
  const image = sniffImage(b);
  if (image.kind === 'image') return { kind: 'image', what: `a ${IMAGE_NAMES[image.mime]} image` };
  if (image.kind === 'unsupported') return { kind: 'image', what: `a ${image.format} image` };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { kind: 'text', form: 'utf-8', mark: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { kind: 'text', form: 'utf-16le', mark: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { kind: 'text', form: 'utf-16be', mark: 2 };
  // "MZ" alone is two letters a table may start with: a Windows program also has its "PE" header offset at 60.
  const signature = SIGNATURES.find((s) => matches(b, s.bytes, s.at) && (s.bytes !== 'MZ' || hasPeHeader(b)));
  if (signature) return { kind: 'binary', what: signature.what, ...(signature.hint ? { hint: signature.hint } : {}) };
  const head = b.subarray(0, SNIFF_BYTES);
  const pairs = head.length >> 1;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  // Mostly ASCII text in UTF-16: the high byte of most characters is 0, the low byte never.
  if (pairs >= 2 && evenNul === 0 && oddNul >= pairs / 4) return { kind: 'text', form: 'utf-16le', mark: 0 };
  if (pairs >= 2 && oddNul === 0 && evenNul >= pairs / 4) return { kind: 'text', form: 'utf-16be', mark: 0 };
  if (evenNul + oddNul > 0 || (head.length & 1 && head[head.length - 1] === 0)) {
    return { kind: 'binary', what: `a binary file (it holds NUL bytes in its first ${head.length.toLocaleString('en-US')} bytes, which text never does)` };
  }
  return { kind: 'text', form: 'utf-8', mark: 0 };
}

function hasPeHeader(b: Uint8Array): boolean {
  const at = b.length >= 64 ? b[60] | (b[61] << 8) | (b[62] << 16) : -1;
  return at > 0 && matches(b, 'PE\0\0', at);
}

/** What a file's name promises, for messages: "a CSV table", "a zip archive"… */
function promised(name: string): string {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'csv') return 'a CSV table';
  if (ext === 'tsv' || ext === 'tab') return 'a TSV table';
  if (ext === 'zip') return 'a zip archive';
  return 'a table (CSV or TSV)';
}

const TABLE_NAME = /\.(csv|tsv|tab|txt)$/i;
const ZIP_NAME = /\.zip$/i;
const WORKBOOK_NAME = /\.(xlsx|xlsm|ods|numbers)$/i;

/**
 * A file that is not what its name says, or not what the studio reads: the message says what it is
 * ("data.csv is a PNG image, not a CSV table: …"), not what failed when it was read as one.
 */
export class FileKindError extends DataError {
  constructor(file: string, problem: string) {
    super(file, problem);
    this.message = `${file} ${problem}`;
  }
}

/** The error for a file of kind `kind` that was to be read as what its name promises. */
export function wrongKind(file: string, kind: Exclude<FileKind, { kind: 'text' }>): FileKindError {
  const named = promised(file);
  if (kind.kind === 'zip') {
    return WORKBOOK_NAME.test(file)
      ? new FileKindError(file, `is a spreadsheet workbook, not ${named}: ${SAVE_CSV}`)
      : new FileKindError(file, `is a zip archive, not ${named} (an Excel .xlsx workbook is a zip too: ${SAVE_CSV}; a zip of image folders: name it .zip)`);
  }
  const hint = kind.kind === 'binary' && kind.hint ? `: ${kind.hint}` : '';
  return new FileKindError(file, `is ${kind.what}, not ${named}${hint}`);
}

/**
 * How the studio reads one dropped file, from its first bytes before its name: a zip (of image
 * folders), or text read as a table. Anything else is a FileKindError saying what the file is.
 */
export function routeFile(name: string, head: Uint8Array): 'table' | 'zip' {
  const kind = sniffFile(head);
  if (kind.kind === 'text') {
    if (ZIP_NAME.test(name)) throw new FileKindError(name, 'is a text file, not a zip archive: if it is a table, name it .csv or .tsv');
    return 'table';
  }
  if (kind.kind === 'zip' && !TABLE_NAME.test(name) && !WORKBOOK_NAME.test(name)) return 'zip';
  if (kind.kind === 'image') {
    // The studio reads images from class folders: say how to give it this one.
    const what = TABLE_NAME.test(name) || ZIP_NAME.test(name) ? `is ${kind.what}, not ${promised(name)}` : `is ${kind.what}, and one image is not a dataset`;
    throw new FileKindError(name, `${what}: put it with other images in class folders (one subfolder per class) and drop the folder, or a zip of it`);
  }
  throw wrongKind(name, kind);
}
