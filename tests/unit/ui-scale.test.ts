import { describe, expect, it } from 'vitest';
import { linearScale, logScale, nearestIndex, niceTicks } from '../../src/ui/charts/scale';

/** The step's leading digit: 1, 2 or 5 for a nice step. */
const mantissa = (step: number) => Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));

describe('niceTicks', () => {
  const ranges: [number, number][] = [
    [0, 1],
    [-3, 7],
    [0.1, 0.3],
    [0.0012, 0.0047],
    [12, 9876],
    [-250, -3],
    [0.97, 1.03],
  ];

  it('spaces_ticks_by_one_two_or_five_times_a_power_of_ten', () => {
    for (const [lo, hi] of ranges) {
      const t = niceTicks(lo, hi);
      expect(t.length).toBeGreaterThanOrEqual(2);
      const step = t[1] - t[0];
      expect([1, 2, 5]).toContain(mantissa(step));
      for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBeCloseTo(step, 9);
    }
  });

  it('keeps_ticks_inside_the_range', () => {
    for (const [lo, hi] of ranges) {
      const eps = (hi - lo) * 1e-9;
      for (const v of niceTicks(lo, hi)) {
        expect(v).toBeGreaterThanOrEqual(lo - eps);
        expect(v).toBeLessThanOrEqual(hi + eps);
      }
    }
  });

  it('gives_about_the_asked_number_of_ticks', () => {
    for (const [lo, hi] of ranges) {
      const n = niceTicks(lo, hi, 5).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(11);
    }
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('prints_round_values_without_float_noise', () => {
    expect(niceTicks(0.1, 0.3)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    // Iterations: two of them tick at whole numbers, never 0.5 (which reads as a second '1').
    expect(niceTicks(0, 2, 6, 1)).toEqual([0, 1, 2]);
    expect(niceTicks(0, 20, 6, 1)).toEqual([0, 5, 10, 15, 20]);
  });

  it('gives_one_tick_for_an_empty_range', () => {
    expect(niceTicks(2, 2)).toEqual([2]);
  });
});

describe('linearScale', () => {
  it('maps_the_domain_ends_to_the_range_ends', () => {
    const s = linearScale(-1, 3, 200, 0);
    expect(s(-1)).toBe(200);
    expect(s(3)).toBe(0);
    expect(s(1)).toBe(100);
  });

  it('inverts_back_to_the_value', () => {
    const s = linearScale(0.002, 0.75, 56, 388);
    for (const v of [0.002, 0.1, 0.5, 0.75, 1.2]) expect(s.invert(s(v))).toBeCloseTo(v, 12);
  });

  it('stays_finite_for_a_zero_width_domain', () => {
    const s = linearScale(5, 5, 0, 100);
    expect(s(5)).toBe(0);
    expect(s.invert(40)).toBe(5);
    expect(s.ticks).toEqual([5]);
  });

  it('carries_nice_ticks_of_its_domain', () => {
    expect(linearScale(0, 1, 0, 100, 5).ticks).toEqual(niceTicks(0, 1, 5));
  });
});

describe('logScale', () => {
  it('puts_each_decade_the_same_distance_apart', () => {
    const s = logScale(1e-4, 1, 0, 400);
    expect(s(1e-4)).toBeCloseTo(0, 9);
    expect(s(1)).toBeCloseTo(400, 9);
    expect(s(1e-2) - s(1e-3)).toBeCloseTo(s(1e-1) - s(1e-2), 9);
  });

  it('inverts_back_to_the_value', () => {
    const s = logScale(0.003, 42, 200, 10);
    for (const v of [0.003, 0.05, 1, 42]) expect(s.invert(s(v)) / v).toBeCloseTo(1, 10);
  });

  it('ticks_only_at_powers_of_ten_over_a_wide_range', () => {
    expect(logScale(0.0008, 12, 0, 1).ticks).toEqual([0.001, 0.01, 0.1, 1, 10]);
  });

  it('adds_ticks_at_two_and_five_over_a_narrow_range', () => {
    expect(logScale(0.9e-4, 1.1e-3, 0, 1).ticks).toEqual([1e-4, 2e-4, 5e-4, 1e-3]);
    expect(logScale(0.15, 6, 0, 1).ticks).toEqual([0.2, 0.5, 1, 2, 5]);
  });

  it('ticks_a_domain_end_that_is_a_negative_power_of_ten', () => {
    expect(logScale(1e-4, 1e-2, 0, 1).ticks).toEqual([1e-4, 1e-3, 1e-2]);
  });

  it('labels_a_log_axis_whose_range_sits_inside_one_decade', () => {
    expect(logScale(0.21, 0.36, 0, 1).ticks.length).toBeGreaterThan(0);
  });
});

describe('nearestIndex', () => {
  const xs = [0, 1, 2.5, 4, 10];

  it('finds_an_exact_match', () => {
    xs.forEach((x, i) => expect(nearestIndex(xs, x)).toBe(i));
  });

  it('picks_the_closer_neighbour', () => {
    expect(nearestIndex(xs, 1.6)).toBe(1);
    expect(nearestIndex(xs, 1.9)).toBe(2);
    expect(nearestIndex(xs, 6.9)).toBe(3);
    expect(nearestIndex(xs, 7.1)).toBe(4);
  });

  it('clamps_to_the_ends', () => {
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 99)).toBe(4);
    expect(nearestIndex([3], 99)).toBe(0);
  });

  it('breaks_a_tie_toward_the_left', () => {
    expect(nearestIndex([0, 2], 1)).toBe(0);
  });
});
