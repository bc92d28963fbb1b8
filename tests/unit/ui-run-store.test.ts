import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricPoint, WorkerEvent } from '../../src/protocol/index';
import { RunStore } from '../../src/ui/run-store';

const point = (name: string, x: number, value: number, numeric = true): MetricPoint => ({ name, x, value, running: value, numeric });
const metrics = (split: 'train' | 'valid', ...points: MetricPoint[]): WorkerEvent => ({ type: 'metrics', split, points });

/** A store fed one short epoch: train Loss and Accuracy (numeric), Iteration Speed (not), valid Loss. */
function trained(): RunStore {
  const s = new RunStore(50);
  const events: WorkerEvent[] = [
    { type: 'state', state: 'training' },
    metrics('train', point('Loss', 0.5, 2.3), point('Accuracy', 0.5, 10), point('Iteration Speed', 0.5, 12, false)),
    metrics('train', point('Loss', 1, 1.1), point('Accuracy', 1, 60), point('Iteration Speed', 1, 14, false)),
    { type: 'state', state: 'validating' },
    metrics('valid', point('Loss', 1, 0.9)),
    { type: 'epoch', epoch: 1, means: { train: { Loss: 1.7, Accuracy: 35, 'Iteration Speed': 13 }, valid: { Loss: 0.9 } } },
  ];
  events.forEach((e) => s.apply(e));
  return s;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('RunStore.apply', () => {
  it('appends_numeric_points_to_a_series_per_metric_and_split', () => {
    const s = trained();
    expect(s.series.get('Loss')?.train).toMatchObject({ x: [0.5, 1], y: [2.3, 1.1] });
    expect(s.series.get('Loss')?.valid).toMatchObject({ x: [1], y: [0.9] });
    expect(s.series.get('Accuracy')?.train.y).toEqual([10, 60]);
    expect(s.series.get('Accuracy')?.valid.y).toEqual([]);
  });

  it('keeps_non_numeric_metrics_out_of_the_charts_but_shows_their_latest_value', () => {
    const s = trained();
    expect(s.series.has('Iteration Speed')).toBe(false);
    expect(s.snapshot.latest.train['Iteration Speed']?.value).toBe(14);
    expect(s.snapshot.latest.train.Loss?.value).toBe(1.1);
    expect(s.snapshot.latest.valid.Loss?.value).toBe(0.9);
  });

  it('appends_epoch_means_of_charted_metrics', () => {
    const s = trained();
    expect(s.series.get('Loss')?.train).toMatchObject({ epochX: [1], epochY: [1.7] });
    expect(s.series.get('Loss')?.valid).toMatchObject({ epochX: [1], epochY: [0.9] });
    expect(s.series.get('Accuracy')?.train.epochY).toEqual([35]);
    expect(s.series.has('Iteration Speed')).toBe(false);
    expect(s.snapshot.epochsDone).toBe(1);
  });

  it('tracks_saved_and_deleted_checkpoints_in_order', () => {
    const s = new RunStore();
    for (const [epoch, action] of [
      [2, 'saved'],
      [1, 'saved'],
      [3, 'saved'],
      [1, 'deleted'],
      [2, 'saved'],
    ] as const)
      s.apply({ type: 'checkpoint', epoch, action });
    expect(s.snapshot.checkpoints).toEqual([2, 3]);
  });

  it('appends_log_lines_in_order', () => {
    const s = new RunStore();
    s.apply({ type: 'log', lines: ['a', 'b'] });
    s.apply({ type: 'log', lines: ['c'] });
    expect(s.log).toEqual(['a', 'b', 'c']);
  });

  it('takes_logs_of_hundreds_of_thousands_of_lines', () => {
    // A stored or imported run's experiment.log, and a burst of lines: spread into push(), they overflowed the stack.
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i}`);
    const s = new RunStore();
    s.load({ runId: 'r', runName: 'r', series: [], log: lines, epochsDone: 0, checkpoints: [], state: 'done' });
    s.apply({ type: 'log', lines });
    expect(s.log).toHaveLength(400_000);
    expect(s.log[399_999]).toBe('line 199999');
  });

  it('shows_a_stored_runs_last_values_and_epoch_means_in_the_table', () => {
    const s = new RunStore();
    const side = (y: number[], epochY: number[]) => ({ x: y.map((_, i) => (i + 1) / 2), y, epochX: epochY.map((_, i) => i + 1), epochY });
    s.load({
      runId: 'r',
      runName: 'r',
      series: [{ name: 'Loss', train: side([2, 1.5, 1.2, 0.9], [1.75, 1.05]), valid: side([1.4, 1.1, 1, 0.8], [1.2, 0.9]) }],
      log: [],
      epochsDone: 2,
      checkpoints: [],
      state: 'done',
    });
    expect(s.snapshot.latest.train.Loss).toMatchObject({ value: 0.9, running: 1.05 });
    expect(s.snapshot.latest.valid.Loss).toMatchObject({ running: 0.9 });
  });

  it('collects_every_error', () => {
    const s = new RunStore();
    s.apply({ type: 'error', message: 'device lost' });
    s.apply({ type: 'error', message: 'out of memory' });
    expect(s.snapshot.errors).toEqual(['device lost', 'out of memory']);
  });

  it('collects_warnings_and_clears_them_for_a_new_or_resumed_run', () => {
    const s = new RunStore();
    s.apply({ type: 'warning', message: 'the train loss was NaN or infinite in 3 of 8 iterations of epoch 1' });
    s.apply({ type: 'warning', message: 'the train loss was NaN or infinite in 8 of 8 iterations of epoch 2' });
    expect(s.snapshot.warnings).toHaveLength(2);
    s.continueRun();
    expect(s.snapshot.warnings).toEqual([]);
    s.apply({ type: 'warning', message: 'w' });
    s.reset();
    expect(s.snapshot.warnings).toEqual([]);
  });

  it('shows_state_backend_progress_and_probes', () => {
    const s = new RunStore();
    s.apply({ type: 'ready', protocol: 1, backends: [{ name: 'cpu', available: true }] });
    s.apply({ type: 'backend', backend: 'webgl', skipped: ['webgpu: no adapter'] });
    s.apply({ type: 'state', state: 'failed', message: 'boom' });
    const progress = {
      split: 'train',
      epoch: 1,
      epochTotal: 2,
      iteration: 3,
      iterationsTotal: 9,
      itemsPerSecond: 100,
      eta: { seconds: 4, low: 3, high: 5 },
    } as const;
    s.apply({ type: 'progress', progress });
    expect(s.snapshot).toMatchObject({
      probes: [{ name: 'cpu' }],
      backend: 'webgl',
      skipped: ['webgpu: no adapter'],
      state: 'failed',
      message: 'boom',
      progress,
    });
  });

  it('clears_the_run_on_reset_but_keeps_the_probes', () => {
    const s = trained();
    s.apply({ type: 'ready', protocol: 1, backends: [{ name: 'cpu', available: true }] });
    s.apply({ type: 'log', lines: ['x'] });
    s.apply({ type: 'checkpoint', epoch: 1, action: 'saved' });
    s.apply({ type: 'error', message: 'e' });
    s.reset();
    expect(s.series.size).toBe(0);
    expect(s.log).toEqual([]);
    expect(s.snapshot).toMatchObject({
      state: 'loading',
      epochsDone: 0,
      checkpoints: [],
      errors: [],
      latest: { train: {}, valid: {} },
      probes: [{ name: 'cpu' }],
    });
    expect(s.snapshot.progress).toBeUndefined();
  });

  it('gives_a_new_snapshot_with_a_higher_version_after_each_change', () => {
    const s = new RunStore();
    const before = s.snapshot;
    s.apply({ type: 'log', lines: ['x'] });
    expect(s.snapshot).not.toBe(before);
    expect(s.snapshot.version).toBeGreaterThan(before.version);
  });
});

describe('RunStore listeners', () => {
  it('hears_urgent_events_at_once', () => {
    const s = new RunStore(200);
    const heard = vi.fn();
    s.subscribe(heard);
    s.apply({ type: 'state', state: 'training' });
    expect(heard).toHaveBeenCalledTimes(1);
    s.apply({ type: 'error', message: 'x' });
    expect(heard).toHaveBeenCalledTimes(2);
  });

  it('batches_a_burst_of_metric_events_into_one_notification', () => {
    const s = new RunStore(200);
    const heard = vi.fn();
    s.subscribe(heard);
    for (let i = 1; i <= 50; i++) s.apply(metrics('train', point('Loss', i / 50, 1 / i)));
    s.apply({ type: 'log', lines: ['l'] });
    expect(heard).not.toHaveBeenCalled();
    vi.advanceTimersByTime(199);
    expect(heard).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(heard).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(s.series.get('Loss')?.train.y).toHaveLength(50);
  });

  it('folds_pending_changes_into_an_urgent_notification', () => {
    const s = new RunStore(200);
    const heard = vi.fn();
    s.subscribe(heard);
    s.apply(metrics('train', point('Loss', 0.1, 1)));
    s.apply({ type: 'state', state: 'paused' });
    expect(heard).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('stops_notifying_after_unsubscribe', () => {
    const s = new RunStore(200);
    const heard = vi.fn();
    const off = s.subscribe(heard);
    off();
    s.apply({ type: 'state', state: 'training' });
    s.apply({ type: 'log', lines: ['x'] });
    vi.advanceTimersByTime(500);
    expect(heard).not.toHaveBeenCalled();
  });
});
