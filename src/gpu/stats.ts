import { AccuracyMetric } from '../train/metric/accuracy';
import type { Metric, Split } from '../train/metric/base';
import { FBetaScoreMetric, PrecisionMetric, RecallMetric } from '../train/metric/confusion';
import { IterationSpeedMetric } from '../train/metric/iteration-speed';
import { LearningRateMetric } from '../train/metric/learning-rate';
import { LossMetric } from '../train/metric/loss';
import { MaeMetric } from '../train/metric/mae';
import { TensorMemoryMetric } from '../train/metric/memory';
import { TopKAccuracyMetric } from '../train/metric/top-k';
import { GroupedStatsSource, type GroupValues, type QueuedStats } from '../train/step/stats';

/** Reads `count` steps' records from step id `from` (the trainer's `statsStride` floats each). */
export type ReadRecords = (from: number, count: number) => Promise<Float32Array>;

/** A compiled step's statistics until read: its id in the trainer and its split. */
export interface CompiledStats {
  readonly id: number;
  readonly split: Split;
}

type Layout = (record: Float32Array, at: number, out: number[]) => void;

/**
 * What the compiled step computes for a metric: nothing (it needs only metadata), the mean loss,
 * the correct count, [absolute error sum, values], the confusion counts [tp, predicted, actual per
 * class], or the top-k hits.
 */
type CompiledStat = 'none' | 'loss' | 'correct' | 'abs-error' | 'confusion' | { readonly topK: number };

/** The statistic the compiled step keeps for each metric class it knows; undefined: it cannot compute the metric. */
function compiledStat(m: Metric): CompiledStat | undefined {
  if (m instanceof LearningRateMetric || m instanceof IterationSpeedMetric || m instanceof TensorMemoryMetric) return 'none';
  if (m instanceof LossMetric) return 'loss';
  if (m instanceof AccuracyMetric) return 'correct';
  if (m instanceof MaeMetric) return 'abs-error';
  if (m instanceof PrecisionMetric || m instanceof RecallMetric || m instanceof FBetaScoreMetric) return 'confusion';
  if (m instanceof TopKAccuracyMetric) return { topK: m.k };
  return undefined;
}

/** Whether the metrics need per-class counts and label ranks in the step records. */
export function needsClassStats(metrics: readonly Metric[]): boolean {
  return metrics.some((m) => {
    const stat = compiledStat(m);
    return stat === 'confusion' || typeof stat === 'object';
  });
}

/**
 * Each metric's values from a step's record [loss sum, correct count | absolute error sum, rows,
 * spare, then with class statistics tp[C], predicted[C], actual[C], rank histogram[C]]: what the
 * metric's `update` reads from the tfjs step (mean loss, correct count, [sum, values], the
 * confusion counts, the top-k hits). `classStats` says whether the records hold the counts.
 */
export function compiledLayout(metrics: readonly Metric[], outputs: number, classStats: boolean): { sizes: number[]; write: Layout } | { reason: string } {
  const parts: Layout[] = [];
  const sizes: number[] = [];
  const counts = (m: Metric) => ({ reason: `metric ${m.name} needs class counts, which the compiled step keeps for classification only` });
  for (const m of metrics) {
    const stat = compiledStat(m);
    if (typeof stat === 'object') {
      if (!classStats) return counts(m);
      const k = Math.min(stat.topK, outputs);
      sizes.push(1);
      parts.push((r, at, out) => {
        let hits = 0;
        for (let rank = 0; rank < k; rank++) hits += r[at + 4 + 3 * outputs + rank];
        out.push(hits);
      });
      continue;
    }
    switch (stat) {
      case 'none':
        sizes.push(0);
        break;
      case 'loss':
        sizes.push(1);
        parts.push((r, at, out) => out.push(r[at] / r[at + 2]));
        break;
      case 'correct':
        sizes.push(1);
        parts.push((r, at, out) => out.push(r[at + 1]));
        break;
      case 'abs-error':
        sizes.push(2);
        parts.push((r, at, out) => out.push(r[at + 1], r[at + 2] * outputs));
        break;
      case 'confusion':
        if (!classStats) return counts(m);
        sizes.push(3 * outputs);
        parts.push((r, at, out) => {
          for (let i = 0; i < 3 * outputs; i++) out.push(r[at + 4 + i]);
        });
        break;
      default:
        return { reason: `metric ${m.name} is not computed by the compiled step` };
    }
  }
  return { sizes, write: (r, at, out) => parts.forEach((p) => p(r, at, out)) };
}

const now = () => performance.now();

/**
 * The compiled step's statistics source: steps are read back in groups of up to `groupSize` with
 * one copy of their records (the trainer's ring buffer) and one map, and turned into each
 * registered metric's values; the first step, and steps that come slowly, are read at once.
 * A map's round trip takes milliseconds where a step takes a tenth of one, so groups are large
 * and the loop may run ahead, but by no more than about `aheadMs` of GPU work (16 to `maxLag`
 * steps, from the pace at which groups land): queued work is what Pause and Stop wait for, and
 * on a software GPU it starves the page. `maxLag + groupSize` must stay below the ring's slots.
 */
export class CompiledStatsSource extends GroupedStatsSource<CompiledStats> {
  /** Steps the loop may run ahead of the values that came back (see the class comment). */
  lag = 16;

  constructor(
    private readonly read: ReadRecords,
    private readonly layouts: Record<Split, Layout>,
    private readonly stride: number,
    groupSize = 32,
    slowMs = 50,
    private readonly maxLag = 160,
    private readonly aheadMs = 50,
  ) {
    super(groupSize, slowMs);
  }

  protected async readGroup(group: readonly QueuedStats<CompiledStats>[]): Promise<GroupValues> {
    const from = group[0].stats.id;
    const count = group[group.length - 1].stats.id - from + 1;
    const records = await this.read(from, count);
    // From a group's first step to its values: an upper bound on the GPU's time per step.
    const msPerStep = (now() - group[0].added) / group.length;
    this.lag = Math.max(16, Math.min(this.maxLag, Math.floor(this.aheadMs / msPerStep)));
    const values: number[] = [];
    const offsets = group.map(({ stats }) => {
      const offset = values.length;
      this.layouts[stats.split](records, (stats.id - from) * this.stride, values);
      return offset;
    });
    return { values: Float32Array.from(values), offsets };
  }
}
