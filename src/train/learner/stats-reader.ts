import * as tf from '@tensorflow/tfjs';
import type { StepStats } from '../step/base';
import { GroupedStatsSource, type GroupValues, type QueuedStats } from '../step/stats';

/**
 * The tfjs step's statistics source: the tensors of up to `groupSize` steps are concatenated and
 * read with one asynchronous `data()`, so a GPU backend runs one concat and one read-back (fence,
 * copy) per group instead of per step, and the loop never blocks on it.
 */
export class StatsReader extends GroupedStatsSource<StepStats> {
  constructor(groupSize = 8, slowMs = 50) {
    super(groupSize, slowMs);
  }

  protected override isEmpty(stats: StepStats): boolean {
    return !stats.length;
  }

  /**
   * A short group is padded to `groupSize` steps with copies of its last step's tensors: a GPU
   * backend compiles a shader per concat layout, and a fixed layout is compiled once, in the first
   * step, instead of mid-run.
   */
  protected readGroup(group: readonly QueuedStats<StepStats>[]): Promise<GroupValues> {
    const offsets: number[] = [];
    let offset = 0;
    for (const { stats } of group) {
      offsets.push(offset);
      for (const t of stats) offset += t.size;
    }
    const tensors = group.flatMap((q) => q.stats);
    const last = group[group.length - 1].stats;
    const padding = Array.from({ length: this.groupSize - group.length }, () => last).flat();
    const joined = tf.concat([...tensors, ...padding]);
    tf.dispose(tensors);
    // The read is queued, so the tensor can go once it lands; tfjs keeps the data until then.
    return (joined.data() as Promise<Float32Array>).then((values) => ({ values, offsets })).finally(() => joined.dispose());
  }

  protected override release(stats: readonly StepStats[]): void {
    tf.dispose(stats.flat());
  }
}
