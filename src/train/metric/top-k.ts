import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, StepOutput } from './base';
import { targetClasses } from './classes';
import { NumericMetricState } from './numeric-state';

/** Share of the batch whose target is among the k highest outputs, in percent. */
export class TopKAccuracyMetric implements Metric {
  readonly name: string;
  readonly higherIsBetter = true;
  private readonly state: NumericMetricState;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`top-k accuracy: k must be a positive integer, got ${k}`);
    this.name = `Top-${k} Accuracy`;
    this.state = new NumericMetricState(this.name, 2, '%');
  }

  stats(out: StepOutput): tf.Tensor {
    // The target is in the top k when fewer than k outputs are strictly greater than its own.
    // Gathered, not multiplied by a one-hot: -Infinity · 0 would be NaN. A NaN score never hits.
    const targetScore = tf.gather(out.output, targetClasses(out).reshape([-1, 1]), 1, 1);
    const above = tf.sum(tf.greater(out.output, targetScore).toFloat(), -1);
    const hit = tf.logicalAnd(tf.less(above, this.k), tf.logicalNot(tf.isNaN(targetScore.reshape([-1]))));
    return tf.sum(hit.toFloat());
  }

  update(stats: Float32Array | null, batchSize: number): MetricEntry {
    return this.state.update((100 * stats![0]) / batchSize, batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}
