import * as tf from '@tensorflow/tfjs';
import type { RmsPropConfig } from './config';
import { SlottedOptimizer, type UpdateContext } from './slotted';

/** Slots this config needs: the squared average always, the others only when switched on. */
function slotNamesFor(config: RmsPropConfig): string[] {
  return ['ms', ...(config.centered ? ['mg'] : []), ...(config.momentum > 0 ? ['momentum'] : [])];
}

/**
 * RMSprop with PyTorch's semantics: ms = ρ·ms + (1 − ρ)g²; centered subtracts the squared mean
 * gradient 'mg'; with momentum the scaled gradient goes through a buffer.
 */
export class RmsProp extends SlottedOptimizer<RmsPropConfig> {
  constructor(config: RmsPropConfig) {
    super(config, slotNamesFor(config));
  }

  protected override update({ param, grad, lr, slot }: UpdateContext): void {
    const { rho, epsilon, momentum, centered, weightDecay } = this.config;
    const g = weightDecay > 0 ? tf.add(grad, tf.mul(tf.scalar(weightDecay), param)) : grad;
    const rhoT = tf.scalar(rho);
    const oneMinusRho = tf.scalar(1 - rho);
    const ms = slot('ms');
    const msNext = tf.add(tf.mul(rhoT, ms), tf.mul(oneMinusRho, tf.square(g)));
    ms.assign(msNext);
    let variance: tf.Tensor = msNext;
    if (centered) {
      const mg = slot('mg');
      const mgNext = tf.add(tf.mul(rhoT, mg), tf.mul(oneMinusRho, g));
      mg.assign(mgNext);
      variance = tf.sub(msNext, tf.square(mgNext));
    }
    const scaled = tf.div(g, tf.add(tf.sqrt(variance), tf.scalar(epsilon)));
    if (momentum > 0) {
      const buf = slot('momentum');
      const bufNext = tf.add(tf.mul(tf.scalar(momentum), buf), scaled);
      buf.assign(bufNext);
      param.assign(tf.sub(param, tf.mul(lr, bufNext)));
    } else {
      param.assign(tf.sub(param, tf.mul(lr, scaled)));
    }
  }
}
