import * as tf from '@tensorflow/tfjs';
import type { StepOutput } from './base';

/** Target class indices [batch] (int32), accepting one-hot targets too. */
export function targetClasses(out: StepOutput): tf.Tensor1D {
  if (out.targets.rank > 1) return tf.argMax(out.targets, -1) as tf.Tensor1D;
  // A cast to the same dtype would still copy.
  return (out.targets.dtype === 'int32' ? out.targets : out.targets.toInt()) as tf.Tensor1D;
}

/**
 * Predicted class indices [batch]: the arg-max of one output per class. A single-unit binary
 * classifier reaches the metrics as two columns (`classification()` widens it).
 */
export function predictedClasses(out: StepOutput): tf.Tensor1D {
  if (out.output.shape[out.output.rank - 1] === 1) {
    throw new Error('classification metrics need one output per class; wrap a single-unit binary model with classification(model)');
  }
  return tf.argMax(out.output, -1) as tf.Tensor1D;
}
