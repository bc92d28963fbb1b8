import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/protocol/index';
import type { MetricState, TrainingProgress } from '../../src/train/renderer/base';
import { WorkerRenderer } from '../../src/worker/renderer';

const metric = (name: string, value: number, numeric = true): MetricState => ({
  entry: { name, value, running: value / 2, count: 32, formatted: `${value}` },
  numeric,
});

/** Iteration `iteration` of 8 in epoch `epoch` of 3, 32 items a batch, 100 ms an iteration. */
const progress = (epoch: number, iteration: number, split: 'train' | 'valid' = 'train'): TrainingProgress => ({
  split,
  epoch,
  epochTotal: 3,
  epochStart: 1,
  iteration,
  iterationsTotal: 8,
  itemsProcessed: iteration * 32,
  itemsTotal: 256,
  elapsedMs: iteration * 100,
});

function setup() {
  const posted: WorkerEvent[] = [];
  const r = new WorkerRenderer((e) => posted.push(e), 100);
  const types = () => posted.map((e) => (e.type === 'state' ? `state:${e.state}` : e.type));
  const of = <T extends WorkerEvent['type']>(type: T) => posted.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  return { r, posted, types, of };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('WorkerRenderer', () => {
  it('posts_one_metrics_message_per_flush_not_one_per_iteration', () => {
    const { r, of } = setup();
    for (let i = 1; i <= 5; i++) r.update('train', progress(1, i), [metric('Loss', i), metric('Accuracy', 10 * i)]);
    expect(of('metrics')).toHaveLength(0);
    vi.advanceTimersByTime(100);
    const sent = of('metrics');
    expect(sent).toHaveLength(1);
    expect(sent[0].split).toBe('train');
    expect(sent[0].points.map((p) => `${p.name}=${p.value}`)).toEqual([
      'Loss=1',
      'Accuracy=10',
      'Loss=2',
      'Accuracy=20',
      'Loss=3',
      'Accuracy=30',
      'Loss=4',
      'Accuracy=40',
      'Loss=5',
      'Accuracy=50',
    ]);
    vi.advanceTimersByTime(1000);
    expect(of('metrics')).toHaveLength(1);
  });

  it('places_a_point_at_its_fractional_epoch', () => {
    const { r, of } = setup();
    r.update('train', progress(2, 2), [metric('Loss', 0.7, true), metric('Iteration Speed', 40, false)]);
    r.flush();
    expect(of('metrics')[0].points).toEqual([
      { name: 'Loss', x: 1.25, value: 0.7, running: 0.35, numeric: true },
      { name: 'Iteration Speed', x: 1.25, value: 40, running: 20, numeric: false },
    ]);
  });

  it('posts_each_state_change_once', () => {
    const { r, types } = setup();
    for (let i = 1; i <= 8; i++) r.update('train', progress(1, i), [metric('Loss', i)]);
    for (let i = 1; i <= 3; i++) r.update('valid', progress(1, i, 'valid'), [metric('Loss', i)]);
    r.flush();
    expect(types().filter((t) => t.startsWith('state:'))).toEqual(['state:training', 'state:validating']);
  });

  it('sends_train_points_before_announcing_validation', () => {
    const { r, types, of } = setup();
    r.update('train', progress(1, 8), [metric('Loss', 1)]);
    r.update('valid', progress(1, 1, 'valid'), [metric('Loss', 2)]);
    r.flush();
    const t = types();
    expect(t.indexOf('metrics')).toBeLessThan(t.indexOf('state:validating'));
    expect(of('metrics').map((m) => m.split)).toEqual(['train', 'valid']);
  });

  it('posts_paused_then_training_around_a_pause', () => {
    const { r, types } = setup();
    r.update('train', progress(1, 1), [metric('Loss', 1)]);
    r.paused(true);
    r.paused(false);
    r.update('train', progress(1, 2), [metric('Loss', 1)]);
    expect(types().filter((t) => t.startsWith('state:'))).toEqual(['state:training', 'state:paused', 'state:training']);
  });

  it('flushes_pending_points_before_an_epoch_ends', () => {
    const { r, types, of } = setup();
    r.update('train', progress(1, 8), [metric('Loss', 1)]);
    const means = { train: { Loss: 1.5 }, valid: { Loss: 1.2 } };
    r.epochEnd(1, means);
    expect(types().slice(-2)).toEqual(['progress', 'epoch']);
    expect(types()).toContain('metrics');
    expect(of('epoch')).toEqual([{ type: 'epoch', epoch: 1, means }]);
  });

  it('posts_checkpoint_events_after_pending_points', () => {
    const { r, types, of } = setup();
    r.update('train', progress(1, 3), [metric('Loss', 1)]);
    r.checkpoint(1, 'saved');
    r.checkpoint(0, 'deleted');
    expect(of('checkpoint')).toEqual([
      { type: 'checkpoint', epoch: 1, action: 'saved' },
      { type: 'checkpoint', epoch: 0, action: 'deleted' },
    ]);
    expect(types().indexOf('metrics')).toBeLessThan(types().indexOf('checkpoint'));
  });

  it('posts_a_warning_at_once_after_pending_points', () => {
    const { r, types, of } = setup();
    r.update('valid', progress(2, 8, 'valid'), [metric('Loss', Number.NaN)]);
    r.warning('the valid loss was NaN or infinite in 8 of 8 iterations of epoch 2');
    expect(of('warning')).toEqual([{ type: 'warning', message: 'the valid loss was NaN or infinite in 8 of 8 iterations of epoch 2' }]);
    expect(types().indexOf('metrics')).toBeLessThan(types().indexOf('warning'));
  });

  it('batches_log_lines', () => {
    const { r, of } = setup();
    r.log('one');
    r.log('two');
    r.log('three');
    expect(of('log')).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(of('log')).toEqual([{ type: 'log', lines: ['one', 'two', 'three'] }]);
  });

  it('reports_the_latest_progress_once_per_flush', () => {
    const { r, of } = setup();
    for (let i = 1; i <= 4; i++) r.update('train', progress(1, i), [metric('Loss', i)]);
    vi.advanceTimersByTime(100);
    const sent = of('progress');
    expect(sent).toHaveLength(1);
    expect(sent[0].progress).toMatchObject({ split: 'train', epoch: 1, epochTotal: 3, iteration: 4, iterationsTotal: 8 });
    // 128 items in 0.4 s.
    expect(sent[0].progress.itemsPerSecond).toBeCloseTo(320, 9);
  });

  it('has_no_eta_while_validating', () => {
    const { r, of } = setup();
    r.update('valid', progress(1, 2, 'valid'), [metric('Loss', 1)]);
    r.flush();
    expect(of('progress')[0].progress.eta).toBeNull();
  });

  it('says_nothing_of_time_left_during_the_first_steps', () => {
    const { r, of } = setup();
    for (let i = 1; i <= 4; i++) r.update('train', progress(1, i), [metric('Loss', i)]);
    r.flush();
    expect(of('progress')[0].progress.eta).toBeNull();
  });

  it('posts_each_phase_once_when_it_changes_not_per_step', () => {
    const { r, of, types } = setup();
    r.setPhase({ name: 'model' });
    r.phase({ name: 'compile' });
    for (let i = 1; i <= 8; i++) r.update('train', progress(1, i), [metric('Loss', i)]);
    for (let i = 1; i <= 3; i++) r.update('valid', progress(1, i, 'valid'), [metric('Loss', i)]);
    r.epochEnd(1, { train: {}, valid: {} });
    r.phase({ name: 'checkpoint', epoch: 1, epochs: 3 });
    r.update('train', progress(2, 1), [metric('Loss', 1)]);
    r.update('train', progress(2, 2), [metric('Loss', 1)]);
    expect(of('phase').map((e) => e.phase)).toEqual([
      { name: 'model' },
      { name: 'compile' },
      { name: 'train', epoch: 1, epochs: 3 },
      { name: 'valid', epoch: 1, epochs: 3 },
      { name: 'checkpoint', epoch: 1, epochs: 3 },
      { name: 'train', epoch: 2, epochs: 3 },
    ]);
    // The train points of epoch 1 are posted before the phase that follows them.
    expect(types().indexOf('metrics')).toBeLessThan(types().lastIndexOf('phase'));
  });

  it('flushes_everything_at_the_end', () => {
    const { r, of } = setup();
    r.update('train', progress(3, 8), [metric('Loss', 1)]);
    r.log('finished');
    r.end(undefined, 'completed');
    expect(of('metrics')).toHaveLength(1);
    expect(of('log')).toEqual([{ type: 'log', lines: ['finished'] }]);
    expect(of('progress')).toHaveLength(1);
    expect(r.endReason).toBe('completed');
    const count = of('metrics').length + of('log').length;
    vi.advanceTimersByTime(1000);
    expect(of('metrics').length + of('log').length).toBe(count);
  });
});
