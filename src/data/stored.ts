import { decode, encode } from '@msgpack/msgpack';
import { gzipSync } from 'fflate';
import { gunzipBounded } from '../util/gzip';
import { DATA_LIMITS } from './errors';
import type { TensorData } from './dataset';

/** The version of `dataset/data.mpk.gz` this code writes and reads (docs/FORMATS.md). */
export const DATASET_VERSION = 1;
const FORMAT = 'kiln.dataset';

/** Bytes `data.mpk.gz` may unpack to: the features a dataset may decode to, plus room for its labels. */
export const DATASET_RECORD_LIMIT = DATA_LIMITS.decodedBytes + 256 * 2 ** 20;

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
    itemShape: [...d.itemShape],
    x: view(d.x),
    y: view(d.y),
    yType: d.y instanceof Int32Array ? 'int32' : 'float32',
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

/** What one stored split holds, checked without copying its arrays. */
export interface SplitSummary {
  readonly itemShape: readonly number[];
  readonly items: number;
  readonly yType: 'int32' | 'float32';
  readonly numClasses?: number;
}

/** Decodes the record (gzip inflated to at most `maxBytes`) and checks its header. */
function decodeRaw(bytes: Uint8Array, maxBytes: number): { train: PackedData; valid: PackedData } {
  const raw = decode(gunzipBounded(bytes, maxBytes, 'dataset record')) as { format?: string; version?: number; train?: PackedData; valid?: PackedData } | null;
  if (raw?.format !== FORMAT) throw new Error('dataset record: not a Kiln dataset');
  if (raw.version !== DATASET_VERSION)
    throw new Error(`dataset record: version ${raw.version} is not supported (this studio reads version ${DATASET_VERSION})`);
  if (!raw.train || !raw.valid) throw new Error('dataset record: a split is missing');
  return { train: raw.train, valid: raw.valid };
}

/** Checks one split: shapes, array lengths, finite features and targets, class indices in range. */
function checkSplit(p: PackedData, side: string): SplitSummary {
  const fail = (problem: string) => new Error(`dataset record: the ${side} split ${problem}`);
  if (!Array.isArray(p.itemShape) || !p.itemShape.length || !p.itemShape.every((d) => Number.isSafeInteger(d) && d > 0)) throw fail('has no valid item shape');
  if (!(p.x instanceof Uint8Array) || !(p.y instanceof Uint8Array) || p.x.byteLength % 4 || p.y.byteLength % 4)
    throw fail('has arrays that are not whole 4-byte values');
  const size = p.itemShape.reduce((a, b) => a * b, 1);
  const items = p.x.byteLength / 4 / size;
  if (!Number.isInteger(items)) throw fail(`holds ${p.x.byteLength / 4} features, not a whole number of items of shape [${p.itemShape}]`);
  const view = new DataView(p.x.buffer, p.x.byteOffset, p.x.byteLength);
  for (let i = 0; i < p.x.byteLength; i += 4) if (!Number.isFinite(view.getFloat32(i, true))) throw fail(`has a non-finite feature (value ${i / 4})`);
  const labels = new DataView(p.y.buffer, p.y.byteOffset, p.y.byteLength);
  if (p.yType === 'int32') {
    if (!Number.isSafeInteger(p.numClasses) || p.numClasses! < 1) throw fail('is a classification without a class count');
    if (p.y.byteLength !== 4 * items) throw fail(`has ${p.y.byteLength / 4} labels for ${items} items`);
    for (let i = 0; i < p.y.byteLength; i += 4) {
      const c = labels.getInt32(i, true);
      if (c < 0 || c >= p.numClasses!) throw fail(`has class ${c} outside 0..${p.numClasses! - 1}`);
    }
  } else if (p.yType === 'float32') {
    if (items > 0 && (p.y.byteLength / 4) % items) throw fail(`has ${p.y.byteLength / 4} targets for ${items} items`);
    for (let i = 0; i < p.y.byteLength; i += 4) if (!Number.isFinite(labels.getFloat32(i, true))) throw fail(`has a non-finite target (value ${i / 4})`);
  } else throw fail(`has an unknown label type ${String(p.yType)}`);
  return { itemShape: p.itemShape, items, yType: p.yType, numClasses: p.numClasses };
}

/** Checks `dataset/data.mpk.gz` whole (format, version, both splits) without keeping its arrays. */
export function checkDataset(bytes: Uint8Array, maxBytes = DATASET_RECORD_LIMIT): { train: SplitSummary; valid: SplitSummary } {
  const raw = decodeRaw(bytes, maxBytes);
  return { train: checkSplit(raw.train, 'train'), valid: checkSplit(raw.valid, 'valid') };
}

/** Decodes `dataset/data.mpk.gz`, refusing another format or a newer version with a clear message. */
export function decodeDataset(bytes: Uint8Array, maxBytes = DATASET_RECORD_LIMIT): StoredSplit {
  const raw = decodeRaw(bytes, maxBytes);
  return { train: unpack(raw.train, 'train'), valid: unpack(raw.valid, 'valid') };
}
