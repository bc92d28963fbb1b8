import type { PackedTensor } from '../record';
import { type BurnParam, burnShape, relayout, tfjsShape } from './layout';
import { paramIdOf } from './param-id';

/** Burn's TensorData (burn-tensor `TensorData`, burn-backend from 0.20): raw bytes, shape, dtype. */
export interface TensorData {
  readonly bytes: Uint8Array;
  readonly shape: readonly number[];
  readonly dtype: 'F32' | 'I32';
}

/** Burn's ParamSerde (burn-core `record/primitive.rs`): a parameter's id and its tensor. */
export interface ParamSerde {
  readonly id: string;
  readonly param: TensorData;
}

/** A float32 tensor of the model (tfjs layout) as Burn's TensorData of the weight `p`. */
export function tensorData(p: BurnParam, t: PackedTensor): TensorData {
  return { bytes: relayout(p, t.data, t.shape, true), shape: burnShape(p, t.shape), dtype: t.dtype === 'int32' ? 'I32' : 'F32' };
}

/** The weight `p` of the model as Burn's ParamSerde. */
export function paramSerde(p: BurnParam, t: PackedTensor): ParamSerde {
  return { id: paramIdOf(p.name), param: tensorData(p, t) };
}

/** A map as msgpack decoded it, or an error naming where. */
export function asMap(value: unknown, where: string): { [key: string]: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) throw new Error(`${where} is not a map`);
  return value as { [key: string]: unknown };
}

/** Reads Burn's TensorData back into a tensor of the model (tfjs layout) named as `p`; errors name `where`. */
export function readTensorData(value: unknown, p: BurnParam, where: string): PackedTensor {
  const d = asMap(value, where);
  if (d.dtype !== 'F32' && d.dtype !== 'I32') throw new Error(`${where}: dtype ${JSON.stringify(d.dtype)}, Kiln reads F32 and I32 tensors`);
  const shape = d.shape;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error(`${where}: its shape is not a list of sizes`);
  if (!(d.bytes instanceof Uint8Array)) throw new Error(`${where}: its bytes are not bytes`);
  const values = shape.reduce((a: number, b: number) => a * b, 1);
  if (d.bytes.byteLength !== 4 * values) throw new Error(`${where}: ${d.bytes.byteLength} bytes for shape [${shape}] (${4 * values} expected)`);
  let tfShape: number[];
  try {
    tfShape = tfjsShape(p, shape);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  return { name: p.name, shape: tfShape, dtype: d.dtype === 'I32' ? 'int32' : 'float32', data: relayout(p, d.bytes, tfShape, false) };
}

/** Reads a ParamSerde back into the tensor of the weight `p`. */
export function readParamSerde(value: unknown, p: BurnParam, where: string): PackedTensor {
  const s = asMap(value, where);
  if (typeof s.id !== 'string') throw new Error(`${where}: not a parameter (no id)`);
  return readTensorData(s.param, p, `${where}.param`);
}
