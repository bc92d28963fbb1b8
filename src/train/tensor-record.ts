import * as tf from '@tensorflow/tfjs';

/** A tensor as plain data: what checkpoint records hold for weights and optimizer slots. */
export interface TensorRecord {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
}

/** Reads a tensor back from the device (async: no blocking read-back). */
export async function toTensorRecord(name: string, t: tf.Tensor): Promise<TensorRecord> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`${name}: dtype ${t.dtype} cannot be saved`);
  const data = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: [...t.shape], dtype: t.dtype, data };
}

/** Makes a tensor from a record. */
export function fromTensorRecord(r: TensorRecord): tf.Tensor {
  return tf.tensor(r.data, r.shape, r.dtype);
}

/** Throws a clear error when a record does not fit the expected shape. */
export function checkShape(what: string, expected: readonly number[], r: TensorRecord): void {
  const same = expected.length === r.shape.length && expected.every((d, i) => d === r.shape[i]);
  if (!same) {
    throw new Error(`${what}: expected shape [${expected.join(',')}], record has [${r.shape.join(',')}] ('${r.name}')`);
  }
}
