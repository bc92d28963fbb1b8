import { numItems, type TensorData } from '../data/dataset';
import { countConfusion, type ConfusionMatrix } from '../train/metric/confusion-matrix';
import type { LoadedModel } from './load';
import { predict, type Predictions } from './predict';

/** One class's scores over a split. */
export interface ClassScores {
  readonly name: string;
  /** Of the items predicted as this class, the share that are (0 when none is). */
  readonly precision: number;
  /** Of the items of this class, the share predicted as it (0 when there are none). */
  readonly recall: number;
  readonly f1: number;
  /** Items of this class. */
  readonly support: number;
}

/** How a classifier did on a split. */
export interface ClassificationReport {
  readonly task: 'classification';
  readonly items: number;
  readonly classNames: readonly string[];
  readonly matrix: ConfusionMatrix;
  readonly classes: readonly ClassScores[];
  /** Share of items predicted right, in [0, 1]. */
  readonly accuracy: number;
}

/** One item's regression error, in the label's units. */
export interface RegressionError {
  readonly row: number;
  readonly truth: number;
  readonly prediction: number;
  readonly error: number;
}

/** How a regressor did on a split, in the label's units. */
export interface RegressionReport {
  readonly task: 'regression';
  readonly items: number;
  readonly mae: number;
  readonly rmse: number;
  /** The items with the largest absolute errors, largest first. */
  readonly largest: readonly RegressionError[];
}

/** A report, with the predictions it was made from and the true values (class indices, or targets in the label's units). */
export type Evaluation =
  | { readonly report: ClassificationReport; readonly predictions: Extract<Predictions, { task: 'classification' }>; readonly truth: Int32Array }
  | { readonly report: RegressionReport; readonly predictions: Extract<Predictions, { task: 'regression' }>; readonly truth: Float32Array };

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Per-class precision, recall, F1 and support, and accuracy, from a confusion matrix. */
export function classificationReport(matrix: ConfusionMatrix, classNames: readonly string[]): ClassificationReport {
  const items = matrix.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0);
  const classes = matrix.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((n, r) => n + r[c], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { name: classNames[c], precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const correct = matrix.reduce((n, row, c) => n + row[c], 0);
  return { task: 'classification', items, classNames, matrix, classes, accuracy: ratio(correct, items) };
}

/** MAE, RMSE and the `largest` worst items of predictions against true values (same units). */
export function regressionReport(values: Float32Array, truth: Float32Array, largest: number): RegressionReport {
  const errors: RegressionError[] = [];
  let abs = 0;
  let squares = 0;
  for (let i = 0; i < truth.length; i++) {
    const error = values[i] - truth[i];
    abs += Math.abs(error);
    squares += error * error;
    errors.push({ row: i, truth: truth[i], prediction: values[i], error });
  }
  errors.sort((a, b) => Math.abs(b.error) - Math.abs(a.error));
  const n = truth.length;
  return { task: 'regression', items: n, mae: ratio(abs, n), rmse: Math.sqrt(ratio(squares, n)), largest: errors.slice(0, largest) };
}

/**
 * Predicts every item of `split` (the run's validation split, say) and scores the predictions
 * against its labels: the confusion matrix and per-class scores, or MAE, RMSE and the largest errors.
 */
export async function evaluate(loaded: LoadedModel, split: TensorData, largest = 20): Promise<Evaluation> {
  const predictions = await predict(loaded, split.x, numItems(split));
  if (predictions.task === 'classification') {
    const truth = split.y as Int32Array;
    const matrix = countConfusion(truth, predictions.predicted, predictions.classNames.length);
    return { report: classificationReport(matrix, predictions.classNames), predictions, truth };
  }
  if (loaded.output.task !== 'regression') throw new Error('evaluate: a regression model without a regression output');
  const { mean, scale } = loaded.output;
  const truth = Float32Array.from(split.y, (z) => z * scale + mean);
  return { report: regressionReport(predictions.values, truth, largest), predictions, truth };
}

/** A wrong prediction, and how sure the model was of it. */
export interface Mistake {
  readonly row: number;
  readonly truth: number;
  readonly predicted: number;
  /** The probability the model gave its (wrong) prediction. */
  readonly confidence: number;
}

/** The most confident wrong predictions, most confident first, optionally only those of one matrix cell. */
export function mistakes(
  predictions: Extract<Predictions, { task: 'classification' }>,
  truth: Int32Array,
  limit: number,
  cell?: { readonly truth: number; readonly predicted: number },
): Mistake[] {
  const classes = predictions.classNames.length;
  const out: Mistake[] = [];
  for (let row = 0; row < truth.length; row++) {
    const predicted = predictions.predicted[row];
    if (predicted === truth[row] || (cell && (cell.truth !== truth[row] || cell.predicted !== predicted))) continue;
    out.push({ row, truth: truth[row], predicted, confidence: predictions.probabilities[row * classes + predicted] });
  }
  return out.sort((a, b) => b.confidence - a.confidence).slice(0, limit);
}
