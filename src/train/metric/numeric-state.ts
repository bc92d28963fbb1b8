import type { MetricEntry } from './base';

/** Running epoch mean weighted by batch size (Burn's NumericMetricState). */
export class NumericMetricState {
  private sum = 0;
  private count = 0;

  constructor(
    private readonly name: string,
    private readonly precision = 4,
    private readonly unit = '',
  ) {}

  /** Adds a batch value with its weight and returns the entry to log. */
  update(value: number, count: number): MetricEntry {
    this.sum += value * count;
    this.count += count;
    const running = this.sum / this.count;
    const fmt = (v: number) => `${v.toFixed(this.precision)}${this.unit}`;
    return { name: this.name, value, count, running, formatted: `epoch ${fmt(running)} - batch ${fmt(value)}` };
  }

  /** Forgets the epoch. */
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
}
