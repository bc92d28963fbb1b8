import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, StepOutput } from './base';
import { NumericMetricState } from './numeric-state';

/**
 * Mean absolute error of a regression batch, over every target value, times `scale`: targets
 * trained standardized report their error in the label's own units (scale = the targets' std).
 */
export class MaeMetric implements Metric {
  readonly name = 'MAE';
  readonly higherIsBetter = false;
  private readonly state = new NumericMetricState(this.name);

  constructor(private readonly scale = 1) {}

  /** [sum of |output − target|, number of values]. */
  stats(out: StepOutput): tf.Tensor {
    return tf.stack([tf.sum(tf.abs(tf.sub(out.output, out.targets))), tf.scalar(out.output.size)]);
  }

  update(stats: Float32Array | null, batchSize: number): MetricEntry {
    return this.state.update((this.scale * stats![0]) / stats![1], batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}
