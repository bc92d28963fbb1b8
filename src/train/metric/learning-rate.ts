import type { Metric, MetricEntry, MetricMetadata } from './base';
import { NumericMetricState } from './numeric-state';

/** The learning rate the optimizer step used (train split). */
export class LearningRateMetric implements Metric {
  readonly name = 'Learning Rate';
  readonly higherIsBetter = false;
  private readonly state = new NumericMetricState(this.name, 2);

  stats(): null {
    return null;
  }

  update(_stats: Float32Array | null, batchSize: number, meta: MetricMetadata): MetricEntry {
    const entry = this.state.update(meta.lr ?? NaN, batchSize);
    // Learning rates span decades; fixed decimals would print 0.00.
    return { ...entry, formatted: `${(meta.lr ?? NaN).toExponential(2)}` };
  }

  clear(): void {
    this.state.reset();
  }
}
