import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, StepOutput } from './base';
import { predictedClasses, targetClasses } from './classes';
import { NumericMetricState } from './numeric-state';

/** Share of the batch whose arg-max equals the target, in percent (as Burn logs it). */
export class AccuracyMetric implements Metric {
  readonly name = 'Accuracy';
  readonly higherIsBetter = true;
  private readonly state = new NumericMetricState(this.name, 2, '%');

  stats(out: StepOutput): tf.Tensor {
    return tf.sum(tf.equal(predictedClasses(out), targetClasses(out)).toFloat());
  }

  update(stats: Float32Array | null, batchSize: number): MetricEntry {
    return this.state.update((100 * stats![0]) / batchSize, batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}
