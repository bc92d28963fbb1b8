import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry } from './base';
import { NumericMetricState } from './numeric-state';

/** tfjs tensor memory: bytes held by live tensors (MiB) or their count; growth means a leak. */
export class TensorMemoryMetric implements Metric {
  readonly name: string;
  readonly higherIsBetter = false;
  private readonly state: NumericMetricState;

  constructor(readonly measure: 'bytes' | 'tensors' = 'bytes') {
    this.name = measure === 'bytes' ? 'Tensor Memory' : 'Tensor Count';
    this.state = new NumericMetricState(this.name, measure === 'bytes' ? 2 : 0, measure === 'bytes' ? ' MiB' : '');
  }

  stats(): null {
    return null;
  }

  update(_stats: Float32Array | null, batchSize: number): MetricEntry {
    const m = tf.memory();
    const value = this.measure === 'bytes' ? m.numBytes / 2 ** 20 : m.numTensors;
    return this.state.update(value, batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}
