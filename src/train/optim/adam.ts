import * as tf from '@tensorflow/tfjs';
import type { AdamConfig } from './config';
import { fusedAdamUpdate } from './fused-adam';
import { SlottedOptimizer, type UpdateContext } from './slotted';

/**
 * Adam ('adam': L2 decay added to the gradient, PyTorch Adam) and AdamW ('adamw': decoupled decay,
 * p −= lr·wd·p before the Adam step, PyTorch AdamW). Slots: 'm' (first moment), 'v' (second moment).
 */
export class Adam extends SlottedOptimizer<AdamConfig> {
  constructor(config: AdamConfig) {
    super(config, ['m', 'v']);
  }

  protected override update({ param, grad, lrValue, t, slot }: UpdateContext): void {
    const { type, beta1, beta2, epsilon, weightDecay } = this.config;
    const m = slot('m');
    const v = slot('v');
    // PyTorch's lr/bc1 · m / (√v/√bc2 + ε), rearranged (Kingma & Ba, §2) as lr·√bc2/bc1 · m / (√v + ε·√bc2):
    // the bias corrections become host numbers (t is a JS counter), which saves two full-size kernels.
    const bc1 = 1 - beta1 ** t;
    const rootBc2 = Math.sqrt(1 - beta2 ** t);
    const decoupled = type === 'adamw';
    const attrs = {
      beta1,
      beta2,
      stepSize: (lrValue * rootBc2) / bc1,
      epsilon: epsilon * rootBc2,
      l2: decoupled ? 0 : weightDecay,
      decay: decoupled ? 1 - lrValue * weightDecay : 1,
    };
    if (fusedAdamUpdate(param, grad, m, v, attrs)) return;
    const p = attrs.decay === 1 ? param : tf.mul(param, attrs.decay);
    const g = attrs.l2 > 0 ? tf.add(grad, tf.mul(p, attrs.l2)) : grad;
    const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(mNext);
    v.assign(vNext);
    param.assign(tf.sub(p, tf.mul(tf.div(mNext, tf.add(tf.sqrt(vNext), attrs.epsilon)), attrs.stepSize)));
  }
}
