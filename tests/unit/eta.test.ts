import { describe, expect, it } from 'vitest';
import { EtaTracker, estimateEta, formatEta } from '../../src/train/renderer/eta';

/** Feeds a tracker steps of a fit: `startup` seconds before the first step ends, then `stepSeconds` a step. */
function fit(steps: number, o: { startup: number; stepSeconds: number; upTo: number }): EtaTracker {
  const t = new EtaTracker();
  for (let i = 1; i <= o.upTo; i++) t.add(o.startup + i * o.stepSeconds, i / steps);
  return t;
}

describe('estimateEta', () => {
  it('says_nothing_until_a_few_steps_over_two_seconds_were_measured', () => {
    expect(fit(100, { startup: 0, stepSeconds: 0.5, upTo: 3 }).estimate()).toBeNull(); // warm-up only
    expect(fit(100, { startup: 0, stepSeconds: 0.5, upTo: 6 }).estimate()).toBeNull(); // 1 s after the warm-up
    expect(fit(100, { startup: 0, stepSeconds: 0.5, upTo: 9 }).estimate()).not.toBeNull();
  });

  it('leaves_a_slow_start_out_of_the_estimate', () => {
    // 60 s compiling kernels, then 100 steps of 0.1 s: 5 s are left at step 50, not 1:05.
    const eta = fit(100, { startup: 60, stepSeconds: 0.1, upTo: 50 }).estimate()!;
    expect(eta.seconds).toBeCloseTo(5, 5);
    expect(eta.low).toBeLessThanOrEqual(5);
    expect(eta.high).toBeGreaterThanOrEqual(5);
    expect(eta.high).toBeLessThan(7);
  });

  it('narrows_the_range_as_more_is_measured', () => {
    const early = fit(400, { startup: 0, stepSeconds: 0.1, upTo: 40 }).estimate()!;
    const later = fit(400, { startup: 0, stepSeconds: 0.1, upTo: 200 }).estimate()!;
    expect((early.high - early.low) / early.seconds).toBeGreaterThan(0.5);
    expect((later.high - later.low) / later.seconds).toBeCloseTo(0.2, 5);
  });

  it('spans_the_steady_and_the_recent_pace_when_training_slows_down', () => {
    const t = new EtaTracker();
    let now = 0;
    for (let i = 1; i <= 200; i++) {
      now += i <= 100 ? 0.1 : 0.3; // three times slower from step 101
      t.add(now, i / 400);
    }
    const eta = t.estimate()!;
    // 200 steps left: 60 s at the recent pace, 40 s at the pace since the warm-up.
    expect(eta.low).toBeLessThan(200 * 0.25);
    expect(eta.high).toBeGreaterThanOrEqual(200 * 0.3);
    expect(eta.seconds).toBeGreaterThan(eta.low);
    expect(eta.seconds).toBeLessThan(eta.high);
  });

  it('is_zero_at_the_end', () => {
    const eta = estimateEta(
      { t: 0, done: 0 },
      [1, 2, 3, 4, 5].map((t) => ({ t, done: t / 5 })),
    )!;
    expect(eta).toEqual({ seconds: 0, low: 0, high: 0 });
  });

  it('keeps_few_samples_on_a_long_run', () => {
    const t = new EtaTracker();
    for (let i = 1; i <= 100_000; i++) t.add(i * 0.05, i / 100_000);
    expect((t as unknown as { samples: unknown[] }).samples.length).toBeLessThan(7000);
    expect(t.estimate()!.seconds).toBe(0);
  });
});

describe('formatEta', () => {
  it('says_about_how_long_with_a_range_rounded_to_its_size', () => {
    expect(formatEta({ seconds: 80, low: 71, high: 89 })).toBe('about 1:20 left (1:10–1:30)');
    expect(formatEta({ seconds: 754, low: 700, high: 830 })).toBe('about 13:00 left (11:00–14:00)');
    expect(formatEta({ seconds: 40, low: 39, high: 40 })).toBe('about 0:40 left (0:35–0:40)');
    expect(formatEta({ seconds: 40, low: 40, high: 40 })).toBe('about 0:40 left');
  });

  it('says_a_few_seconds_at_the_end', () => {
    expect(formatEta({ seconds: 5, low: 4, high: 6 })).toBe('a few seconds left');
  });
});
