import { describe, expect, it } from 'vitest';
import { chartData, MAX_BOUNDARIES, type RowOptions } from '../../src/ui/charts/rows';
import type { MetricSeries } from '../../src/ui/run-store';
import { smooth } from '../../src/ui/series';

/** A run as the store holds it: `n` train iterations and `v` valid batches an epoch, x in fractional epochs. */
function run(epochs: number, n: number, v: number, value = (e: number, i: number) => 3 / (e + i / n)): MetricSeries {
  const side = () => ({ x: [] as number[], y: [] as number[], epochX: [] as number[], epochY: [] as number[] });
  const s = { name: 'Loss', train: side(), valid: side() };
  for (let e = 1; e <= epochs; e++) {
    for (let i = 1; i <= n; i++) {
      s.train.x.push(e - 1 + i / n);
      s.train.y.push(value(e, i));
    }
    for (let i = 1; i <= v; i++) {
      s.valid.x.push(e - 1 + i / v);
      s.valid.y.push(10 * e + i); // far from the mean of its epoch: a spread would show
    }
    s.train.epochX.push(e);
    s.train.epochY.push(2 / e);
    s.valid.epochX.push(e);
    s.valid.epochY.push(1 / e);
  }
  return s;
}

const opts: RowOptions = { xAxis: 'iteration', iterationsPerEpoch: 5, smoothing: 0, logY: false, maxPoints: 300 };

describe('chartData', () => {
  it('draws_valid_as_one_point_per_epoch_at_its_last_iteration', () => {
    const d = chartData(run(3, 5, 4), opts);
    const valid = d.rows.filter((r) => r.valid !== undefined).map((r) => [r.x, r.valid]);
    expect(valid).toEqual([
      [5, 1],
      [10, 1 / 2],
      [15, 1 / 3],
    ]);
  });

  it('never_smooths_valid_and_smooths_train_per_iteration', () => {
    const s = run(3, 5, 4);
    const d = chartData(s, { ...opts, smoothing: 0.9 });
    expect(d.rows.filter((r) => r.valid !== undefined).map((r) => r.valid)).toEqual([1, 1 / 2, 1 / 3]);
    const smoothed = smooth(s.train.y, 0.9);
    const train = d.rows.filter((r) => r.train !== undefined);
    expect(train.map((r) => r.x)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(train.map((r) => r.train)).toEqual(s.train.y);
    expect(train.map((r) => r.trainSmooth)).toEqual(smoothed);
  });

  it('places_epoch_means_at_whole_epochs_on_the_epoch_axis', () => {
    const d = chartData(run(2, 4, 2), { ...opts, xAxis: 'epoch' });
    expect(d.rows.filter((r) => r.trainEpoch !== undefined).map((r) => [r.x, r.trainEpoch, r.valid])).toEqual([
      [1, 2, 1],
      [2, 1, 1 / 2],
    ]);
    expect(d.rows.map((r) => r.x)).toEqual([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
  });

  it('lists_only_the_lines_that_have_points', () => {
    const s = run(2, 5, 0);
    s.valid.epochX.length = 0;
    s.valid.epochY.length = 0;
    expect(chartData(s, opts).lines).toEqual(['train', 'trainEpoch']);
    expect(chartData(s, { ...opts, smoothing: 0.5 }).lines).toEqual(['train', 'trainSmooth', 'trainEpoch']);
    expect(chartData(run(1, 5, 2), opts).lines).toEqual(['train', 'trainEpoch', 'valid']);
  });

  it('downsamples_a_long_run_but_keeps_each_epoch_ends_real_train_value', () => {
    const s = run(10, 1000, 10, (e, i) => Math.sin(e * 1000 + i));
    const d = chartData(s, { ...opts, iterationsPerEpoch: 1000, maxPoints: 200 });
    expect(d.rows.filter((r) => r.train !== undefined).length).toBeLessThanOrEqual(200 + 10);
    for (let e = 1; e <= 10; e++) {
      const end = d.rows.find((r) => r.x === e * 1000)!;
      expect(end.train).toBe(s.train.y[e * 1000 - 1]);
      expect(end.valid).toBe(1 / e);
    }
    // Every drawn train value is a logged one, at its own iteration.
    for (const r of d.rows) if (r.train !== undefined) expect(r.train).toBe(s.train.y[r.x - 1]);
  });

  it('draws_a_zoomed_range_with_all_its_points', () => {
    const s = run(10, 1000, 10);
    const d = chartData(s, { ...opts, iterationsPerEpoch: 1000, maxPoints: 2000, range: [2500, 3500] });
    const xs = d.rows.map((r) => r.x);
    // One point past each edge, so the lines reach them: iterations 2499 and 3501, and the epoch ends 2000 and 4000.
    expect(Math.min(...xs)).toBe(2000);
    expect(Math.max(...xs)).toBe(4000);
    expect(xs.length).toBe(1005);
    expect(d.rows.filter((r) => r.valid !== undefined).map((r) => r.x)).toEqual([2000, 3000, 4000]);
    expect(d.rows.find((r) => r.x === 2000)!.train).toBe(s.train.y[1999]);
    expect(d.epochEnds).toEqual([3000]);
  });

  it('leaves_a_gap_for_nan_and_for_values_a_log_axis_cannot_show', () => {
    const s = run(1, 5, 1);
    s.train.y[1] = NaN;
    s.train.y[3] = -1;
    const linear = chartData(s, opts).rows;
    expect(linear.map((r) => r.train)).toEqual([s.train.y[0], undefined, s.train.y[2], -1, s.train.y[4]]);
    const log = chartData(s, { ...opts, logY: true }).rows;
    expect(log.map((r) => r.train)).toEqual([s.train.y[0], undefined, s.train.y[2], undefined, s.train.y[4]]);
  });

  it('marks_epoch_boundaries_but_not_too_many', () => {
    expect(chartData(run(3, 5, 1), opts).epochEnds).toEqual([5, 10, 15]);
    const many = chartData(run(200, 2, 1), { ...opts, iterationsPerEpoch: 2 }).epochEnds;
    expect(many.length).toBeLessThanOrEqual(MAX_BOUNDARIES);
    expect(many.length).toBeGreaterThan(MAX_BOUNDARIES / 2);
  });
});
