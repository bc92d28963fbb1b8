import type { Split } from '../metric/base';

/** Whether smaller or larger values of a metric are better. */
export type Direction = 'lowest' | 'highest';

/**
 * Epoch means of every metric per split: what early stopping, checkpoint retention and the
 * summary decide from. Rebuilt from the metric logs on resume, so decisions stay the same.
 */
export class MetricHistory {
  private readonly values = new Map<string, Map<number, number>>();

  private key(split: Split, name: string): string {
    return `${split}/${name}`;
  }

  /** Records a metric's epoch mean. */
  record(split: Split, name: string, epoch: number, value: number): void {
    const k = this.key(split, name);
    if (!this.values.has(k)) this.values.set(k, new Map());
    this.values.get(k)!.set(epoch, value);
  }

  /** The epoch mean, if recorded. */
  get(split: Split, name: string, epoch: number): number | undefined {
    return this.values.get(this.key(split, name))?.get(epoch);
  }

  /** (epoch, value) pairs in epoch order, up to `until` inclusive. */
  series(split: Split, name: string, until = Infinity): [number, number][] {
    const m = this.values.get(this.key(split, name));
    if (!m) return [];
    return [...m].filter(([e]) => e <= until).sort((a, b) => a[0] - b[0]);
  }

  /** Metric names recorded for a split, in first-recorded order. */
  names(split: Split): string[] {
    const prefix = `${split}/`;
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** The epoch (≤ until) with the best value; the earliest wins ties; NaN never wins. */
  bestEpoch(split: Split, name: string, direction: Direction, until = Infinity): number | undefined {
    let best: [number, number] | undefined;
    for (const [e, v] of this.series(split, name, until)) {
      if (Number.isNaN(v)) continue;
      if (!best || (direction === 'lowest' ? v < best[1] : v > best[1])) best = [e, v];
    }
    return best?.[0];
  }
}
