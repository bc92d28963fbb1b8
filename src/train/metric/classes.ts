import * as tf from '@tensorflow/tfjs';
import type { StepOutput } from './base';

/** Target class indices [batch] (int32), accepting one-hot targets too. */
export function targetClasses(out: StepOutput): tf.Tensor1D {
  return (out.targets.rank > 1 ? tf.argMax(out.targets, -1) : out.targets.toInt()) as tf.Tensor1D;
}

/** Predicted class indices [batch]; a single-unit output is a binary classifier thresholded at 0.5 / 0. */
export function predictedClasses(out: StepOutput): tf.Tensor1D {
  return tf.argMax(out.output, -1) as tf.Tensor1D;
}
