import * as tf from '@tensorflow/tfjs';
import { outputsProbabilities } from '../train/model/layers';
import type { LoadedModel } from './load';

/** What a model said about `rows` inputs. */
export type Predictions =
  | {
      readonly task: 'classification';
      readonly rows: number;
      readonly classNames: readonly string[];
      /** rows × classes, each row summing to 1. */
      readonly probabilities: Float32Array;
      /** The arg-max class of each row. */
      readonly predicted: Int32Array;
    }
  | {
      readonly task: 'regression';
      readonly rows: number;
      /** Values per row (targets of the model). */
      readonly outputs: number;
      /** rows × outputs, in the label's units. */
      readonly values: Float32Array;
    };

/**
 * The model's output read as training reads it (`classification()` in src/train): `columns` are one
 * score per class, whose arg-max the Accuracy metric counts (a single unit, a binary classifier, is
 * widened to [1 − p, p], or [−z, z] for a logit); `probabilities` apply the softmax (a sigmoid for a
 * single logit) unless the model's last layer already did.
 */
function classify(model: tf.LayersModel, output: tf.Tensor2D): { probabilities: tf.Tensor; predicted: tf.Tensor } {
  const given = outputsProbabilities(model);
  let columns: tf.Tensor = output;
  let probabilities: tf.Tensor = output;
  if (output.shape[1] === 1) {
    columns = given ? tf.concat([tf.sub(1, output), output], 1) : tf.concat([tf.neg(output), output], 1);
    const p = given ? output : tf.sigmoid(output);
    probabilities = tf.concat([tf.sub(1, p), p], 1);
  } else if (!given) probabilities = tf.softmax(output);
  return { probabilities, predicted: tf.argMax(columns, 1) };
}

/** Reads tensors back and frees them. */
async function readAll(tensors: tf.Tensor[]): Promise<(Float32Array | Int32Array)[]> {
  try {
    return (await Promise.all(tensors.map((t) => t.data()))) as (Float32Array | Int32Array)[];
  } finally {
    tf.dispose(tensors);
  }
}

function joined<A extends Float32Array | Int32Array>(parts: A[], make: new (n: number) => A): A {
  const out = new make(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/**
 * Runs the model on `rows` inputs (`x` row-major, the model's input shape per row) in batches of
 * the run's batch size, on the current backend: probabilities per class, or regression values in
 * the label's units (the run's target standardization undone).
 */
export async function predict(loaded: LoadedModel, x: Float32Array, rows: number): Promise<Predictions> {
  const size = loaded.inputShape.reduce((a, b) => a * b, 1);
  if (x.length !== rows * size) throw new Error(`predict: ${x.length} values for ${rows} inputs of shape [${loaded.inputShape}]`);
  const batch = loaded.source.batchSize;
  const output = loaded.output;
  const values: Float32Array[] = [];
  const predicted: Int32Array[] = [];
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const out = tf.tidy(() => {
      const input = tf.tensor(x.subarray(start * size, (start + n) * size), [n, ...loaded.inputShape]);
      const flat = (loaded.model.apply(input, { training: false }) as tf.Tensor).reshape([n, -1]) as tf.Tensor2D;
      if (output.task === 'regression') return [flat];
      const c = classify(loaded.model, flat);
      return [c.probabilities, c.predicted];
    });
    const [v, p] = await readAll(out);
    values.push(v as Float32Array);
    if (p) predicted.push(p as Int32Array);
  }
  const all = joined(values, Float32Array);
  if (output.task === 'classification') {
    return { task: 'classification', rows, classNames: output.classNames, probabilities: all, predicted: joined(predicted, Int32Array) };
  }
  for (let i = 0; i < all.length; i++) all[i] = all[i] * output.scale + output.mean;
  return { task: 'regression', rows, outputs: rows ? all.length / rows : 1, values: all };
}
