import * as tf from '@tensorflow/tfjs';
import type { AdamConfig } from './config';
import { SlottedOptimizer, type UpdateContext } from './slotted';

/**
 * Adam ('adam': L2 decay added to the gradient, PyTorch Adam) and AdamW ('adamw': decoupled decay,
 * p −= lr·wd·p before the Adam step, PyTorch AdamW). Slots: 'm' (first moment), 'v' (second moment).
 */
export class Adam extends SlottedOptimizer<AdamConfig> {
  constructor(config: AdamConfig) {
    super(config, ['m', 'v']);
  }

  protected override update({ param, grad, lr, lrValue, t, slot }: UpdateContext): void {
    const { type, beta1, beta2, epsilon, weightDecay } = this.config;
    let g = grad;
    if (weightDecay > 0) {
      if (type === 'adamw') param.assign(tf.mul(param, tf.scalar(1 - lrValue * weightDecay)));
      else g = tf.add(g, tf.mul(tf.scalar(weightDecay), param));
    }
    const m = slot('m');
    const v = slot('v');
    const mNext = tf.add(tf.mul(tf.scalar(beta1), m), tf.mul(tf.scalar(1 - beta1), g));
    const vNext = tf.add(tf.mul(tf.scalar(beta2), v), tf.mul(tf.scalar(1 - beta2), tf.square(g)));
    m.assign(mNext);
    v.assign(vNext);
    // Bias corrections are host numbers: t is a JS counter, so no device read-back is needed.
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const denom = tf.add(tf.div(tf.sqrt(vNext), tf.scalar(Math.sqrt(bc2))), tf.scalar(epsilon));
    const stepSize = tf.div(lr, tf.scalar(bc1));
    param.assign(tf.sub(param, tf.mul(stepSize, tf.div(mNext, denom))));
  }
}
