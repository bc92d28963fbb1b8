import { describe, expect, it } from 'vitest';
import { MetricEarlyStopping } from '../../src/train/learner/early-stopping';
import { MetricHistory } from '../../src/train/learner/history';
import { formatSummary, learnerSummary } from '../../src/train/learner/summary';

function history(series: { split?: 'train' | 'valid'; name: string; values: number[] }[]): MetricHistory {
  const h = new MetricHistory();
  for (const s of series) s.values.forEach((v, i) => h.record(s.split ?? 'valid', s.name, i + 1, v));
  return h;
}

/** The epoch after which the strategy first asks to stop, or null when it never does. */
function stopsAfter(stop: MetricEarlyStopping, h: MetricHistory, epochs: number): number | null {
  for (let e = 1; e <= epochs; e++) if (stop.shouldStop(e, h) !== null) return e;
  return null;
}

const loss = (values: number[]) => history([{ name: 'Loss', values }]);

describe('metric early stopping', () => {
  it('stops_once_the_loss_has_not_improved_for_patience_epochs', () => {
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2 });
    const h = loss([1, 0.8, 0.9, 0.85, 0.7]);
    expect(stop.shouldStop(3, h)).toBeNull();
    expect(stop.shouldStop(4, h)).toBe('valid Loss has not improved by more than 0 for 2 epochs (best 0.8000 at epoch 2)');
    expect(stopsAfter(stop, h, 5)).toBe(4);
  });

  it('an_improvement_restarts_the_count', () => {
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2 });
    expect(stopsAfter(stop, loss([1, 1.1, 0.9, 1.0, 0.8, 0.85, 0.81]), 7)).toBe(7);
    expect(stopsAfter(stop, loss([1, 0.9, 0.8, 0.7, 0.6]), 5)).toBeNull();
  });

  it('an_epoch_equal_to_the_best_is_not_an_improvement', () => {
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 1 });
    expect(stop.shouldStop(2, loss([0.5, 0.5]))).toMatch(/best 0\.5000 at epoch 1/);
  });

  it('counts_only_improvements_larger_than_min_delta', () => {
    const values = [1.0, 0.95, 0.92, 0.91];
    const strict = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 3, minDelta: 0.1 });
    expect(strict.shouldStop(4, loss(values))).toBe('valid Loss has not improved by more than 0.1 for 3 epochs (best 1.0000 at epoch 1)');
    const plain = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 3 });
    expect(plain.shouldStop(4, loss(values))).toBeNull();
  });

  it('watches_a_metric_that_should_rise', () => {
    const stop = new MetricEarlyStopping({ metric: 'Accuracy', direction: 'highest', patience: 2 });
    const h = history([{ name: 'Accuracy', values: [50, 60, 60, 59, 70] }]);
    expect(stop.shouldStop(3, h)).toBeNull();
    expect(stop.shouldStop(4, h)).toMatch(/^valid Accuracy has not improved .* for 2 epochs \(best 60\.0000 at epoch 2\)$/);
  });

  it('treats_a_diverged_epoch_as_no_improvement', () => {
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2 });
    expect(stopsAfter(stop, loss([0.5, NaN, NaN]), 3)).toBe(3);
  });

  it('reads_the_split_it_was_given', () => {
    const h = history([
      { split: 'train', name: 'Loss', values: [1, 0.9, 0.8] },
      { split: 'valid', name: 'Loss', values: [1, 1.2, 1.3] },
    ]);
    expect(new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2, split: 'train' }).shouldStop(3, h)).toBeNull();
    expect(new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2 }).shouldStop(3, h)).toMatch(/^valid Loss/);
  });

  it('ignores_epochs_after_the_one_that_just_ended', () => {
    // History rebuilt on resume may hold later epochs; the decision at epoch 3 must not see them.
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2 });
    expect(stop.shouldStop(3, loss([0.5, 0.6, 0.7, 0.1]))).toMatch(/best 0\.5000 at epoch 1/);
  });

  it('never_stops_without_values_for_the_metric', () => {
    const stop = new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 1 });
    expect(stopsAfter(stop, new MetricHistory(), 5)).toBeNull();
    expect(stopsAfter(stop, history([{ name: 'Accuracy', values: [1, 1, 1] }]), 3)).toBeNull();
  });

  it('rejects_a_patience_that_is_not_a_positive_integer', () => {
    expect(() => new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 0 })).toThrow('patience must be a positive integer, got 0');
    expect(() => new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 1.5 })).toThrow(/got 1\.5/);
  });
});

describe('learner summary', () => {
  const h = () =>
    history([
      { split: 'train', name: 'Loss', values: [0.9, 0.5, 0.6] },
      { split: 'train', name: 'Accuracy', values: [70, 85.5, 80] },
      { split: 'valid', name: 'Loss', values: [1.0, 0.7, 0.75] },
    ]);

  it('reports_min_and_max_with_their_epochs_per_split_and_metric', () => {
    const s = learnerSummary(h());
    expect(s.epochs).toBe(3);
    expect(s.metrics.train.map((m) => m.name)).toEqual(['Loss', 'Accuracy']);
    expect(s.metrics.train[0]).toMatchObject({ min: { epoch: 2, value: 0.5 }, max: { epoch: 1, value: 0.9 } });
    expect(s.metrics.train[1]).toMatchObject({ min: { epoch: 1, value: 70 }, max: { epoch: 2, value: 85.5 } });
    expect(s.metrics.valid[0].entries).toEqual([
      { epoch: 1, value: 1.0 },
      { epoch: 2, value: 0.7 },
      { epoch: 3, value: 0.75 },
    ]);
  });

  it('skips_diverged_epochs_for_min_and_max_and_drops_a_metric_with_no_value', () => {
    const s = learnerSummary(
      history([
        { name: 'Loss', values: [0.8, NaN, 0.6] },
        { name: 'Broken', values: [NaN, NaN] },
      ]),
    );
    expect(s.metrics.valid.map((m) => m.name)).toEqual(['Loss']);
    expect(s.metrics.valid[0]).toMatchObject({ min: { epoch: 3, value: 0.6 }, max: { epoch: 1, value: 0.8 } });
    expect(s.metrics.train).toEqual([]);
  });

  it('summarizes_a_history_of_hundreds_of_thousands_of_epochs', () => {
    // The last epoch was found by spreading every epoch into Math.max, which overflows the stack.
    const s = learnerSummary(history([{ name: 'Loss', values: Array.from({ length: 200_000 }, (_, i) => 1 / (i + 1)) }]));
    expect(s.epochs).toBe(200_000);
    expect(s.metrics.valid[0]).toMatchObject({ min: { epoch: 200_000 }, max: { epoch: 1, value: 1 } });
  });

  it('formats_burns_table_with_aligned_columns', () => {
    expect(formatSummary(learnerSummary(h()))).toBe(
      [
        '======================== Learner Summary ========================',
        'Total Epochs: 3',
        '',
        '| Split | Metric   | Min.   | Epoch | Max.   | Epoch |',
        '|-------|----------|--------|-------|--------|-------|',
        '| Train | Loss     | 0.500  | 2     | 0.900  | 1     |',
        '| Train | Accuracy | 70.000 | 1     | 85.500 | 2     |',
        '| Valid | Loss     | 0.700  | 2     | 1.000  | 1     |',
      ].join('\n'),
    );
  });

  it('formats_an_empty_history_as_a_header_only', () => {
    const text = formatSummary(learnerSummary(new MetricHistory()));
    expect(text.split('\n')).toEqual([
      '======================== Learner Summary ========================',
      'Total Epochs: 0',
      '',
      '| Split | Metric | Min. | Epoch | Max. | Epoch |',
      '|-------|--------|------|-------|------|-------|',
    ]);
  });
});
