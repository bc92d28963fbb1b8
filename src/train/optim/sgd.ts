import * as tf from '@tensorflow/tfjs';
import type { SgdConfig } from './config';
import { SlottedOptimizer, type UpdateContext } from './slotted';

/**
 * Stochastic gradient descent with PyTorch's semantics: g += wd·p; v = μv + (1 − dampening)g
 * (v = g on the first step); the step uses g + μv with Nesterov, else v.
 */
export class Sgd extends SlottedOptimizer<SgdConfig> {
  constructor(config: SgdConfig) {
    // Plain SGD keeps no state, so it gets no slot and its records stay empty.
    super(config, config.momentum > 0 ? ['momentum'] : []);
  }

  protected override update({ param, grad, lr, slot, fresh }: UpdateContext): void {
    const { momentum, dampening, nesterov, weightDecay } = this.config;
    let g = weightDecay > 0 ? tf.add(grad, tf.mul(tf.scalar(weightDecay), param)) : grad;
    if (momentum > 0) {
      const buf = slot('momentum');
      const mu = tf.scalar(momentum);
      // PyTorch seeds the buffer with the raw gradient, undamped, on the first step.
      const next = fresh ? g : tf.add(tf.mul(mu, buf), tf.mul(tf.scalar(1 - dampening), g));
      buf.assign(next);
      g = nesterov ? tf.add(g, tf.mul(mu, next)) : next;
    }
    param.assign(tf.sub(param, tf.mul(lr, g)));
  }
}
