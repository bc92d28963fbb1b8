import type { Split } from '../metric/base';
import type { Direction, MetricHistory } from './history';

/** Decides after each epoch whether to stop (Burn's EarlyStoppingStrategy), purely from the history. */
export interface EarlyStoppingStrategy {
  /** A reason to stop after `epoch`, or null to go on. */
  shouldStop(epoch: number, history: MetricHistory): string | null;
}

/** Options of {@link MetricEarlyStopping}. */
export interface MetricEarlyStoppingOptions {
  readonly metric: string;
  readonly direction: Direction;
  /** Stop after this many epochs without improvement. */
  readonly patience: number;
  /** An epoch improves only when it beats the best by more than this. */
  readonly minDelta?: number;
  readonly split?: Split;
}

/** Stops when a metric's epoch mean has not improved for `patience` epochs (Burn's MetricEarlyStoppingStrategy). */
export class MetricEarlyStopping implements EarlyStoppingStrategy {
  readonly options: Required<MetricEarlyStoppingOptions>;

  constructor(options: MetricEarlyStoppingOptions) {
    if (!Number.isInteger(options.patience) || options.patience < 1) {
      throw new Error(`early stopping: patience must be a positive integer, got ${options.patience}`);
    }
    this.options = { minDelta: 0, split: 'valid', ...options };
  }

  shouldStop(epoch: number, history: MetricHistory): string | null {
    const { metric, direction, patience, minDelta, split } = this.options;
    let best: { epoch: number; value: number } | undefined;
    for (const [e, value] of history.series(split, metric, epoch)) {
      const better = direction === 'lowest' ? (b: number) => value < b - minDelta : (b: number) => value > b + minDelta;
      if (!Number.isNaN(value) && (!best || better(best.value))) best = { epoch: e, value };
    }
    if (!best || epoch - best.epoch < patience) return null;
    return `${split} ${metric} has not improved by more than ${minDelta} for ${epoch - best.epoch} epochs (best ${best.value.toFixed(4)} at epoch ${best.epoch})`;
  }
}
