import { crc32, inflateExact, InflateError } from '../util/gzip';

/** What a zip may hold before anything of it is inflated. */
export interface ZipLimits {
  /** Bytes one entry unpacks to. */
  readonly entryBytes: number;
  /** Bytes all entries unpack to, together. */
  readonly totalBytes: number;
  /** Entries, folders included. */
  readonly entries: number;
}

/** One file of a zip, unpacked and checked against its CRC-32. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

// Record signatures of the zip format (PKWARE APPNOTE 4.3).
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => u16(b, at) + u16(b, at + 2) * 0x10000;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

/** A central directory record: what the zip says an entry is. */
interface Directory {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  packed: number;
  size: number;
  offset: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Unpacks a zip held in memory, refusing (through `refuse(entry | null, problem)`) before anything
 * is inflated when the central directory names too many entries, an encrypted or unknown-method
 * entry, a duplicate name, or sizes over the limits; `accept` vets each name first. Then each entry
 * is inflated into a buffer of exactly its declared size, stopping where it would pass it, and its
 * CRC-32 verified. Stored entries are views into `zip` (no copy): the archive's bytes are the one copy.
 */
export function unzipChecked(
  zip: Uint8Array,
  limits: ZipLimits,
  accept: (name: string) => boolean,
  refuse: (entry: string | null, problem: string) => Error,
): ZipEntry[] {
  const records = centralDirectory(zip, limits, refuse);
  const seen = new Set<string>();
  let total = 0;
  const kept: Directory[] = [];
  for (const r of records) {
    if (r.name.endsWith('/')) continue; // folder entries carry nothing
    if (!accept(r.name)) continue;
    if (seen.has(r.name)) throw refuse(r.name, 'appears twice in the zip');
    seen.add(r.name);
    if (r.flags & 1) throw refuse(r.name, 'is encrypted; Kiln cannot read password-protected zips');
    if (r.method !== 0 && r.method !== 8) throw refuse(r.name, `is compressed with method ${r.method}; only stored and deflated entries are read`);
    if (r.size > limits.entryBytes) throw refuse(r.name, `unpacks to ${r.size} bytes, over the ${limits.entryBytes}-byte limit per entry`);
    total += r.size;
    if (total > limits.totalBytes) throw refuse(null, `unpacks to more than the ${limits.totalBytes}-byte limit`);
    kept.push(r);
  }
  return kept.map((r) => ({ name: r.name, data: entryData(zip, r, refuse) }));
}

/** The central directory's records (zip64 included). */
function centralDirectory(zip: Uint8Array, limits: ZipLimits, refuse: (entry: string | null, problem: string) => Error): Directory[] {
  const damaged = (what: string) => refuse(null, `not a readable zip archive (${what})`);
  // The end record is the one whose comment runs exactly to the end of the file (a comment may hold its signature).
  let end = zip.length - 22;
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  while (end >= stop && (u32(zip, end) !== EOCD || u16(zip, end + 20) !== zip.length - end - 22)) end--;
  if (end < stop) throw damaged('no end of central directory');
  let count = u16(zip, end + 10);
  let size = u32(zip, end + 12);
  let offset = u32(zip, end + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || u32(zip, locator) !== LOCATOR64) throw damaged('no zip64 locator');
    const at = u64(zip, locator + 8);
    if (at + 56 > zip.length || u32(zip, at) !== EOCD64) throw damaged('no zip64 end record');
    count = u64(zip, at + 32);
    size = u64(zip, at + 40);
    offset = u64(zip, at + 48);
  }
  if (count > limits.entries) throw refuse(null, `more than ${limits.entries} entries`);
  if (offset + size > zip.length) throw damaged('the central directory runs past the end');
  const records: Directory[] = [];
  for (let p = offset, i = 0; i < count; i++) {
    if (p + 46 > offset + size || u32(zip, p) !== CENTRAL) throw damaged(`central record ${i + 1} is damaged`);
    const flags = u16(zip, p + 8);
    const nameLength = u16(zip, p + 28);
    const extraLength = u16(zip, p + 30);
    const raw = zip.subarray(p + 46, p + 46 + nameLength);
    let name: string;
    try {
      name = utf8.decode(raw);
    } catch {
      // Kiln's layout is ASCII: a name that is not even UTF-8 is no path of it.
      throw refuse(null, `entry ${i + 1}'s name is not UTF-8 text`);
    }
    const r: Directory = {
      name,
      flags,
      method: u16(zip, p + 10),
      crc: u32(zip, p + 16),
      packed: u32(zip, p + 20),
      size: u32(zip, p + 24),
      offset: u32(zip, p + 42),
    };
    zip64Sizes(zip.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), r);
    records.push(r);
    p += 46 + nameLength + extraLength + u16(zip, p + 32);
  }
  return records;
}

/** Replaces the 0xffffffff placeholders with the zip64 extra field's 8-byte values, in their fixed order. */
function zip64Sizes(extra: Uint8Array, r: Directory): void {
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

/** One entry's bytes: exactly its declared size, or a refusal naming it. */
function entryData(zip: Uint8Array, r: Directory, refuse: (entry: string | null, problem: string) => Error): Uint8Array {
  if (r.offset + 30 > zip.length || u32(zip, r.offset) !== LOCAL) throw refuse(r.name, 'is damaged (no local header)');
  const start = r.offset + 30 + u16(zip, r.offset + 26) + u16(zip, r.offset + 28);
  if (start + r.packed > zip.length) throw refuse(r.name, 'is damaged (its data runs past the end of the zip)');
  const packed = zip.subarray(start, start + r.packed);
  let data: Uint8Array;
  if (r.method === 0) {
    if (packed.length !== r.size) throw refuse(r.name, `is damaged (stored as ${packed.length} bytes, declared ${r.size})`);
    data = packed;
  } else {
    try {
      data = inflateExact(packed, r.size, `'${r.name}'`);
    } catch (e) {
      if (e instanceof InflateError) throw refuse(null, e.message);
      throw e;
    }
  }
  if (crc32(data) !== r.crc) throw refuse(r.name, 'fails its CRC-32 check: the zip is damaged');
  return data;
}
