import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, StepOutput } from './base';
import { predictedClasses, targetClasses } from './classes';
import { NumericMetricState } from './numeric-state';

/** Per-class true positives, predicted counts and true counts of a batch, as [3, classes]. */
function confusionStats(out: StepOutput): tf.Tensor {
  const classes = out.output.shape[out.output.rank - 1]!;
  const pred = tf.oneHot(predictedClasses(out), classes).toFloat();
  const truth = tf.oneHot(targetClasses(out), classes).toFloat();
  return tf.stack([tf.sum(tf.mul(pred, truth), 0), tf.sum(pred, 0), tf.sum(truth, 0)]);
}

type Score = (tp: number, predicted: number, actual: number) => number;

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * A macro-averaged score over the classes that occur in the batch (as target or prediction),
 * in percent. Classes absent from both are skipped rather than counted as 0 or 100.
 */
class MacroScoreMetric implements Metric {
  readonly higherIsBetter = true;
  private readonly state: NumericMetricState;

  constructor(
    readonly name: string,
    private readonly score: Score,
  ) {
    this.state = new NumericMetricState(name, 2, '%');
  }

  stats(out: StepOutput): tf.Tensor {
    return confusionStats(out);
  }

  update(stats: Float32Array | null, batchSize: number): MetricEntry {
    const s = stats!;
    const classes = s.length / 3;
    let sum = 0;
    let present = 0;
    for (let c = 0; c < classes; c++) {
      const tp = s[c];
      const predicted = s[classes + c];
      const actual = s[2 * classes + c];
      if (predicted === 0 && actual === 0) continue;
      sum += this.score(tp, predicted, actual);
      present++;
    }
    return this.state.update(present ? (100 * sum) / present : 0, batchSize);
  }

  clear(): void {
    this.state.reset();
  }
}

/** Macro precision: mean over classes of tp / predicted. */
export class PrecisionMetric extends MacroScoreMetric {
  constructor() {
    super('Precision', (tp, predicted) => ratio(tp, predicted));
  }
}

/** Macro recall: mean over classes of tp / actual. */
export class RecallMetric extends MacroScoreMetric {
  constructor() {
    super('Recall', (tp, _predicted, actual) => ratio(tp, actual));
  }
}

/** Macro F-beta: mean over classes of (1+β²)·P·R / (β²·P + R). */
export class FBetaScoreMetric extends MacroScoreMetric {
  constructor(readonly beta = 1) {
    if (!(beta > 0)) throw new Error(`F-beta score: beta must be positive, got ${beta}`);
    const b2 = beta * beta;
    super(`F${beta} Score`, (tp, predicted, actual) => {
      const p = ratio(tp, predicted);
      const r = ratio(tp, actual);
      return ratio((1 + b2) * p * r, b2 * p + r);
    });
  }
}
