import type { Metric, MetricEntry, MetricMetadata } from './base';

/** Items per second since the epoch began (a running rate, so it settles instead of jittering). */
export class IterationSpeedMetric implements Metric {
  readonly name = 'Iteration Speed';
  readonly higherIsBetter = true;

  stats(): null {
    return null;
  }

  update(_stats: Float32Array | null, batchSize: number, meta: MetricMetadata): MetricEntry {
    const seconds = Math.max(meta.time - meta.epochStart, 1e-3) / 1000;
    const value = meta.itemsProcessed / seconds;
    return { name: this.name, value, count: batchSize, running: value, formatted: `${value.toFixed(0)} items/s` };
  }

  clear(): void {}
}
