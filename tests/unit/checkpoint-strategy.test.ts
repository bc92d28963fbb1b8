import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory';
import {
  ComposedCheckpointingStrategy,
  KeepLastNCheckpoints,
  LearnerCheckpointer,
  MetricCheckpointingStrategy,
  checkpointingActions,
  type CheckpointRecords,
  type CheckpointingStrategy,
} from '../../src/train/checkpoint';
import { defaultCheckpointingStrategy } from '../../src/train/learner/builder';
import { MetricHistory } from '../../src/train/learner/history';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';

/** A history with one valid metric's epoch means, epochs counted from 1. */
function history(values: number[], name = 'Loss', split: 'train' | 'valid' = 'valid'): MetricHistory {
  const h = new MetricHistory();
  values.forEach((v, i) => h.record(split, name, i + 1, v));
  return h;
}

const records = (epoch: number): CheckpointRecords => ({
  model: [{ name: 'w', shape: [2], dtype: 'float32', data: new Float32Array([epoch, -epoch]) }],
  optim: { type: 'sgd', config: parseOptimizerConfig({ type: 'sgd' }), step: epoch, slots: {} },
  scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.1 }), step: epoch },
  progress: { epoch, globalStep: epoch * 10, dataOrder: { seed: 7, shuffle: true }, rng: { s: 1 } },
});

describe('keep last n', () => {
  it('keeps_the_current_epoch_and_the_n_minus_1_before_it', () => {
    const s = new KeepLastNCheckpoints(2);
    expect(s.keep(1)).toEqual([1]);
    expect(s.keep(2)).toEqual([1, 2]);
    expect(s.keep(5)).toEqual([4, 5]);
    expect(new KeepLastNCheckpoints(1).keep(9)).toEqual([9]);
  });

  it('rejects_n_below_one', () => {
    expect(() => new KeepLastNCheckpoints(0)).toThrow('n must be ≥ 1, got 0');
    expect(() => new KeepLastNCheckpoints(1.5)).toThrow(/got 1\.5/);
  });
});

describe('best metric', () => {
  it('keeps_the_epoch_with_the_lowest_loss_so_far', () => {
    const s = new MetricCheckpointingStrategy('Loss', 'lowest');
    const h = history([1.0, 0.5, 0.7, 0.4]);
    expect(s.keep(1, h)).toEqual([1]);
    expect(s.keep(3, h)).toEqual([2]);
    expect(s.keep(4, h)).toEqual([4]);
  });

  it('keeps_the_epoch_with_the_highest_accuracy_on_the_chosen_split', () => {
    const s = new MetricCheckpointingStrategy('Accuracy', 'highest', 'train');
    expect(s.keep(3, history([80, 90, 85], 'Accuracy', 'train'))).toEqual([2]);
  });

  it('keeps_the_earliest_of_equal_bests_and_never_a_nan', () => {
    const s = new MetricCheckpointingStrategy('Loss', 'lowest');
    expect(s.keep(3, history([0.5, 0.5, 0.6]))).toEqual([1]);
    expect(s.keep(3, history([0.9, NaN, NaN]))).toEqual([1]);
  });

  it('ignores_epochs_after_the_one_that_just_ended', () => {
    // A resumed run may still hold means of epochs it is about to redo.
    expect(new MetricCheckpointingStrategy('Loss', 'lowest').keep(2, history([1, 0.9, 0.1]))).toEqual([2]);
  });

  it('keeps_the_current_epoch_while_the_metric_has_no_value', () => {
    const s = new MetricCheckpointingStrategy('Loss', 'lowest');
    expect(s.keep(3, new MetricHistory())).toEqual([3]);
    expect(s.keep(2, history([NaN, NaN]))).toEqual([2]);
  });
});

describe('composed strategy', () => {
  it('keeps_every_epoch_any_part_keeps_sorted_and_once', () => {
    const a: CheckpointingStrategy = { keep: () => [5, 1] };
    const b: CheckpointingStrategy = { keep: () => [3, 5] };
    expect(new ComposedCheckpointingStrategy(a, b).keep(5, new MetricHistory())).toEqual([1, 3, 5]);
    expect(new ComposedCheckpointingStrategy().keep(5, new MetricHistory())).toEqual([]);
  });
});

describe('checkpointing actions', () => {
  const keep = (epochs: number[]): CheckpointingStrategy => ({ keep: () => epochs });

  it('saves_the_current_epoch_first_then_deletes_what_is_no_longer_kept', () => {
    expect(checkpointingActions(keep([2, 4]), 4, new MetricHistory(), [1, 2, 3])).toEqual([
      { type: 'save', epoch: 4 },
      { type: 'delete', epoch: 1 },
      { type: 'delete', epoch: 3 },
    ]);
  });

  it('does_not_save_an_epoch_the_strategy_does_not_keep', () => {
    expect(checkpointingActions(keep([2]), 3, new MetricHistory(), [2])).toEqual([]);
  });

  it('deletes_a_stale_checkpoint_of_a_later_epoch', () => {
    expect(checkpointingActions(keep([2, 3]), 3, new MetricHistory(), [2, 3, 5])).toEqual([
      { type: 'save', epoch: 3 },
      { type: 'delete', epoch: 5 },
    ]);
  });
});

describe('default strategy: last two plus best valid loss', () => {
  it('keeps_the_best_epoch_beside_the_last_two', () => {
    const s = defaultCheckpointingStrategy();
    const h = history([1.0, 0.5, 0.7, 0.8, 0.9]);
    expect([1, 2, 3, 4, 5].map((e) => s.keep(e, h))).toEqual([[1], [1, 2], [2, 3], [2, 3, 4], [2, 4, 5]]);
  });

  it('deletes_checkpoints_older_than_last_two_unless_best_over_five_epochs', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, defaultCheckpointingStrategy());
    const h = new MetricHistory();
    const losses = [1.0, 0.5, 0.7, 0.8, 0.9];
    const after: number[][] = [];
    const actions: string[][] = [];
    let collected = 0;
    for (let epoch = 1; epoch <= 5; epoch++) {
      h.record('valid', 'Loss', epoch, losses[epoch - 1]);
      const done = await c.checkpoint(epoch, h, async () => {
        collected++;
        return records(epoch);
      });
      await c.flush(); // the actions are carried out in the background
      actions.push(done.map((a) => `${a.type} ${a.epoch}`));
      after.push(await c.epochs());
    }
    expect(after).toEqual([[1], [1, 2], [2, 3], [2, 3, 4], [2, 4, 5]]);
    expect(actions).toEqual([['save 1'], ['save 2'], ['save 3', 'delete 1'], ['save 4'], ['save 5', 'delete 3']]);
    expect(collected).toBe(5);
    // Every kept checkpoint is whole and holds its own epoch's state.
    expect(await store.list()).toHaveLength(9);
    expect((await c.load(2)).model[0].data).toEqual(new Float32Array([2, -2]));
    expect((await c.load(5)).progress.globalStep).toBe(50);
  });

  it('writes_a_checkpoint_only_once_its_start_says_so_having_read_the_state_at_once', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, defaultCheckpointingStrategy());
    const h = new MetricHistory();
    h.record('valid', 'Loss', 1, 0.5);
    let go!: () => void;
    const start = new Promise<void>((resolve) => (go = resolve));
    let collected = 0;
    const collect = async () => {
      collected++;
      return records(1);
    };
    await c.checkpoint(1, h, collect, undefined, () => start);
    // The state is read when the epoch ends; nothing is written while the next epoch has no steps queued.
    expect(collected).toBe(1);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(await store.list()).toEqual([]);
    go();
    await c.flush();
    expect(await c.epochs()).toEqual([1]);
    expect((await c.load(1)).model[0].data).toEqual(new Float32Array([1, -1]));
  });

  it('reads_the_state_only_when_a_save_is_due', async () => {
    const c = new LearnerCheckpointer(new MemoryStore(), new MetricCheckpointingStrategy('Loss', 'lowest'));
    const h = new MetricHistory();
    let collected = 0;
    const collect = async () => {
      collected++;
      return records(1);
    };
    for (const [epoch, loss] of [
      [1, 0.5],
      [2, 0.9],
      [3, 0.4],
    ] as const) {
      h.record('valid', 'Loss', epoch, loss);
      await c.checkpoint(epoch, h, collect);
      if (epoch === 2) expect(collected).toBe(1);
    }
    expect(collected).toBe(2);
    await c.flush();
    expect(await c.epochs()).toEqual([3]);
  });
});
