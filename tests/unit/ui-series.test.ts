import { describe, expect, it } from 'vitest';
import { downsample, drawSeries, smooth, yDomain, type Point } from '../../src/ui/series';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('smooth', () => {
  it('returns_values_unchanged_at_weight_zero', () => {
    const y = [3, -1, 7.5, 0];
    const out = smooth(y, 0);
    expect(out).toEqual(y);
    out[0] = 99;
    expect(y[0]).toBe(3);
  });

  it('does_not_drag_early_points_toward_zero', () => {
    expect(smooth([5, 5, 5, 5], 0.9)).toEqual([5, 5, 5, 5].map(() => expect.closeTo(5, 12)));
    expect(smooth([2], 0.99)[0]).toBeCloseTo(2, 12);
  });

  it('matches_the_debiased_moving_average', () => {
    // last = 0.5·0 + 0.5·1 = 0.5 → /0.5 = 1; last = 0.25 + 1.5 = 1.75 → /0.75.
    const out = smooth([1, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('follows_a_jump_gradually', () => {
    const out = smooth([0, 0, 0, 10, 10, 10, 10], 0.6);
    expect(out[3]).toBeGreaterThan(0);
    expect(out[3]).toBeLessThan(10);
    for (let i = 4; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
    expect(out[6]).toBeLessThan(10);
  });

  it('passes_nan_through_without_poisoning_later_values', () => {
    const out = smooth([1, NaN, 3, 3], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(smooth([1, 3], 0.5)[1], 12);
    expect(Number.isFinite(out[3])).toBe(true);
  });
});

describe('downsample', () => {
  it('returns_every_point_when_under_max', () => {
    const out = downsample([0, 1, 2], [5, 6, 7], 3);
    expect(out).toEqual([
      { x: 0, y: 5 },
      { x: 1, y: 6 },
      { x: 2, y: 7 },
    ]);
  });

  it('never_returns_more_than_max_points', () => {
    const x = range(10_000);
    const y = x.map((i) => Math.sin(i) * (i % 97));
    for (const max of [2, 3, 10, 999, 1000]) expect(downsample(x, y, max).length).toBeLessThanOrEqual(max);
  });

  it('keeps_each_buckets_min_and_max_in_x_order', () => {
    // Two buckets of four: the max comes before the min in the first, after it in the second.
    const out = downsample(range(8), [3, 9, 1, 5, 2, 2, 8, 0], 4);
    expect(out).toEqual([
      { x: 1, y: 9 },
      { x: 2, y: 1 },
      { x: 6, y: 8 },
      { x: 7, y: 0 },
    ]);
  });

  it('keeps_spikes_when_downsampling', () => {
    const x = range(20_000);
    const y = x.map(() => 1);
    y[4321] = 100;
    y[17_777] = -50;
    const out = downsample(x, y, 200);
    expect(out).toContainEqual({ x: 4321, y: 100 });
    expect(out).toContainEqual({ x: 17_777, y: -50 });
  });

  it('keeps_points_in_x_order', () => {
    const x = range(5000);
    const y = x.map((i) => Math.cos(i / 7) * i);
    const out = downsample(x, y, 300);
    for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
  });

  it('draws_a_flat_bucket_as_one_point', () => {
    expect(downsample(range(8), [1, 1, 1, 1, 2, 2, 2, 2], 4)).toEqual([
      { x: 0, y: 1 },
      { x: 4, y: 2 },
    ]);
  });

  it('keeps_a_buckets_spikes_when_it_starts_with_nan', () => {
    const out = downsample(range(8), [NaN, 50, -50, 1, 1, 1, 1, 1], 4);
    expect(out).toContainEqual({ x: 1, y: 50 });
    expect(out).toContainEqual({ x: 2, y: -50 });
  });

  it('returns_at_most_one_point_when_max_is_one', () => {
    expect(downsample([0, 1, 2], [1, 9, 2], 1).length).toBeLessThanOrEqual(1);
  });
});

describe('drawSeries', () => {
  const series = { x: [0.25, 0.5, 0.75, 1], y: [4, NaN, -1, 2], epochX: [1], epochY: [1.5] };
  const opts = { xScale: 1, smoothing: 0, maxPoints: 1000, positiveOnly: false };

  it('scales_x_to_iterations_for_an_iteration_axis', () => {
    const d = drawSeries(series, { ...opts, xScale: 4 });
    expect(d.raw.map((p) => p.x)).toEqual([1, 3, 4]);
    expect(d.epochs).toEqual([{ x: 4, y: 1.5 }]);
  });

  it('drops_non_finite_points_from_what_is_drawn', () => {
    expect(drawSeries(series, opts).raw).toEqual([
      { x: 0.25, y: 4 },
      { x: 0.75, y: -1 },
      { x: 1, y: 2 },
    ]);
  });

  it('draws_no_smoothed_line_without_smoothing', () => {
    expect(drawSeries(series, opts).smoothed).toEqual([]);
  });

  it('smooths_across_a_nan_gap', () => {
    const d = drawSeries(series, { ...opts, smoothing: 0.5 });
    expect(d.smoothed.map((p) => p.x)).toEqual([0.25, 0.75, 1]);
    expect(d.smoothed[1].y).toBeCloseTo(smooth([4, -1], 0.5)[1], 12);
  });

  it('drops_non_positive_values_for_a_log_axis', () => {
    const d = drawSeries({ ...series, epochY: [-2] }, { ...opts, positiveOnly: true });
    expect(d.raw.map((p) => p.y)).toEqual([4, 2]);
    expect(d.epochs).toEqual([]);
  });
});

describe('yDomain', () => {
  const pts = (...ys: number[]): Point[] => ys.map((y, x) => ({ x, y }));

  it('has_no_domain_without_points', () => {
    expect(yDomain([], false)).toBeUndefined();
    expect(yDomain([], true)).toBeUndefined();
  });

  it('pads_five_percent_each_side', () => {
    const [lo, hi] = yDomain(pts(0, 4, 10), false)!;
    expect(lo).toBeCloseTo(-0.5, 12);
    expect(hi).toBeCloseTo(10.5, 12);
  });

  it('gives_a_flat_series_a_small_span_so_float_noise_stays_invisible', () => {
    const noisy = pts(0.001, 0.0010000000000000002, 0.001);
    const [lo, hi] = yDomain(noisy, false)!;
    expect(lo).toBeLessThan(0.001);
    expect(hi).toBeGreaterThan(0.0010000000000000002);
    // The noise covers a negligible share of the axis, and the span stays near the value.
    expect(2e-19 / (hi - lo)).toBeLessThan(1e-9);
    expect(hi - lo).toBeLessThan(0.001 * 0.1);
  });

  it('gives_an_all_zero_series_a_non_zero_span', () => {
    const [lo, hi] = yDomain(pts(0, 0), false)!;
    expect(hi).toBeGreaterThan(lo);
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
  });

  it('keeps_a_log_domain_positive_around_the_points', () => {
    const [lo, hi] = yDomain(pts(0.01, 2), true)!;
    expect(lo).toBeGreaterThan(0);
    expect(lo).toBeLessThan(0.01);
    expect(hi).toBeGreaterThan(2);
    expect(Math.log10(0.01) - Math.log10(lo)).toBeCloseTo(Math.log10(hi) - Math.log10(2), 12);
  });
});
