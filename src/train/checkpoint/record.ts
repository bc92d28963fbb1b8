import { decode, encode } from '@msgpack/msgpack';
import { crc32InTurns, gunzipBounded, gzipStored } from '../../util/gzip';
import type { TensorRecord } from '../tensor-record';
import { type BurnPlacement, burnRecord, KILN_KEY, readBurnRecord } from './burn/record';

/**
 * The record format version this code writes (docs/FORMATS.md): 2, Burn's records with Kiln's
 * state beside the item. It reads version 1 too, Kiln's own map from before.
 */
export const RECORD_VERSION = 2;
const FORMAT = 'kiln.record';

/** Which of a checkpoint's three files a record is. */
export type RecordKind = 'model' | 'optim' | 'scheduler';

/**
 * Bytes a record may unpack to when the reader knows nothing of the model: enough for a model of
 * 128M float32 weights (past what a browser tab trains); the optimizer's record is held to its
 * slots times the model record's size, and the scheduler's to what a schedule and progress need.
 */
export const RECORD_LIMITS: { readonly [K in RecordKind]: number } = { model: 512 * 2 ** 20, optim: 3 * 512 * 2 ** 20 + 2 ** 20, scheduler: 2 ** 20 };

/** What every record carries to tie the three files of one checkpoint together. */
export interface CheckpointStamp {
  /** Random per save: the three files of a complete checkpoint share it. */
  readonly id: string;
  readonly epoch: number;
  /** Optimizer steps taken when the checkpoint was made. */
  readonly globalStep: number;
}

/** A decoded record: header plus kind-specific payload. */
export interface Record<P = unknown> {
  readonly kind: RecordKind;
  readonly checkpoint: CheckpointStamp;
  readonly payload: P;
}

/** A tensor as msgpack stores it: raw little-endian bytes. */
export interface PackedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Uint8Array;
}

/** Packs a tensor record for msgpack (typed arrays travel as `bin`). */
export function packTensor(t: TensorRecord): PackedTensor {
  return { name: t.name, shape: t.shape, dtype: t.dtype, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
}

/** Unpacks a tensor, copying so the typed array is aligned. */
export function unpackTensor(p: PackedTensor): TensorRecord {
  if (p.data.byteLength % 4) throw new Error(`tensor '${p.name}': ${p.data.byteLength} bytes is not a whole number of 4-byte values`);
  const bytes = p.data.slice();
  const data = p.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  const expected = p.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`tensor '${p.name}': ${data.length} values for shape [${p.shape}]`);
  return { name: p.name, shape: p.shape, dtype: p.dtype, data };
}

/**
 * Checks a decoded tensor without copying it: its fields, that its bytes fill its shape, and that
 * every float32 value is finite (a NaN weight would train silently to nothing).
 */
export function checkTensor(t: unknown, where: string): PackedTensor {
  const p = t as Partial<PackedTensor> | null;
  if (typeof p?.name !== 'string') throw new Error(`${where}: not a tensor (no name)`);
  const what = `${where} '${p.name}'`;
  if (!Array.isArray(p.shape) || !p.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${what}: its shape is not a list of sizes`);
  if (p.dtype !== 'float32' && p.dtype !== 'int32') throw new Error(`${what}: unknown dtype ${String(p.dtype)}`);
  if (!(p.data instanceof Uint8Array)) throw new Error(`${what}: its data is not bytes`);
  const values = p.shape.reduce((a, b) => a * b, 1);
  if (p.data.byteLength !== 4 * values) throw new Error(`${what}: ${p.data.byteLength} bytes for shape [${p.shape}] (${4 * values} expected)`);
  if (p.dtype === 'float32') {
    const bad = firstNonFinite(p.data);
    if (bad >= 0) throw new Error(`${what}: value ${bad} is not finite (NaN or infinite weights cannot be resumed)`);
  }
  return p as PackedTensor;
}

/** Index of the first NaN or infinity among little-endian float32 bytes (exponent all ones), or -1. */
function firstNonFinite(b: Uint8Array): number {
  for (let i = 3; i < b.length; i += 4) if ((b[i] & 0x7f) === 0x7f && (b[i - 1] & 0x80) !== 0) return (i - 3) / 4;
  return -1;
}

/**
 * gzip(msgpack(record)), in stored deflate blocks (see gzip.ts): Burn's BurnRecord as
 * `NamedMpkGzFileRecorder` writes it, its item laid out by `placement`, Kiln's state beside it.
 */
export function encodeRecord(record: Record, placement: BurnPlacement): Uint8Array {
  return gzipStored(packRecord(record, placement));
}

/** {@link encodeRecord}, its CRC taken in pieces with `turn` awaited between them (see crc32InTurns). */
export async function encodeRecordInTurns(record: Record, placement: BurnPlacement, turn: () => Promise<void>): Promise<Uint8Array> {
  const packed = packRecord(record, placement);
  return gzipStored(packed, await crc32InTurns(packed, turn));
}

/** Byte arrays of at least this many bytes stay out of msgpack's buffer (see packRecord). */
const LARGE = 65536;

/**
 * msgpack(BurnRecord) as parts that read as it: the tensors of 64 KiB and more are not copied into
 * msgpack's buffer but stand as parts of their own between the pieces it wrote, each after the
 * header msgpack would give it; gzipStored then copies them once, into the file (twice took the
 * host ~25 ms of a 22 MB checkpoint's ~50).
 */
export function packRecord(record: Record, placement: BurnPlacement): Uint8Array[] {
  const burn = burnRecord(record.kind, record.checkpoint, record.payload, placement, RECORD_VERSION);
  // Each large array is encoded as a 16-byte marker instead (a random tag, then its index).
  const large: Uint8Array[] = [];
  const tag = Uint8Array.from({ length: 12 }, () => Math.random() * 256);
  const marked = replaceLarge(burn, (bytes) => {
    const marker = new Uint8Array(16);
    marker.set(tag);
    new DataView(marker.buffer).setUint32(12, large.push(bytes) - 1);
    return marker;
  });
  // 64-bit integers as bigint: Burn's cosine scheduler counts from usize::MAX.
  const packed = encode(marked, { useBigInt64: true, ignoreUndefined: true });
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i + 18 <= packed.length; i++) {
    // A marker as msgpack writes it: bin 8 of 16 bytes, the tag, the index.
    if (packed[i] !== 0xc4 || packed[i + 1] !== 16 || !tag.every((b, k) => packed[i + 2 + k] === b)) continue;
    const bytes = large[new DataView(packed.buffer, packed.byteOffset + i + 14, 4).getUint32(0)];
    const header = new Uint8Array(5);
    header[0] = 0xc6; // bin 32: at least 64 KiB
    new DataView(header.buffer).setUint32(1, bytes.length);
    parts.push(packed.subarray(from, i), header, bytes);
    from = i + 18;
    i += 17;
  }
  parts.push(packed.subarray(from));
  return parts;
}

/** `value` with every byte array of LARGE bytes or more replaced by `by(it)` (objects and arrays rebuilt, the rest kept). */
function replaceLarge(value: unknown, by: (bytes: Uint8Array) => Uint8Array): unknown {
  if (value instanceof Uint8Array) return value.length >= LARGE ? by(value) : value;
  if (Array.isArray(value)) return value.map((v) => replaceLarge(v, by));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceLarge(v, by)]));
  return value;
}

/** The header and payload of a record of version 1 or 2 (Kiln's map, or Burn's record with Kiln's key). */
function header(decoded: unknown, file: string, kind: RecordKind): { [key: string]: unknown } {
  const obj = decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded) ? (decoded as { [key: string]: unknown }) : null;
  const kiln = obj?.[KILN_KEY];
  if (kiln && typeof kiln === 'object') {
    const h = kiln as { [key: string]: unknown };
    if (h.format !== FORMAT) throw new Error(`${file}: not a Kiln record`);
    if (h.version !== RECORD_VERSION)
      throw new Error(`${file}: record format version ${String(h.version)}, this version of Kiln reads versions 1 and ${RECORD_VERSION}`);
    return h.kind === kind ? { ...h, payload: readBurnRecord(h, obj!.item, kind, file) } : h;
  }
  if (obj?.format === FORMAT) {
    // Version 1 (Kiln before Burn's layout): the map is the header, its payload as it is.
    if (obj.version !== 1)
      throw new Error(`${file}: record format version ${String(obj.version)}, this version of Kiln reads versions 1 and ${RECORD_VERSION}`);
    return obj;
  }
  if (obj && 'metadata' in obj && 'item' in obj)
    throw new Error(`${file}: a Burn record without Kiln's training state: Kiln resumes only from the records it wrote`);
  throw new Error(`${file}: not a Kiln record`);
}

/**
 * Decodes and checks a record; errors name the file and what is wrong with it. The gzip inflates
 * to at most `maxBytes` (checked against its declared size first, then as it inflates).
 */
export function decodeRecord<P>(bytes: Uint8Array, file: string, kind: RecordKind, maxBytes = RECORD_LIMITS[kind]): Record<P> {
  let decoded: unknown;
  try {
    // gunzipBounded checks the trailer's CRC-32 and size: a flipped bit must not load as other weights.
    decoded = decode(gunzipBounded(bytes, maxBytes, 'the gzip'));
  } catch (e) {
    throw new Error(`${file}: not a gzip-compressed msgpack record (${(e as Error).message})`);
  }
  const obj = header(decoded, file, kind) as { kind?: unknown; checkpoint?: CheckpointStamp; payload?: P };
  if (obj.kind !== kind) throw new Error(`${file}: holds a ${String(obj.kind)} record, expected ${kind}`);
  const stamp = obj.checkpoint;
  if (typeof stamp?.id !== 'string' || !Number.isSafeInteger(stamp.epoch) || !Number.isSafeInteger(stamp.globalStep) || obj.payload === undefined) {
    throw new Error(`${file}: record lacks its checkpoint stamp or payload`);
  }
  return { kind, checkpoint: stamp, payload: obj.payload! };
}
