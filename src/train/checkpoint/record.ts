import { decode, encode } from '@msgpack/msgpack';
import { gunzipSync } from 'fflate';
import { crc32, gzipStored } from './gzip';
import type { TensorRecord } from '../tensor-record';

/** The record format version this code writes and reads (docs/FORMATS.md). */
export const RECORD_VERSION = 1;
const FORMAT = 'kiln.record';

/** Which of a checkpoint's three files a record is. */
export type RecordKind = 'model' | 'optim' | 'scheduler';

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
interface PackedTensor {
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

/** gzip(msgpack(record)), in stored deflate blocks (see gzip.ts). */
export function encodeRecord(record: Record): Uint8Array {
  return gzipStored(encode({ format: FORMAT, version: RECORD_VERSION, ...record }));
}

/** Decodes and checks a record; errors name the file and what is wrong with it. */
export function decodeRecord<P>(bytes: Uint8Array, file: string, kind: RecordKind): Record<P> {
  let obj: { format?: unknown; version?: unknown; kind?: unknown; checkpoint?: CheckpointStamp; payload?: P };
  try {
    const raw = gunzipSync(bytes);
    // fflate does not check the gzip trailer; a flipped bit must not load as other weights.
    const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.byteLength - 8, 8);
    if (trailer.getUint32(0, true) !== crc32(raw) || trailer.getUint32(4, true) !== (raw.length >>> 0)) throw new Error('checksum mismatch');
    obj = decode(raw) as typeof obj;
  } catch (e) {
    throw new Error(`${file}: not a gzip-compressed msgpack record (${(e as Error).message})`);
  }
  if (obj?.format !== FORMAT) throw new Error(`${file}: not a Kiln record`);
  if (obj.version !== RECORD_VERSION) {
    throw new Error(`${file}: record format version ${String(obj.version)}, this version of Kiln reads version ${RECORD_VERSION}`);
  }
  if (obj.kind !== kind) throw new Error(`${file}: holds a ${String(obj.kind)} record, expected ${kind}`);
  if (typeof obj.checkpoint?.id !== 'string' || obj.payload === undefined) throw new Error(`${file}: record lacks its checkpoint stamp or payload`);
  return { kind, checkpoint: obj.checkpoint!, payload: obj.payload! };
}
