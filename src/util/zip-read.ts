import { formatBytes } from './bytes';
import { crc32, inflateExact, InflateError } from './gzip';

/**
 * The one zip reader, for run archives (src/store/archive.ts) and image zips (src/data/images/zip.ts).
 * Everything is checked against the central directory before anything is inflated: the entry
 * count, names (UTF-8, or code page 437 when unflagged), each entry's and the total declared size,
 * names given twice. Each entry is then read on demand into a buffer of exactly its declared size,
 * inflation stopping where it would pass it, and its CRC-32 verified. What to do with encrypted or
 * unknown-method entries (refuse, skip), and which names belong, the callers decide.
 */

/** Random access to a zip's bytes: the archive in memory (its stored entries are views into it), or a Blob read in slices. */
export interface ZipBytes {
  readonly size: number;
  /** Bytes [from, to), fewer past the end. */
  read(from: number, to: number): Promise<Uint8Array>;
}

/** A zip held in memory: reads are views, never copies. */
export function bytesZip(bytes: Uint8Array): ZipBytes {
  return { size: bytes.length, read: async (from, to) => bytes.subarray(from, to) };
}

/** A zip in a Blob (a dropped file): only the directory and the entries asked for are read. */
export function blobZip(blob: Blob): ZipBytes {
  return { size: blob.size, read: async (from, to) => new Uint8Array(await blob.slice(from, to).arrayBuffer()) };
}

/** What a zip may declare before anything of it is inflated. */
export interface ZipLimits {
  /** Bytes one entry unpacks to. */
  readonly entryBytes: number;
  /** Bytes all entries unpack to, together. */
  readonly totalBytes: number;
  /** Entries, folders included. */
  readonly entries: number;
}

/** One entry as the central directory describes it. */
export interface ZipEntry {
  /** The name as stored: '/'-separated by convention, a folder's ending in '/'. */
  readonly name: string;
  readonly folder: boolean;
  /** Why the entry cannot be read ('encrypted', or an unknown compression); absent when it can. */
  readonly unreadable?: string;
  /** Bytes it declares unpacked. */
  readonly size: number;
  /** Its bytes: exactly the declared size, CRC-32 checked; a ZipError otherwise. */
  read(): Promise<Uint8Array>;
}

/**
 * A zip refused, or an entry that cannot be read: `entry` names it (null: the zip as a whole), and
 * `damaged` tells a corrupt entry (the rest of the zip may be fine) from one that passes its
 * declared size or a limit (hostile, or not for this reader).
 */
export class ZipError extends Error {
  constructor(
    readonly entry: string | null,
    readonly problem: string,
    readonly damaged = false,
  ) {
    super(entry === null ? problem : `'${entry}' ${problem}`);
    this.name = 'ZipError';
  }
}

// Record signatures of the zip format (PKWARE APPNOTE 4.3).
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) plus the longest comment may follow the central directory. */
const TAIL = 22 + 0xffff;

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => u16(b, at) + u16(b, at + 2) * 0x10000;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

/** A central directory record. */
interface Record {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  packed: number;
  size: number;
  offset: number;
}

/**
 * The zip's entries, checked against `limits` from its directory alone. `accept` picks the file
 * entries that count (the others are left out unchecked, and not returned); folders are always
 * returned, unreadable entries too (not counted against the sizes: they are never inflated).
 */
export async function openZip(zip: ZipBytes, limits: ZipLimits, accept: (name: string) => boolean = () => true): Promise<ZipEntry[]> {
  const records = await centralDirectory(zip, limits);
  const seen = new Set<string>();
  let total = 0;
  const entries: ZipEntry[] = [];
  for (const r of records) {
    const folder = r.name.endsWith('/') || r.name.endsWith('\\');
    if (!folder && !accept(r.name)) continue;
    const unreadable = folder
      ? undefined
      : r.flags & 1
        ? 'encrypted'
        : r.method !== 0 && r.method !== 8
          ? `compressed with method ${r.method}; only stored and deflated entries are read`
          : undefined;
    if (!folder && !unreadable) {
      if (seen.has(r.name)) throw new ZipError(r.name, 'appears twice in the zip');
      seen.add(r.name);
      if (r.size > limits.entryBytes)
        throw new ZipError(r.name, `unpacks to ${formatBytes(r.size)}, over the ${formatBytes(limits.entryBytes)} limit for one file`);
      total += r.size;
      if (total > limits.totalBytes) throw new ZipError(null, `its files unpack to more than the ${formatBytes(limits.totalBytes)} limit`);
    }
    entries.push({ name: r.name, folder, unreadable, size: r.size, read: () => entryData(zip, r) });
  }
  return entries;
}

/** The central directory's records (zip64 included). */
async function centralDirectory(zip: ZipBytes, limits: ZipLimits): Promise<Record[]> {
  const damaged = (what: string) => new ZipError(null, `not a readable zip archive (${what})`);
  const tailStart = Math.max(0, zip.size - TAIL);
  const tail = await zip.read(tailStart, zip.size);
  // The end record is the one whose comment runs exactly to the end of the file (a comment may hold its signature).
  let end = tail.length - 22;
  while (end >= 0 && (u32(tail, end) !== EOCD || u16(tail, end + 20) !== tail.length - end - 22)) end--;
  if (end < 0) throw damaged('no end of central directory');
  let count = u16(tail, end + 10);
  let size = u32(tail, end + 12);
  let offset = u32(tail, end + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = await zip.read(tailStart + end - 20, tailStart + end);
    if (tailStart + end < 20 || locator.length < 20 || u32(locator, 0) !== LOCATOR64) throw damaged('no zip64 locator');
    const at = u64(locator, 8);
    const record = await zip.read(at, at + 56);
    if (record.length < 56 || u32(record, 0) !== EOCD64) throw damaged('no zip64 end record');
    count = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
  }
  if (count > limits.entries) throw new ZipError(null, `${count} entries, more than the limit of ${limits.entries}`);
  if (offset + size > zip.size) throw damaged('the central directory runs past the end');
  const cd = await zip.read(offset, offset + size);
  const records: Record[] = [];
  for (let p = 0, i = 0; i < count; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== CENTRAL) throw damaged(`central record ${i + 1} is damaged`);
    const flags = u16(cd, p + 8);
    const nameLength = u16(cd, p + 28);
    const extraLength = u16(cd, p + 30);
    const r: Record = {
      name: entryName(cd.subarray(p + 46, p + 46 + nameLength), (flags & 0x800) !== 0),
      flags,
      method: u16(cd, p + 10),
      crc: u32(cd, p + 16),
      packed: u32(cd, p + 20),
      size: u32(cd, p + 24),
      offset: u32(cd, p + 42),
    };
    zip64Sizes(cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), r);
    records.push(r);
    p += 46 + nameLength + extraLength + u16(cd, p + 32);
  }
  return records;
}

/** Replaces the 0xffffffff placeholders with the zip64 extra field's 8-byte values, in their fixed order. */
function zip64Sizes(extra: Uint8Array, r: Record): void {
  for (let q = 0; q + 4 <= extra.length; q += 4 + u16(extra, q + 2)) {
    if (u16(extra, q) !== 1) continue;
    let at = q + 4;
    for (const key of ['size', 'packed', 'offset'] as const) {
      if (r[key] !== 0xffffffff) continue;
      r[key] = u64(extra, at);
      at += 8;
    }
    return;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');
/** Code page 437's characters for bytes 0x80–0xFF (below 0x80 it is ASCII), the zip format's default name encoding. */
const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/**
 * Names are UTF-8 when flagged (a flagged name that is not UTF-8 is a damaged zip). Unflagged names
 * are code page 437 by the zip spec, but many tools write UTF-8 without the flag, so UTF-8 is tried first.
 */
function entryName(raw: Uint8Array, flaggedUtf8: boolean): string {
  try {
    return utf8.decode(raw);
  } catch {
    if (flaggedUtf8) throw new ZipError(lossyUtf8.decode(raw), 'has a name marked UTF-8 that is not valid UTF-8: a damaged zip');
    return Array.from(raw, (b) => (b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80])).join('');
  }
}

/** One entry's bytes: exactly its declared size, CRC-32 checked. */
async function entryData(zip: ZipBytes, r: Record): Promise<Uint8Array> {
  const damaged = (why: string) => new ZipError(r.name, `is damaged (${why})`, true);
  const head = await zip.read(r.offset, r.offset + 30);
  if (head.length < 30 || u32(head, 0) !== LOCAL) throw damaged('no local header');
  const start = r.offset + 30 + u16(head, 26) + u16(head, 28);
  if (start + r.packed > zip.size) throw damaged('its data runs past the end of the zip');
  const packed = await zip.read(start, start + r.packed);
  let data: Uint8Array;
  if (r.method === 0) {
    if (packed.length !== r.size) throw damaged(`stored as ${packed.length} bytes, declared ${r.size}`);
    data = packed;
  } else {
    try {
      data = inflateExact(packed, r.size, `'${r.name}'`);
    } catch (e) {
      if (e instanceof InflateError) throw new ZipError(r.name, e.problem, e.damaged);
      throw e;
    }
  }
  if (crc32(data) !== r.crc) throw new ZipError(r.name, 'fails its CRC-32 check: the zip is damaged', true);
  return data;
}
