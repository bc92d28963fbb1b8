import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AccuracyMetric,
  FBetaScoreMetric,
  IterationSpeedMetric,
  LearningRateMetric,
  LossMetric,
  MaeMetric,
  NumericMetricState,
  PrecisionMetric,
  RecallMetric,
  TensorMemoryMetric,
  TopKAccuracyMetric,
  metricFileName,
  type Metric,
  type MetricEntry,
  type MetricMetadata,
  type StepOutput,
} from '../../src/train/metric';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const held: tf.Tensor[] = [];
afterEach(() => {
  tf.dispose(held.splice(0));
});

/** A step's output: logits [batch, classes], class-index or one-hot targets, and a loss. */
function step(output: number[][], targets: number[] | number[][], loss = 0): StepOutput {
  const out = tf.tensor2d(output);
  const t = Array.isArray(targets[0]) ? tf.tensor2d(targets as number[][]) : tf.tensor1d(targets as number[], 'int32');
  const l = tf.scalar(loss);
  held.push(out, t, l);
  return { output: out, targets: t, loss: l, batchSize: output.length };
}

/** Logits whose arg-max is `preds` (one row per item). */
function logitsFor(preds: number[], classes: number): number[][] {
  return preds.map((p) => Array.from({ length: classes }, (_, c) => (c === p ? 2 : 0)));
}

const meta = (over: Partial<MetricMetadata> = {}): MetricMetadata => ({
  epoch: 1,
  epochTotal: 1,
  iteration: 1,
  itemsProcessed: 0,
  itemsTotal: 0,
  lr: undefined,
  time: 0,
  epochStart: 0,
  ...over,
});

/** Runs stats on the device and update on the host, as the learner does. */
function measure(metric: Metric, out: StepOutput | null, m: MetricMetadata = meta(), batchSize = out?.batchSize ?? 1): MetricEntry {
  let stats: Float32Array | null = null;
  if (out) {
    tf.tidy(() => {
      const s = metric.stats(out);
      if (s) stats = s.toFloat().dataSync() as Float32Array;
    });
  }
  return metric.update(stats, batchSize, m);
}

// Four items, three classes; arg-max predictions are [0, 1, 2, 1], targets [0, 1, 1, 0].
const LOGITS = [
  [2, 1, 0],
  [0, 3, 1],
  [1, 0, 2],
  [0.5, 2, 0.1],
];
const TARGETS = [0, 1, 1, 0];
const ONE_HOT = TARGETS.map((t) => [0, 1, 2].map((c) => (c === t ? 1 : 0)));

describe('loss metric', () => {
  it('reports_the_batch_loss_and_a_batch_size_weighted_running_mean', () => {
    const m = new LossMetric();
    const a = measure(m, step([[0], [0], [0], [0]], [0, 0, 0, 0], 0.5));
    expect(a).toMatchObject({ name: 'Loss', value: 0.5, count: 4, running: 0.5 });
    const b = measure(m, step([[0], [0]], [0, 0], 1));
    expect(b.value).toBe(1);
    expect(b.count).toBe(2);
    expect(b.running).toBeCloseTo((0.5 * 4 + 1 * 2) / 6, 7);
    expect(b.formatted).toBe('epoch 0.6667 - batch 1.0000');
  });

  it('clear_starts_a_new_epoch_mean', () => {
    const m = new LossMetric();
    measure(m, step([[0]], [0], 4));
    m.clear();
    expect(measure(m, step([[0]], [0], 2)).running).toBe(2);
  });
});

describe('mean absolute error', () => {
  it('averages_the_absolute_error_over_every_target_value', () => {
    const m = new MaeMetric();
    // Two items with two targets each: |1-0| + |2-4| + |0-0| + |-1-2| = 6 over 4 values.
    const e = measure(
      m,
      step(
        [
          [1, 2],
          [0, -1],
        ],
        [
          [0, 4],
          [0, 2],
        ],
      ),
    );
    expect(e).toMatchObject({ name: 'MAE', value: 1.5, count: 2, running: 1.5 });
    // Targets trained standardized: the error in the label's units is the standardized one times its std.
    expect(
      measure(
        new MaeMetric(10),
        step(
          [
            [1, 2],
            [0, -1],
          ],
          [
            [0, 4],
            [0, 2],
          ],
        ),
      ).value,
    ).toBe(15);
  });
});

describe('accuracy', () => {
  it('is_the_percent_of_items_whose_argmax_matches_the_target', () => {
    const e = measure(new AccuracyMetric(), step(LOGITS, TARGETS));
    expect(e.name).toBe('Accuracy');
    expect(e.value).toBe(50);
    expect(e.count).toBe(4);
    expect(e.formatted).toBe('epoch 50.00% - batch 50.00%');
  });

  it('accepts_one_hot_targets', () => {
    expect(measure(new AccuracyMetric(), step(LOGITS, ONE_HOT)).value).toBe(50);
  });

  it('refuses_a_single_unit_output_with_a_message_saying_what_to_do', () => {
    expect(() => measure(new AccuracyMetric(), step([[0.9], [0.1]], [1, 0]))).toThrow(
      /one output per class; wrap a single-unit binary model with classification\(model\)/,
    );
  });

  it('weights_the_running_mean_by_batch_size', () => {
    const m = new AccuracyMetric();
    measure(m, step(LOGITS, TARGETS)); // 2 of 4
    const e = measure(m, step([[1, 0, 0]], [0])); // 1 of 1
    expect(e.value).toBe(100);
    expect(e.running).toBeCloseTo(60, 5); // 3 of 5
  });
});

describe('top-k accuracy', () => {
  it('counts_items_whose_target_is_among_the_k_highest_outputs', () => {
    // Target ranks: item 0 → 1st, item 1 → 1st, item 2 → 3rd, item 3 → 2nd.
    expect(measure(new TopKAccuracyMetric(1), step(LOGITS, TARGETS)).value).toBe(50);
    expect(measure(new TopKAccuracyMetric(2), step(LOGITS, TARGETS)).value).toBe(75);
    expect(measure(new TopKAccuracyMetric(3), step(LOGITS, TARGETS)).value).toBe(100);
  });

  it('accepts_one_hot_targets', () => {
    expect(measure(new TopKAccuracyMetric(2), step(LOGITS, ONE_HOT)).value).toBe(75);
  });

  it('resolves_ties_in_favour_of_the_target', () => {
    // Only outputs strictly above the target's count against it.
    const tied = step(
      [
        [1, 1, 0],
        [1, 1, 0],
        [3, 3, 1],
      ],
      [0, 1, 2],
    );
    expect(measure(new TopKAccuracyMetric(1), tied).value).toBeCloseTo(200 / 3, 4);
    const twoAbove = step([[3, 3, 1]], [2]);
    expect(measure(new TopKAccuracyMetric(2), twoAbove).value).toBe(0);
    expect(measure(new TopKAccuracyMetric(3), twoAbove).value).toBe(100);
  });

  it('counts_a_target_beaten_by_a_larger_output_when_another_output_is_minus_infinity', () => {
    expect(measure(new TopKAccuracyMetric(1), step([[-Infinity, 0, 5]], [1])).value).toBe(0);
  });

  it('a_diverged_output_never_counts_as_a_hit', () => {
    expect(measure(new TopKAccuracyMetric(1), step([[NaN, NaN, NaN]], [1])).value).toBe(0);
  });

  it('is_named_for_k_and_rejects_a_k_that_is_not_a_positive_integer', () => {
    expect(new TopKAccuracyMetric(5).name).toBe('Top-5 Accuracy');
    expect(metricFileName(new TopKAccuracyMetric(5).name)).toBe('Top-5_Accuracy.log');
    expect(() => new TopKAccuracyMetric(0)).toThrow(/positive integer, got 0/);
    expect(() => new TopKAccuracyMetric(1.5)).toThrow(/got 1.5/);
  });
});

describe('precision, recall and F-beta (macro, percent)', () => {
  // Four classes; class 3 is neither a target nor a prediction in this batch.
  //   class 0: tp 1, predicted 2, actual 2 → P 1/2, R 1/2
  //   class 1: tp 1, predicted 2, actual 1 → P 1/2, R 1
  //   class 2: tp 2, predicted 2, actual 3 → P 1,   R 2/3
  const preds = [0, 1, 1, 2, 2, 0];
  const targets = [0, 0, 1, 2, 2, 2];
  const batch = () => step(logitsFor(preds, 4), targets);

  it('precision_averages_over_the_classes_present_only', () => {
    const e = measure(new PrecisionMetric(), batch());
    expect(e.name).toBe('Precision');
    expect(e.value).toBeCloseTo((100 * (1 / 2 + 1 / 2 + 1)) / 3, 4);
  });

  it('recall_averages_over_the_classes_present_only', () => {
    expect(measure(new RecallMetric(), batch()).value).toBeCloseTo((100 * (1 / 2 + 1 + 2 / 3)) / 3, 4);
  });

  it('f1_is_the_mean_of_per_class_harmonic_means', () => {
    const m = new FBetaScoreMetric();
    expect(m.name).toBe('F1 Score');
    // Per class F1: 1/2, 2/3, 4/5.
    expect(measure(m, batch()).value).toBeCloseTo((100 * (1 / 2 + 2 / 3 + 4 / 5)) / 3, 4);
  });

  it('f2_weights_recall_four_times_as_much_as_precision', () => {
    const m = new FBetaScoreMetric(2);
    expect(m.name).toBe('F2 Score');
    expect(metricFileName(m.name)).toBe('F2_Score.log');
    // (1+4)PR / (4P+R) per class: 1/2, 5/6, 5/7.
    expect(measure(m, batch()).value).toBeCloseTo((100 * (1 / 2 + 5 / 6 + 5 / 7)) / 3, 4);
  });

  it('accepts_one_hot_targets', () => {
    const oneHot = targets.map((t) => [0, 1, 2, 3].map((c) => (c === t ? 1 : 0)));
    expect(measure(new RecallMetric(), step(logitsFor(preds, 4), oneHot)).value).toBeCloseTo((100 * (1 / 2 + 1 + 2 / 3)) / 3, 4);
  });

  it('a_class_that_is_only_predicted_scores_zero_in_the_average', () => {
    // Class 0: tp 1, predicted 1, actual 2. Class 1: predicted once, never a target.
    const out = () => step(logitsFor([0, 1], 2), [0, 0]);
    expect(measure(new PrecisionMetric(), out()).value).toBe(50);
    expect(measure(new RecallMetric(), out()).value).toBe(25);
  });

  it('a_perfect_batch_scores_100', () => {
    const out = () => step(logitsFor([2, 0, 1], 5), [2, 0, 1]);
    for (const m of [new PrecisionMetric(), new RecallMetric(), new FBetaScoreMetric(0.5)]) {
      expect(measure(m, out()).value).toBeCloseTo(100, 5);
    }
  });

  it('rejects_a_beta_that_is_not_positive', () => {
    expect(() => new FBetaScoreMetric(0)).toThrow(/beta must be positive, got 0/);
    expect(() => new FBetaScoreMetric(-1)).toThrow(/got -1/);
  });
});

describe('metadata metrics', () => {
  it('learning_rate_logs_the_step_rate_and_prints_it_in_exponent_form', () => {
    const m = new LearningRateMetric();
    expect(m.stats()).toBeNull();
    const e = measure(m, null, meta({ lr: 0.001 }), 32);
    expect(e).toMatchObject({ name: 'Learning Rate', value: 0.001, count: 32, running: 0.001 });
    expect(e.formatted).toBe('1.00e-3');
  });

  it('learning_rate_without_a_rate_is_nan', () => {
    const e = measure(new LearningRateMetric(), null, meta({ lr: undefined }), 8);
    expect(e.value).toBeNaN();
    expect(e.formatted).toBe('NaN');
  });

  it('iteration_speed_is_items_per_second_since_the_epoch_began', () => {
    const e = measure(new IterationSpeedMetric(), null, meta({ itemsProcessed: 64, epochStart: 1000, time: 3000 }), 32);
    expect(e).toMatchObject({ name: 'Iteration Speed', value: 32, count: 32, running: 32, formatted: '32 items/s' });
  });

  it('tensor_memory_reports_live_bytes_in_mib_and_tensor_count', () => {
    const bytes = new TensorMemoryMetric('bytes');
    const count = new TensorMemoryMetric('tensors');
    expect(bytes.name).toBe('Tensor Memory');
    expect(count.name).toBe('Tensor Count');
    const b0 = measure(bytes, null).value;
    const c0 = measure(count, null).value;
    expect(b0).toBe(tf.memory().numBytes / 2 ** 20);
    const big = tf.zeros([2 ** 18]); // 1 MiB of float32
    const small = [tf.scalar(1), tf.scalar(2)];
    held.push(big, ...small);
    expect(measure(bytes, null).value - b0).toBeCloseTo(1 + 8 / 2 ** 20, 9);
    const c = measure(count, null);
    expect(c.value - c0).toBe(3);
    expect(c.formatted).toMatch(/ - batch \d+$/);
  });
});

describe('numeric metric state', () => {
  it('formats_with_its_precision_and_unit', () => {
    const s = new NumericMetricState('X', 1, ' u');
    s.update(1, 1);
    expect(s.update(2, 3).formatted).toBe('epoch 1.8 u - batch 2.0 u');
    s.reset();
    expect(s.update(5, 1).running).toBe(5);
  });
});

describe('metrics leave no tensors behind', () => {
  it('stats_inside_a_tidy_leave_only_the_inputs', () => {
    const out = step(LOGITS, TARGETS, 0.3);
    const before = tf.memory().numTensors;
    const metrics = [new LossMetric(), new AccuracyMetric(), new TopKAccuracyMetric(2), new FBetaScoreMetric(2)];
    for (const m of metrics) measure(m, out);
    expect(tf.memory().numTensors).toBe(before);
  });
});
