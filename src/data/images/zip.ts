import { Inflate } from 'fflate';
import { DATA_LIMITS, DataError } from '../errors';
import { formatBytes, IMAGE_LIMITS, type ImageEntry, type ImageSource } from './base';
import { isIgnoredPath, zipEntryPath } from './paths';

// Record signatures of the zip format (PKWARE APPNOTE 4.3).
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) plus the longest comment may follow the central directory. */
const TAIL = 22 + 0xffff;
/** Inflating in slices bounds how far one push can overshoot a lying declared size. */
const INFLATE_SLICE = 64 * 1024;

/** One file as the central directory describes it. */
interface ZipRecord {
  readonly path: string;
  readonly method: number;
  readonly packed: number;
  readonly size: number;
  readonly offset: number;
}

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => u16(b, at) + u16(b, at + 2) * 0x10000;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

async function slice(blob: Blob, from: number, to: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await blob.slice(from, to).arrayBuffer());
}

/**
 * A zip of image folders as a source: the central directory is read up front (paths checked, sizes
 * held to {@link IMAGE_LIMITS} before anything is inflated); each entry is read from `zip` and
 * inflated only when its bytes are asked for, so at most a few entries are in memory at once.
 */
export async function zipSource(zip: Blob, name: string, limits = IMAGE_LIMITS): Promise<ImageSource> {
  if (zip.size > DATA_LIMITS.fileBytes) throw new DataError(name, `the zip is ${formatBytes(zip.size)}, over the ${formatBytes(DATA_LIMITS.fileBytes)} limit`);
  const records = await centralDirectory(zip, name, limits);
  const entries: ImageEntry[] = [];
  const folders: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let total = 0;
  for (const r of records) {
    if (r.path.endsWith('/')) {
      folders.push(r.path.slice(0, -1));
      continue;
    }
    if (r.path === '' || isIgnoredPath(r.path)) continue;
    if (r.method < 0) {
      skipped.push({ path: r.path, reason: 'encrypted' });
      continue;
    }
    if (r.method !== 0 && r.method !== 8) {
      skipped.push({ path: r.path, reason: `compressed with method ${r.method}; only stored and deflated entries are read` });
      continue;
    }
    if (r.size > limits.fileBytes)
      throw new DataError(name, `unpacks to ${formatBytes(r.size)}, over the ${formatBytes(limits.fileBytes)} limit for one file`, `entry ${r.path}`);
    total += r.size;
    if (total > limits.unpackedBytes) throw new DataError(name, `its files unpack to more than the ${formatBytes(limits.unpackedBytes)} limit`);
    entries.push({ path: r.path, size: r.size, bytes: () => readEntry(zip, name, r) });
  }
  if (entries.length === 0 && skipped.length > 0 && skipped.every((s) => s.reason === 'encrypted')) {
    throw new DataError(name, 'the zip is encrypted (password-protected) and cannot be read: unpack it and drop the folder instead');
  }
  return { name, entries, folders, skipped };
}

/** The central directory's records (zip64 included), with paths checked to stay inside the archive. */
async function centralDirectory(zip: Blob, name: string, limits: typeof IMAGE_LIMITS): Promise<ZipRecord[]> {
  const damaged = (what: string) => new DataError(name, `not a readable zip archive (${what})`);
  const tailStart = Math.max(0, zip.size - TAIL);
  const tail = await slice(zip, tailStart, zip.size);
  // The end record is the one whose comment runs exactly to the end of the file (a comment may hold its signature).
  let end = tail.length - 22;
  while (end >= 0 && (u32(tail, end) !== EOCD || u16(tail, end + 20) !== tail.length - end - 22)) end--;
  if (end < 0) throw damaged('no end of central directory');
  let count = u16(tail, end + 10);
  let size = u32(tail, end + 12);
  let offset = u32(tail, end + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = await slice(zip, tailStart + end - 20, tailStart + end);
    if (locator.length < 20 || u32(locator, 0) !== LOCATOR64) throw damaged('no zip64 locator');
    const at = u64(locator, 8);
    const record = await slice(zip, at, at + 56);
    if (record.length < 56 || u32(record, 0) !== EOCD64) throw damaged('no zip64 end record');
    count = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
  }
  if (count > limits.zipEntries) throw new DataError(name, `${count} entries, more than the limit of ${limits.zipEntries}`);
  if (offset + size > zip.size) throw damaged('the central directory runs past the end');
  const cd = await slice(zip, offset, offset + size);
  const records: ZipRecord[] = [];
  for (let p = 0, i = 0; i < count; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== CENTRAL) throw damaged(`central record ${i + 1} is damaged`);
    const flags = u16(cd, p + 8);
    const nameLength = u16(cd, p + 28);
    const extraLength = u16(cd, p + 30);
    const raw = cd.subarray(p + 46, p + 46 + nameLength);
    const sizes = { packed: u32(cd, p + 20), size: u32(cd, p + 24), offset: u32(cd, p + 42) };
    zip64Sizes(cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), sizes);
    const entryName = entryNameText(raw, (flags & 0x800) !== 0, name);
    const path = zipEntryPath(name, entryName) + (entryName.endsWith('/') || entryName.endsWith('\\') ? '/' : '');
    records.push({ path, method: flags & 1 ? -1 : u16(cd, p + 10), ...sizes });
    p += 46 + nameLength + extraLength + u16(cd, p + 32);
  }
  return records;
}

/** Replaces the 0xffffffff placeholders with the zip64 extra field's 8-byte values, in their fixed order. */
function zip64Sizes(extra: Uint8Array, sizes: { packed: number; size: number; offset: number }): void {
  for (let q = 0; q + 4 <= extra.length; q += 4 + u16(extra, q + 2)) {
    if (u16(extra, q) !== 1) continue;
    let at = q + 4;
    for (const key of ['size', 'packed', 'offset'] as const) {
      if (sizes[key] !== 0xffffffff) continue;
      sizes[key] = u64(extra, at);
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
function entryNameText(raw: Uint8Array, flaggedUtf8: boolean, zip: string): string {
  try {
    return utf8.decode(raw);
  } catch {
    if (flaggedUtf8) throw new DataError(zip, 'its name is marked UTF-8 but is not valid UTF-8: a damaged zip', `entry ${lossyUtf8.decode(raw)}`);
    return Array.from(raw, (b) => (b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80])).join('');
  }
}

/**
 * One entry's bytes. Damage throws a plain Error (the file is skipped); unpacking past the declared
 * size throws a DataError, since the declared size is what the limits were checked against.
 */
async function readEntry(zip: Blob, name: string, r: ZipRecord): Promise<Uint8Array<ArrayBuffer>> {
  const head = await slice(zip, r.offset, r.offset + 30);
  if (head.length < 30 || u32(head, 0) !== LOCAL) throw new Error('damaged zip entry (no local header)');
  const start = r.offset + 30 + u16(head, 26) + u16(head, 28);
  if (start + r.packed > zip.size) throw new Error('damaged zip entry (its data runs past the end of the zip)');
  const packed = await slice(zip, start, start + r.packed);
  if (r.method === 0) {
    if (packed.length !== r.size) throw new Error('damaged zip entry (stored size differs from its declared size)');
    return packed;
  }
  const out = new Uint8Array(r.size);
  let at = 0;
  const inflater = new Inflate((chunk) => {
    if (at + chunk.length > r.size) throw new DataError(name, `unpacks past its declared ${r.size} bytes: a damaged or hostile zip`, `entry ${r.path}`);
    out.set(chunk, at);
    at += chunk.length;
  });
  try {
    for (let from = 0; from < packed.length || from === 0; from += INFLATE_SLICE) {
      inflater.push(packed.subarray(from, from + INFLATE_SLICE), from + INFLATE_SLICE >= packed.length);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new Error(`damaged zip entry (${(e as Error).message})`);
  }
  if (at !== r.size) throw new Error(`damaged zip entry (unpacks to ${at} bytes, not the ${r.size} it declares)`);
  return out;
}
