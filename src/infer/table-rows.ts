import type { TensorData } from '../data/dataset';
import type { FeaturePreprocessing, TablePreprocessing } from '../data/table/types';

/** A numeric input back in the column's units: the standardization undone (a constant column was only centred). */
const unstandardized = (f: Extract<FeaturePreprocessing, { kind: 'numeric' }>, z: number) => z * (f.std > 0 ? f.std : 1) + f.mean;

/** Where each feature column's inputs start in a row of `preprocessing.numFeatures`. */
function offsets(preprocessing: TablePreprocessing): number[] {
  let at = 0;
  return preprocessing.features.map((f) => {
    const start = at;
    at += f.kind === 'numeric' ? 1 : f.categories.length;
    return start;
  });
}

/** Per feature column of the training split: the median (numeric, in the column's units) or the most frequent category. */
export function columnDefaults(preprocessing: TablePreprocessing, train: TensorData): (number | string)[] {
  const width = preprocessing.numFeatures;
  const rows = train.x.length / width;
  const starts = offsets(preprocessing);
  return preprocessing.features.map((f, i) => {
    if (f.kind === 'numeric') {
      const values = Float64Array.from({ length: rows }, (_, r) => train.x[r * width + starts[i]]).sort();
      const mid = values.length >> 1;
      const median = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
      return rows ? unstandardized(f, median) : f.fill;
    }
    const counts = f.categories.map((_, k) => {
      let n = 0;
      for (let r = 0; r < rows; r++) n += train.x[r * width + starts[i] + k];
      return n;
    });
    return f.categories[counts.indexOf(Math.max(...counts))] ?? f.fill;
  });
}

/** Row `row` of prepared features as text per feature column: the values the model saw (missing ones filled). */
export function featureCells(preprocessing: TablePreprocessing, x: Float32Array, row: number): string[] {
  const width = preprocessing.numFeatures;
  const starts = offsets(preprocessing);
  return preprocessing.features.map((f, i) => {
    const at = row * width + starts[i];
    if (f.kind === 'numeric') return String(Number(unstandardized(f, x[at]).toPrecision(6)));
    const k = f.categories.findIndex((_, c) => x[at + c] === 1);
    return k < 0 ? '' : f.categories[k];
  });
}
