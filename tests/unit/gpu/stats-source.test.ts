import { describe, expect, it, vi } from 'vitest';
import { CompiledStatsSource, compiledLayout } from '../../../src/gpu/stats';
import type { Metric } from '../../../src/train/metric/base';
import { AccuracyMetric, LearningRateMetric, LossMetric, MaeMetric, PrecisionMetric, RecallMetric, TopKAccuracyMetric } from '../../../src/train/metric';

/** Records [loss sum, correct, rows, 0] for steps from..from+count, arriving after `delayMs`. */
const records = (delayMs: number) => (from: number, count: number) => {
  const values = Float32Array.from({ length: count * 4 }, (_, i) => [2 * (from + (i >> 2)), 3, 4, 0][i % 4]);
  return delayMs ? new Promise<Float32Array>((resolve) => setTimeout(() => resolve(values), delayMs)) : Promise.resolve(values);
};

describe('compiled statistics', () => {
  it('turns_records_into_each_metrics_values_in_the_tfjs_steps_layout', async () => {
    const layout = compiledLayout([new LossMetric(), new AccuracyMetric(), new LearningRateMetric()], 10, false);
    if ('reason' in layout) throw new Error(layout.reason);
    expect(layout.sizes).toEqual([1, 1, 0]);
    const mae = compiledLayout([new MaeMetric()], 3, false);
    if ('reason' in mae) throw new Error(mae.reason);
    const source = new CompiledStatsSource(records(0), { train: layout.write, valid: mae.write }, 4, 2, 1e9);
    const a = source.add({ id: 5, split: 'train' });
    const b = source.add({ id: 6, split: 'valid' });
    expect(Array.from((await source.values(a))!.subarray(a.offset, a.offset + 2))).toEqual([10 / 4, 3]); // mean loss, correct
    expect(Array.from((await source.values(b))!.subarray(b.offset, b.offset + 2))).toEqual([3, 4 * 3]); // |error| sum, values
  });

  it('reads_confusion_counts_and_top_k_hits_from_the_class_statistics', async () => {
    const metrics = [new PrecisionMetric(), new TopKAccuracyMetric(2), new TopKAccuracyMetric(9)];
    const layout = compiledLayout(metrics, 3, true);
    if ('reason' in layout) throw new Error(layout.reason);
    expect(layout.sizes).toEqual([9, 1, 1]);
    // [loss, correct, rows, 0, tp×3, predicted×3, actual×3, rows with the label at rank 0, 1, 2]
    const record = Float32Array.from([1, 2, 6, 0, 1, 1, 0, 2, 2, 2, 3, 2, 1, 2, 3, 1]);
    const source = new CompiledStatsSource(() => Promise.resolve(record), { train: layout.write, valid: layout.write }, 16, 2, 1e9);
    const slot = source.add({ id: 0, split: 'train' });
    expect(Array.from((await source.values(slot))!.subarray(slot.offset, slot.offset + 11))).toEqual([1, 1, 0, 2, 2, 2, 3, 2, 1, 5, 6]);
  });

  it('refuses_a_metric_it_does_not_compute_naming_it', () => {
    const custom: Metric = {
      name: 'Custom',
      higherIsBetter: true,
      stats: () => null,
      update: () => ({ name: 'Custom', value: 0, count: 1, running: 0, formatted: '0' }),
      clear: () => {},
    };
    expect(compiledLayout([new LossMetric(), custom], 10, false)).toEqual({ reason: 'metric Custom is not computed by the compiled step' });
    expect(compiledLayout([new RecallMetric()], 10, false)).toEqual({
      reason: 'metric Recall needs class counts, which the compiled step keeps for classification only',
    });
  });

  it('lets_the_loop_run_ahead_by_about_fifty_ms_of_gpu_work', async () => {
    const slow = new CompiledStatsSource(records(80), { train: () => {}, valid: () => {} }, 4, 8, 1e9);
    const fast = new CompiledStatsSource(records(0), { train: () => {}, valid: () => {} }, 4, 8, 1e9);
    const readFirst = async (source: CompiledStatsSource) => {
      const slots = Array.from({ length: 8 }, (_, id) => source.add({ id, split: 'train' }));
      await source.values(slots[0]);
    };
    await readFirst(slow); // a loaded machine only makes it slower: still the floor
    expect(slow.lag).toBe(16); // ~10 ms a step: the floor
    // Values back at once: the clock stands still, as a busy test machine could not promise.
    const clock = vi.spyOn(performance, 'now').mockReturnValue(1000);
    try {
      await readFirst(fast);
    } finally {
      clock.mockRestore();
    }
    expect(fast.lag).toBe(160); // the ceiling
  });
});
