import type { MetricEntry } from '../metric/base';
import type { MetricLogger, NumericValue } from './base';

/** Keeps every value in memory (Burn's InMemoryMetricLogger): tests and throwaway runs. */
export class InMemoryMetricLogger implements MetricLogger {
  /** epoch → metric name → values. */
  readonly values = new Map<number, Map<string, NumericValue[]>>();

  async beginEpoch(epoch: number): Promise<void> {
    this.values.set(epoch, new Map());
  }

  log(entries: readonly MetricEntry[], epoch: number): void {
    let byName = this.values.get(epoch);
    if (!byName) this.values.set(epoch, (byName = new Map()));
    for (const e of entries) {
      const list = byName.get(e.name) ?? [];
      list.push({ value: e.value, count: e.count });
      byName.set(e.name, list);
    }
  }

  async flush(): Promise<void> {}

  async readNumeric(name: string, epoch: number): Promise<NumericValue[]> {
    return this.values.get(epoch)?.get(name) ?? [];
  }
}
