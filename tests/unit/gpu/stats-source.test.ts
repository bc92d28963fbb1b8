import { describe, expect, it } from 'vitest';
import { CompiledStatsSource, compiledLayout } from '../../../src/gpu/stats';
import { AccuracyMetric, LearningRateMetric, LossMetric, MaeMetric, TopKAccuracyMetric } from '../../../src/train/metric';

/** Records [loss sum, correct, rows, 0] for steps from..from+count, arriving after `delayMs`. */
const records = (delayMs: number) => (from: number, count: number) => {
  const values = Float32Array.from({ length: count * 4 }, (_, i) => [2 * (from + (i >> 2)), 3, 4, 0][i % 4]);
  return delayMs ? new Promise<Float32Array>((resolve) => setTimeout(() => resolve(values), delayMs)) : Promise.resolve(values);
};

describe('compiled statistics', () => {
  it('turns_records_into_each_metrics_values_in_the_tfjs_steps_layout', async () => {
    const layout = compiledLayout([new LossMetric(), new AccuracyMetric(), new LearningRateMetric()], 10);
    if ('reason' in layout) throw new Error(layout.reason);
    expect(layout.sizes).toEqual([1, 1, 0]);
    const mae = compiledLayout([new MaeMetric()], 3);
    if ('reason' in mae) throw new Error(mae.reason);
    const source = new CompiledStatsSource(records(0), { train: layout.write, valid: mae.write }, 2, 1e9);
    const a = source.add({ id: 5, split: 'train' });
    const b = source.add({ id: 6, split: 'valid' });
    expect(Array.from((await source.values(a))!.subarray(a.offset, a.offset + 2))).toEqual([10 / 4, 3]); // mean loss, correct
    expect(Array.from((await source.values(b))!.subarray(b.offset, b.offset + 2))).toEqual([3, 4 * 3]); // |error| sum, values
  });

  it('refuses_a_metric_it_does_not_compute_naming_it', () => {
    expect(compiledLayout([new LossMetric(), new TopKAccuracyMetric(3)], 10)).toEqual({ reason: 'metric Top-3 Accuracy is not computed by the compiled step' });
  });

  it('lets_the_loop_run_ahead_by_about_fifty_ms_of_gpu_work', async () => {
    const slow = new CompiledStatsSource(records(80), { train: () => {}, valid: () => {} }, 8, 1e9);
    const fast = new CompiledStatsSource(records(0), { train: () => {}, valid: () => {} }, 8, 1e9);
    for (const source of [slow, fast]) {
      const slots = Array.from({ length: 8 }, (_, id) => source.add({ id, split: 'train' }));
      await source.values(slots[0]);
    }
    expect(slow.lag).toBe(16); // ~10 ms a step: the floor
    expect(fast.lag).toBe(160); // values back at once: the ceiling
  });
});
