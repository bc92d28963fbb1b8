import type { MetricHistory } from '../../learner/history';
import type { CheckpointingStrategy } from './base';

/** Keeps a checkpoint while any strategy wants it (Burn's ComposedCheckpointingStrategy). */
export class ComposedCheckpointingStrategy implements CheckpointingStrategy {
  readonly strategies: readonly CheckpointingStrategy[];

  constructor(...strategies: CheckpointingStrategy[]) {
    this.strategies = strategies;
  }

  keep(epoch: number, history: MetricHistory): number[] {
    return [...new Set(this.strategies.flatMap((s) => s.keep(epoch, history)))].sort((a, b) => a - b);
  }
}
