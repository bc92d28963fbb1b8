import * as tf from '@tensorflow/tfjs';
import type { TrainStep } from '../model/base';
import type { Optimizer } from '../optim/base';
import type { StatsFn, StepEngine, StepStats } from './base';
import type { EngineContext, StepEngineFactory } from './factory';

/** The tfjs step: tf.variableGrads over the model's forward pass, on any backend. */
export class TfjsStepEngine<B> implements StepEngine<B, StepStats> {
  readonly name = 'tfjs';
  private accumulated: tf.Tensor[] | null = null;
  private accumulatedItems = 0;
  /** The params' variables, in order: the step differentiates with respect to them. */
  private readonly vars: tf.Variable[];

  constructor(
    private readonly step: TrainStep<B>,
    private readonly optimizer: Optimizer,
    private readonly trainStats: StatsFn,
    private readonly validStats: StatsFn,
  ) {
    this.vars = step.params.map((p) => p.variable);
  }

  train(batch: B | null, _index: number, apply: { lr: number } | null): StepStats {
    if (batch === null) throw new Error('the tfjs step needs its batches');
    const { vars } = this;
    let stats: StepStats = [];
    let size = 0;
    const grads = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = this.step.forward(batch!, true);
        size = out.batchSize;
        stats = this.trainStats(out).map((s) => tf.keep(s));
        return out.loss;
      }, vars);
      return vars.map((v) => grads[v.name]);
    });
    const mean = this.accumulate(grads, size, apply !== null);
    if (apply && mean) {
      this.optimizer.apply(this.step.params, mean, apply.lr);
      tf.dispose(mean);
    }
    return stats;
  }

  /**
   * Adds a batch's gradients, weighted by its size, to the running sum. Returns the weighted
   * mean when the optimizer should step, so k batches of size b equal one batch of k·b.
   */
  private accumulate(grads: tf.Tensor[], size: number, step: boolean): tf.Tensor[] | null {
    if (step && !this.accumulated) return grads; // no accumulation: use the gradients as they are
    const sum = tf.tidy(() => grads.map((g, i) => (this.accumulated ? tf.add(this.accumulated[i], tf.mul(g, size)) : tf.mul(g, size))));
    tf.dispose(grads);
    tf.dispose(this.accumulated ?? []);
    this.accumulatedItems += size;
    if (!step) {
      this.accumulated = sum;
      return null;
    }
    const items = this.accumulatedItems;
    const mean = tf.tidy(() => sum.map((s) => tf.div(s, items)));
    tf.dispose(sum);
    this.accumulated = null;
    this.accumulatedItems = 0;
    return mean;
  }

  valid(batch: B | null): StepStats {
    if (batch === null) throw new Error('the tfjs step needs its batches');
    return tf.tidy(() => this.validStats(this.step.forward(batch, false)));
  }

  async sync(): Promise<void> {}

  dispose(): void {
    tf.dispose(this.accumulated ?? []);
    this.accumulated = null;
  }
}

/** The tfjs step as a step-engine factory: it builds for every model on every backend. */
export function tfjsStep(): StepEngineFactory {
  return {
    name: 'tfjs',
    create: async <B>(c: EngineContext<B>) => ({ engine: new TfjsStepEngine(c.step, c.optimizer, c.statsFn.train, c.statsFn.valid), why: '' }),
  };
}
