import { describe, expect, it } from 'vitest';
import { downsample, smooth } from '../../src/ui/series';

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
  it('keeps_every_index_when_under_max', () => {
    expect(downsample([5, 6, 7], 3)).toEqual([0, 1, 2]);
  });

  it('never_returns_more_than_max_points', () => {
    const y = range(10_000).map((i) => Math.sin(i) * (i % 97));
    for (const max of [2, 3, 10, 999, 1000]) expect(downsample(y, max).length).toBeLessThanOrEqual(max);
  });

  it('keeps_each_buckets_min_and_max_in_x_order', () => {
    // Two buckets of four: the max comes before the min in the first, after it in the second.
    expect(downsample([3, 9, 1, 5, 2, 2, 8, 0], 4)).toEqual([1, 2, 6, 7]);
  });

  it('keeps_spikes_when_downsampling', () => {
    const y = range(20_000).map(() => 1);
    y[4321] = 100;
    y[17_777] = -50;
    const out = downsample(y, 200);
    expect(out).toContain(4321);
    expect(out).toContain(17_777);
  });

  it('keeps_points_in_order', () => {
    const out = downsample(
      range(5000).map((i) => Math.cos(i / 7) * i),
      300,
    );
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
  });

  it('draws_a_flat_bucket_as_one_point', () => {
    expect(downsample([1, 1, 1, 1, 2, 2, 2, 2], 4)).toEqual([0, 4]);
  });

  it('keeps_a_buckets_spikes_when_it_starts_with_nan', () => {
    const out = downsample([NaN, 50, -50, 1, 1, 1, 1, 1], 4);
    expect(out).toContain(1);
    expect(out).toContain(2);
  });

  it('returns_at_most_one_point_when_max_is_one', () => {
    expect(downsample([1, 9, 2], 1).length).toBeLessThanOrEqual(1);
  });

  it('picks_only_from_the_asked_range', () => {
    const y = range(1000).map((i) => (i === 10 ? 1e6 : i % 13));
    const out = downsample(y, 20, 100, 600);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...out)).toBeLessThan(600);
    expect(out).not.toContain(10);
  });
});
