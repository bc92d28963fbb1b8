import type { Metric, Split } from '../train/metric/base';
import { slotValues, type StatsSlot, type StatsSource } from '../train/learner/stats-reader';

/** Reads `count` steps' records from step id `from` (the trainer's `statsStride` floats each). */
export type ReadRecords = (from: number, count: number) => Promise<Float32Array>;

/** A compiled step's statistics until read: its id in the trainer and its split. */
export interface CompiledStats {
  readonly id: number;
  readonly split: Split;
}

type Layout = (record: Float32Array, at: number, out: number[]) => void;

/** Whether the metrics need per-class counts and label ranks in the step records. */
export function needsClassStats(metrics: readonly Metric[]): boolean {
  return metrics.some((m) => m.compiledStat === 'confusion' || m.compiledStat === 'top-k');
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
    switch (m.compiledStat) {
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
      case 'top-k': {
        if (!classStats) return counts(m);
        const k = Math.min(m.k ?? 1, outputs);
        sizes.push(1);
        parts.push((r, at, out) => {
          let hits = 0;
          for (let rank = 0; rank < k; rank++) hits += r[at + 4 + 3 * outputs + rank];
          out.push(hits);
        });
        break;
      }
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
export class CompiledStatsSource implements StatsSource<CompiledStats> {
  private pending: { slot: StatsSlot; stats: CompiledStats; added: number }[] = [];
  private lastAdd = -Infinity;
  /** Steps the loop may run ahead of the values that came back (see the class comment). */
  lag = 16;

  constructor(
    private readonly read: ReadRecords,
    private readonly layouts: Record<Split, Layout>,
    private readonly stride: number,
    private readonly groupSize = 32,
    private readonly slowMs = 50,
    private readonly maxLag = 160,
    private readonly aheadMs = 50,
  ) {}

  add(stats: CompiledStats): StatsSlot {
    const t = now();
    const slow = t - this.lastAdd >= this.slowMs;
    this.lastAdd = t;
    const slot: StatsSlot = { offset: 0, landed: null };
    this.pending.push({ slot, stats, added: t });
    if (slow || this.pending.length >= this.groupSize) this.flush();
    return slot;
  }

  flush(): void {
    if (!this.pending.length) return;
    const group = this.pending;
    this.pending = [];
    const from = group[0].stats.id;
    const count = group[group.length - 1].stats.id - from + 1;
    const landed = this.read(from, count).then(
      (records) => {
        // From a group's first step to its values: an upper bound on the GPU's time per step.
        const msPerStep = (now() - group[0].added) / group.length;
        this.lag = Math.max(16, Math.min(this.maxLag, Math.floor(this.aheadMs / msPerStep)));
        const values: number[] = [];
        for (const { slot, stats } of group) {
          slot.offset = values.length;
          this.layouts[stats.split](records, (stats.id - from) * this.stride, values);
        }
        const all = Float32Array.from(values);
        for (const { slot } of group) slot.values = all;
      },
      (error: unknown) => group.forEach(({ slot }) => (slot.error = error)),
    );
    for (const { slot } of group) slot.landed = landed;
  }

  values(slot: StatsSlot): Promise<Float32Array | null> {
    return slotValues(slot, () => this.flush());
  }

  dispose(): void {
    this.pending = [];
  }
}
