import { Inflate } from 'fflate';

/**
 * gzip in stored (uncompressed) deflate blocks, the CRC-32 it carries, and inflation bounded by a
 * declared size (records and archives are read with a ceiling). Checkpoint records are
 * float32 weights, close to noise for deflate (level 6 saved 7% of an MLP's records at 50 ms per
 * MB), so they are stored; any gzip reader reads them. Written here rather than through a general
 * deflate library's level 0 because a checkpoint is on the training loop's path: this is one copy
 * and a slice-by-8 CRC (about 4× the byte-at-a-time table), where the library took 4–5 ms per MB.
 */

/** Eight 256-entry tables: T0 is the byte-wise CRC table, Tk[n] = T0[Tk-1[n] & 255] ^ (Tk-1[n] >>> 8). */
const CRC_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) for (let n = 0; n < 256; n++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 255];
  return t;
})();

/** The platform's own CRC-32 where it has one (Node's zlib.crc32, installed by the Node setup). */
let platformCrc32: ((data: Uint8Array, crc: number) => number) | null = null;

/** Has {@link crc32} use the platform's CRC-32 (Node's zlib.crc32 runs about 10× the tables below on a checkpoint). */
export function setPlatformCrc32(crc: (data: Uint8Array, crc: number) => number): void {
  platformCrc32 = crc;
}

/** CRC-32 as gzip (and PNG, and zip) computes it, eight bytes a round; `crc` continues one over the bytes before. */
export function crc32(data: Uint8Array, crc = 0): number {
  if (platformCrc32) return platformCrc32(data, crc);
  const t = CRC_TABLES;
  let c = (crc ^ 0xffffffff) >>> 0;
  let i = 0;
  for (const end = data.length - (data.length % 8); i < end; i += 8) {
    const a = (c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24))) >>> 0;
    const b = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    c =
      t[1792 + (a & 255)] ^
      t[1536 + ((a >>> 8) & 255)] ^
      t[1280 + ((a >>> 16) & 255)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + (b & 255)] ^
      t[512 + ((b >>> 8) & 255)] ^
      t[256 + ((b >>> 16) & 255)] ^
      t[(b >>> 24) & 255];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytes of a CRC taken in one turn by {@link crc32InTurns}: a few milliseconds. */
const CRC_TURN = 4 * 2 ** 20;

/**
 * crc32 of `data` (one array, or parts read as one), awaiting `turn` between pieces of a few
 * milliseconds each: a large checkpoint's CRC then leaves the training loop turns to queue steps in
 * (a whole optimizer record's took tens of ms).
 */
export async function crc32InTurns(data: Uint8Array | readonly Uint8Array[], turn: () => Promise<void>): Promise<number> {
  let crc = 0;
  let first = true;
  for (const part of data instanceof Uint8Array ? [data] : data) {
    for (let at = 0; at < part.length; at += CRC_TURN) {
      if (!first) await turn();
      first = false;
      crc = crc32(part.subarray(at, at + CRC_TURN), crc);
    }
  }
  return crc;
}

/** Bytes a stored deflate block holds at most. */
const BLOCK = 65535;

/**
 * gzip of `data` (one array, or parts read as one: copied once, straight into place) with stored
 * deflate blocks: header, blocks of up to 65,535 bytes, CRC-32 (given, or taken here) and size.
 */
export function gzipStored(data: Uint8Array | readonly Uint8Array[], crc?: number): Uint8Array {
  const parts = data instanceof Uint8Array ? [data] : data;
  const length = parts.reduce((n, p) => n + p.length, 0);
  const blocks = Math.max(1, Math.ceil(length / BLOCK));
  const out = new Uint8Array(10 + blocks * 5 + length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]); // magic, deflate, no flags, no time, unknown OS
  let o = 10;
  let part = 0;
  let at = 0; // in parts[part]
  for (let k = 0; k < blocks; k++) {
    const len = Math.min(BLOCK, length - k * BLOCK);
    out[o] = k === blocks - 1 ? 1 : 0; // BFINAL on the last, BTYPE 00 (stored)
    out[o + 1] = len & 255;
    out[o + 2] = len >>> 8;
    out[o + 3] = ~len & 255;
    out[o + 4] = (~len >>> 8) & 255;
    o += 5;
    for (let left = len; left > 0; ) {
      if (at === parts[part].length) {
        part++;
        at = 0;
        continue;
      }
      const n = Math.min(left, parts[part].length - at);
      out.set(parts[part].subarray(at, at + n), o);
      o += n;
      at += n;
      left -= n;
    }
  }
  const trailer = new DataView(out.buffer, o, 8);
  trailer.setUint32(0, crc ?? parts.reduce((c, p) => crc32(p, c), 0), true);
  trailer.setUint32(4, length >>> 0, true);
  return out;
}

/** Compressed bytes handed to the inflater at a time: deflate expands at most ~1032×, so one push overshoots a limit by at most ~17 MB. */
const INFLATE_SLICE = 16 * 1024;

/**
 * Inflates raw deflate data that declares `size` bytes into one buffer of exactly that size,
 * stopping as soon as the output would pass it: a bomb or a lying size costs at most the declared
 * bytes (which the caller checked against its limits) plus one slice's expansion.
 */
export function inflateExact(deflated: Uint8Array, size: number, what: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  const inflater = new Inflate((chunk) => {
    if (at + chunk.length > size) throw new InflateError(what, `unpacks past its declared ${size} bytes`, false);
    out.set(chunk, at);
    at += chunk.length;
  });
  try {
    for (let from = 0; from < deflated.length || from === 0; from += INFLATE_SLICE) {
      inflater.push(deflated.subarray(from, from + INFLATE_SLICE), from + INFLATE_SLICE >= deflated.length);
    }
  } catch (e) {
    if (e instanceof InflateError) throw e;
    throw new InflateError(what, `is damaged (${(e as Error).message})`, true);
  }
  if (at !== size) throw new InflateError(what, `unpacks to ${at} bytes, not the ${size} it declares`, true);
  return out;
}

/** Compressed data that is damaged, lies about its size or passes a limit: `what` and the problem, in the message too. */
export class InflateError extends Error {
  constructor(
    readonly what: string,
    readonly problem: string,
    /** The data is corrupt (rather than passing its declared size or a limit). */
    readonly damaged: boolean,
  ) {
    super(`${what} ${problem}`);
    this.name = 'InflateError';
  }
}

/**
 * gunzip with a ceiling: the size the trailer declares is checked against `maxBytes` before
 * anything is inflated, inflation stops at that size, and the CRC-32 and size are verified.
 * Reads one gzip member (what Kiln and any gzip writer produce for one file).
 */
export function gunzipBounded(gz: Uint8Array, maxBytes: number, what = 'gzip data'): Uint8Array<ArrayBuffer> {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8) throw new InflateError(what, 'is not gzip data', true);
  const flags = gz[3];
  let at = 10;
  if (flags & 4) at += 2 + (gz[at] | (gz[at + 1] << 8)); // FEXTRA
  for (const bit of [8, 16])
    if (flags & bit) {
      while (at < gz.length && gz[at] !== 0) at++;
      at++;
    } // FNAME, FCOMMENT: zero-terminated
  if (flags & 2) at += 2; // FHCRC
  if (at > gz.length - 8) throw new InflateError(what, 'is truncated', true);
  const trailer = new DataView(gz.buffer, gz.byteOffset + gz.length - 8, 8);
  const size = trailer.getUint32(4, true);
  // The trailer holds the size modulo 2^32; limits here are below 4 GiB, so a larger member fails the size check below.
  if (size > maxBytes) throw new InflateError(what, `declares ${size} bytes unpacked, over the ${maxBytes}-byte limit`, false);
  const raw = inflateExact(gz.subarray(at, gz.length - 8), size, what);
  if (crc32(raw) !== trailer.getUint32(0, true)) throw new InflateError(what, 'fails its CRC-32 check', true);
  return raw;
}
