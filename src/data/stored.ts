import { decode, encode } from '@msgpack/msgpack';
import { gunzipSync, gzipSync } from 'fflate';
import type { TensorData } from './dataset';

/** The version of `dataset/data.mpk.gz` this code writes and reads (docs/FORMATS.md). */
export const DATASET_VERSION = 1;
const FORMAT = 'kiln.dataset';

/** A prepared dataset as a run stores it: the split it trained on, exactly. */
export interface StoredSplit {
  readonly train: TensorData;
  readonly valid: TensorData;
}

interface PackedData {
  itemShape: number[];
  x: Uint8Array;
  y: Uint8Array;
  yType: 'int32' | 'float32';
  numClasses?: number;
  classNames?: string[];
}

const view = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function pack(d: TensorData): PackedData {
  return {
    itemShape: [...d.itemShape], x: view(d.x), y: view(d.y), yType: d.y instanceof Int32Array ? 'int32' : 'float32',
    ...(d.numClasses !== undefined ? { numClasses: d.numClasses } : {}),
    ...(d.classNames ? { classNames: [...d.classNames] } : {}),
  };
}

function unpack(p: PackedData, side: string): TensorData {
  // Copies, so the typed arrays are aligned whatever offset msgpack left them at.
  const floats = (b: Uint8Array) => new Float32Array(b.slice().buffer);
  if (p.x.byteLength % 4 || p.y.byteLength % 4) throw new Error(`dataset record: the ${side} split's arrays are not whole 4-byte values`);
  const y = p.yType === 'int32' ? new Int32Array(p.y.slice().buffer) : floats(p.y);
  return { x: floats(p.x), itemShape: p.itemShape, y, numClasses: p.numClasses, classNames: p.classNames };
}

/** Encodes a run's prepared split: gzip (fast level) over msgpack, typed arrays as raw little-endian bytes. */
export function encodeDataset(split: StoredSplit): Uint8Array {
  return gzipSync(encode({ format: FORMAT, version: DATASET_VERSION, train: pack(split.train), valid: pack(split.valid) }), { level: 1 });
}

/** Decodes `dataset/data.mpk.gz`, refusing another format or a newer version with a clear message. */
export function decodeDataset(bytes: Uint8Array): StoredSplit {
  const raw = decode(gunzipSync(bytes)) as { format?: string; version?: number; train?: PackedData; valid?: PackedData };
  if (raw.format !== FORMAT) throw new Error('dataset record: not a Kiln dataset');
  if (raw.version !== DATASET_VERSION) throw new Error(`dataset record: version ${raw.version} is not supported (this studio reads version ${DATASET_VERSION})`);
  if (!raw.train || !raw.valid) throw new Error('dataset record: a split is missing');
  return { train: unpack(raw.train, 'train'), valid: unpack(raw.valid, 'valid') };
}
