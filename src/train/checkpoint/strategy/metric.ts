import type { Split } from '../../metric/base';
import type { Direction, MetricHistory } from '../../learner/history';
import type { CheckpointingStrategy } from './base';

/** Keeps the checkpoint of the epoch with the best epoch-mean of a metric (Burn's MetricCheckpointingStrategy). */
export class MetricCheckpointingStrategy implements CheckpointingStrategy {
  constructor(
    readonly metric: string,
    readonly direction: Direction,
    readonly split: Split = 'valid',
  ) {}

  keep(epoch: number, history: MetricHistory): number[] {
    // Before the metric has a value (e.g. no validation), keep the current epoch, as Burn does.
    return [history.bestEpoch(this.split, this.metric, this.direction, epoch) ?? epoch];
  }
}
