import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricHistory } from '../../src/train/learner/history';
import { learnerSummary } from '../../src/train/learner/summary';
import type { MetricEntry } from '../../src/train/metric/base';
import { ConsoleRenderer, type ConsoleSink } from '../../src/train/renderer/console';
import { formatDuration } from '../../src/train/renderer/progress';
import type { MetricState, TrainingProgress } from '../../src/train/renderer/base';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

function sink(isTTY: boolean, columns?: number): ConsoleSink & { out: string[] } {
  const out: string[] = [];
  return { out, isTTY, columns, write: (s: string) => void out.push(s) };
}

const state = (name: string, running: number): MetricState => ({
  entry: { name, running, value: running, count: 32, formatted: '' } satisfies MetricEntry,
  numeric: true,
});

const METRICS = [state('Loss', 0.5), state('Iteration Speed', 999), state('Accuracy', 75)];

/** Progress through a 4-iteration, 128-item epoch of a 2-epoch fit, one second per iteration. */
const progress = (iteration: number, over: Partial<TrainingProgress> = {}): TrainingProgress => ({
  split: 'train',
  epoch: 1,
  epochTotal: 2,
  epochStart: 1,
  iteration,
  iterationsTotal: 4,
  itemsProcessed: iteration * 32,
  itemsTotal: 128,
  elapsedMs: iteration * 1000,
  ...over,
});

const at = (ms: number) => vi.setSystemTime(T0 + ms);

describe('formatDuration', () => {
  it('prints_minutes_and_seconds_under_an_hour', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(754)).toBe('12:34');
  });

  it('prints_hours_when_needed', () => {
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(36000 + 59)).toBe('10:00:59');
  });

  it('prints_placeholders_for_unknown_and_zero_for_negative', () => {
    expect(formatDuration(Infinity)).toBe('--:--');
    expect(formatDuration(NaN)).toBe('--:--');
    expect(formatDuration(-3)).toBe('0:00');
  });
});

describe('console renderer on a terminal', () => {
  it('rewrites_one_live_line_with_bar_rate_eta_and_running_metrics', () => {
    const s = sink(true);
    const r = new ConsoleRenderer(s);
    r.update('train', progress(1), METRICS);
    at(2000);
    r.update('train', progress(2), METRICS);
    // 64 items in 2 s; the run's time left waits for the pace after the first steps.
    expect(s.out[1]).toBe(
      '\r\x1b[2K[train] epoch 1/2 iter 2/4 ██████████░░░░░░░░░░ 50% 32 items/s ETA 0:02 (run: measuring the pace) | Loss 0.5000 Accuracy 75.0000',
    );
    expect(s.out.every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n'))).toBe(true);
  });

  it('shows_no_run_eta_for_validation', () => {
    const s = sink(true);
    const r = new ConsoleRenderer(s);
    r.update('valid', progress(1, { split: 'valid' }), METRICS);
    at(1000);
    r.update('valid', progress(3, { split: 'valid' }), METRICS);
    expect(s.out[1]).toBe('\r\x1b[2K[valid] epoch 1/2 iter 3/4 ███████████████░░░░░ 75% 32 items/s ETA 0:01 | Loss 0.5000 Accuracy 75.0000');
  });

  it('takes_the_rate_from_the_loops_clock_not_from_when_the_line_is_drawn', () => {
    // Entries reach the renderer a few iterations late; the first one must not claim an absurd rate.
    const s = sink(true);
    new ConsoleRenderer(s).update('train', progress(1, { elapsedMs: 500 }), METRICS);
    expect(s.out[0]).toContain(' 25% 64 items/s ETA 0:02 ');
  });

  it('cuts_the_live_line_to_the_terminal_width', () => {
    const s = sink(true, 30);
    new ConsoleRenderer(s).update('train', progress(1), METRICS);
    expect(s.out[0]).toBe('\r\x1b[2K' + '[train] epoch 1/2 iter 1/4 ██');
    expect(s.out[0].length).toBe('\r\x1b[2K'.length + 29);
  });

  it('ends_the_live_line_before_printing_anything_else', () => {
    const s = sink(true);
    const r = new ConsoleRenderer(s);
    r.update('train', progress(4), METRICS);
    at(65_000);
    r.epochEnd(1, { train: { Loss: 0.5, Accuracy: 75 }, valid: { Loss: 0.625 } });
    r.log('saved checkpoint 1');
    expect(s.out.slice(1)).toEqual(['\n', 'epoch 1 ended, 1:05 elapsed | train: Loss 0.5000, Accuracy 75.0000 | valid: Loss 0.6250\n', 'saved checkpoint 1\n']);
  });

  it('prints_the_reason_and_the_summary_table_at_the_end', () => {
    const s = sink(true);
    const r = new ConsoleRenderer(s);
    const h = new MetricHistory();
    h.record('valid', 'Loss', 1, 0.75);
    h.record('valid', 'Loss', 2, 0.5);
    r.update('valid', progress(2, { split: 'valid' }), METRICS);
    r.end(learnerSummary(h), 'stopped early');
    expect(s.out[1]).toBe('\n');
    expect(s.out[2]).toBe('Training ended: stopped early\n');
    expect(s.out[3]).toContain('Total Epochs: 2');
    expect(s.out[3]).toContain('| Valid | Loss   | 0.500 | 2     | 0.750 | 1     |');
    expect(s.out[3].endsWith('\n')).toBe(true);
  });

  it('prints_only_the_reason_without_a_summary', () => {
    const s = sink(true);
    new ConsoleRenderer(s).end(undefined, 'interrupted');
    expect(s.out).toEqual(['Training ended: interrupted\n']);
  });
});

describe('console renderer in a log file', () => {
  it('writes_plain_lines_and_never_a_carriage_return', () => {
    const s = sink(false);
    const r = new ConsoleRenderer(s, 5000);
    for (let i = 1; i <= 4; i++) {
      at(i * 1000);
      r.update('train', progress(i), METRICS);
    }
    r.epochEnd(1, { train: { Loss: 0.5 }, valid: {} });
    expect(s.out.join('')).not.toContain('\r');
    expect(s.out.join('')).not.toContain('█');
    expect(s.out.every((w) => w.endsWith('\n'))).toBe(true);
  });

  it('prints_the_first_update_then_at_most_one_line_per_interval_and_always_the_last_iteration', () => {
    const s = sink(false);
    const r = new ConsoleRenderer(s, 5000);
    const iters = 10;
    for (let i = 1; i <= iters; i++) {
      at(i * 1000);
      r.update('train', progress(i, { iterationsTotal: iters, itemsTotal: iters * 32 }), METRICS);
    }
    const iterationsShown = s.out.map((l) => Number(/ iter (\d+)\//.exec(l)![1]));
    // t = 1 s (first), 6 s (5 s later), 10 s (last iteration, though under 5 s since the previous).
    expect(iterationsShown).toEqual([1, 6, 10]);
    // Half the fit in 10 s at a steady second an iteration: 10 s left, with the early range.
    expect(s.out[2]).toBe('[train] epoch 1/2 iter 10/10 100% 32 items/s ETA 0:00 (run: about 0:10 left (0:05–0:15)) | Loss 0.5000 Accuracy 75.0000\n');
  });

  it('estimates_the_run_from_the_pace_after_the_first_steps_not_from_a_slow_start', () => {
    const s = sink(false);
    const r = new ConsoleRenderer(s, 0);
    // The first step takes 20 s (kernels compiling), then one a second: 40 iterations a fit.
    for (let i = 1; i <= 12; i++) {
      at(20_000 + (i - 1) * 1000);
      r.update('train', progress(i, { iterationsTotal: 20, itemsTotal: 640, itemsProcessed: i * 32 }), METRICS);
    }
    // 28 iterations left at a second each; a pace over the whole 31 s would say 72 s.
    expect(s.out.at(-1)).toContain('(run: about 0:30 left (0:20–0:35))');
  });

  it('prints_the_last_validation_iteration_without_a_run_eta', () => {
    const s = sink(false);
    const r = new ConsoleRenderer(s, 60_000);
    r.update('valid', progress(1, { split: 'valid' }), METRICS);
    at(4000);
    r.update('valid', progress(4, { split: 'valid' }), METRICS);
    expect(s.out).toHaveLength(2);
    expect(s.out[1]).toBe('[valid] epoch 1/2 iter 4/4 100% 32 items/s ETA 0:00 | Loss 0.5000 Accuracy 75.0000\n');
  });

  it('log_and_epoch_end_add_no_blank_line', () => {
    const s = sink(false);
    const r = new ConsoleRenderer(s);
    r.update('train', progress(4), METRICS);
    r.log('hello');
    expect(s.out.slice(1)).toEqual(['hello\n']);
  });
});
