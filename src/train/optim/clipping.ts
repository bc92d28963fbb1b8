import * as tf from '@tensorflow/tfjs';
import type { GradClippingConfig } from './config';

/** Global L2 norm over all gradients, as a scalar tensor (no read-back). */
export function gradNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (grads.length === 0) return tf.scalar(0);
    return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  });
}

/**
 * Returns clipped copies of `grads`; the inputs are left alone and the caller owns the results.
 * 'norm' scales every gradient by one common factor so the global L2 norm is at most maxNorm
 * (PyTorch's clip_grad_norm_); 'value' clamps each element to [-maxValue, maxValue].
 */
export function clipGradients(grads: readonly tf.Tensor[], clipping: GradClippingConfig): tf.Tensor[] {
  return tf.tidy(() => {
    if (clipping.type === 'value') {
      return grads.map((g) => tf.clipByValue(g, -clipping.maxValue, clipping.maxValue));
    }
    // The factor stays on the device: reading the norm back would stall every step.
    // 1e-6 guards the division when all gradients are zero, as PyTorch does.
    const denom = tf.add(gradNorm(grads), tf.scalar(1e-6));
    const factor = tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipping.maxNorm), denom));
    return grads.map((g) => tf.mul(g, factor));
  });
}
