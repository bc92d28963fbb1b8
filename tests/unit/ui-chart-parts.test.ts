import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { constantValue, isDiagnostic, unitOf } from '../../src/ui/charts/metric-kind';
import { ChartQueue } from '../../src/ui/charts/queue';

describe('metric kinds', () => {
  it('gives_percent_metrics_and_speeds_their_units', () => {
    expect(unitOf('Accuracy')).toBe('%');
    expect(unitOf('Top-5 Accuracy')).toBe('%');
    expect(unitOf('Top-K Accuracy @ TopK(5)')).toBe('%');
    expect(unitOf('F1 Score')).toBe('%');
    expect(unitOf('Iteration Speed')).toBe('items/s');
    expect(unitOf('Loss')).toBe('');
    expect(unitOf('Learning Rate')).toBe('');
  });

  it('counts_tensor_metrics_as_diagnostics_only', () => {
    expect(isDiagnostic('Tensor Count')).toBe(true);
    expect(isDiagnostic('Tensor Memory')).toBe(true);
    expect(isDiagnostic('Loss')).toBe(false);
  });

  it('finds_a_constant_rate_up_to_float_noise_and_nothing_else', () => {
    expect(constantValue([0.001, 0.0010000000000000002, 0.001])).toBe(0.001);
    expect(constantValue([0.001, 0.001, 0.0009])).toBeUndefined();
    expect(constantValue([0.001, NaN])).toBeUndefined();
    expect(constantValue([0, 0])).toBe(0);
    expect(constantValue([])).toBeUndefined();
  });
});

describe('ChartQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs_one_update_per_gap_in_turn_and_a_repeated_ask_keeps_its_place', () => {
    const q = new ChartQueue(100);
    const ran: string[] = [];
    q.request('a', () => ran.push('a1'));
    q.request('b', () => ran.push('b1'));
    q.request('c', () => ran.push('c1'));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['a1']);
    q.request('a', () => ran.push('a2'));
    q.request('b', () => ran.push('b2')); // b is still queued: the newer update takes its turn
    vi.advanceTimersByTime(99);
    expect(ran).toEqual(['a1']);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['a1', 'b2']);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(['a1', 'b2', 'c1', 'a2']);
  });

  it('drops_a_cancelled_update', () => {
    const q = new ChartQueue(100);
    const ran: string[] = [];
    q.request('a', () => ran.push('a'));
    q.request('b', () => ran.push('b'));
    q.cancel('b');
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual(['a']);
  });
});
