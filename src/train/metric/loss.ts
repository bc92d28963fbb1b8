import type * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, StepOutput } from './base';
import { NumericMetricState } from './numeric-state';

/** The batch's mean loss. */
export class LossMetric implements Metric {
  readonly name = 'Loss';
  readonly higherIsBetter = false;
  private readonly state = new NumericMetricState(this.name);

  stats(out: StepOutput): tf.Tensor {
    return out.loss;
  }

  update(stats: Float32Array | null, batchSize: number): MetricEntry {
    return this.state.update(stats![0], batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}
