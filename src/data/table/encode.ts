import { DataError } from '../errors';
import { rowWhere } from './errors';
import type { FeaturePreprocessing, LabelPreprocessing, ParsedTable, TableColumn } from './types';

type NumericFeature = Extract<FeaturePreprocessing, { kind: 'numeric' }>;
type CategoricalFeature = Extract<FeaturePreprocessing, { kind: 'categorical' }>;

/** The table's column a preprocessing step names; a DataError when the table lacks it. */
function columnFor(table: ParsedTable, name: string, role: string): TableColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new DataError(table.source, `the ${role} column "${name}" is missing (the model was trained with it)`);
  return column;
}

/**
 * The model inputs of `rows` of `table`, row-major, `numFeatures` per row: numeric columns
 * standardized with the fitted mean and std, categorical ones one-hot in the fitted category order
 * (an unseen category is all zeros), missing values replaced by the fitted fill value.
 */
export function encodeFeatures(features: readonly FeaturePreprocessing[], numFeatures: number, table: ParsedTable, rows: Int32Array): Float32Array {
  const x = new Float32Array(rows.length * numFeatures);
  let offset = 0;
  for (const feature of features) {
    const column = columnFor(table, feature.name, 'feature');
    if (feature.kind === 'numeric') {
      encodeNumeric(x, numFeatures, offset, feature, column, table, rows);
      offset += 1;
    } else {
      encodeOneHot(x, numFeatures, offset, feature, column, rows);
      offset += feature.categories.length;
    }
  }
  return x;
}

function encodeNumeric(x: Float32Array, width: number, offset: number, f: NumericFeature, column: TableColumn, table: ParsedTable, rows: Int32Array): void {
  // A constant column (std 0) is only centred: dividing would make 0/0.
  const scale = f.std > 0 ? 1 / f.std : 1;
  if (column.kind === 'categorical') {
    // Text where numbers were trained is an error; a column with no values at all is filled.
    const text = rows.find((r) => column.codes[r] >= 0);
    if (text !== undefined) {
      throw new DataError(
        table.source,
        `column "${f.name}" should hold numbers, but this row has the text "${column.categories[column.codes[text]]}"`,
        rowWhere(table.lines[text]),
      );
    }
    for (let i = 0; i < rows.length; i++) x[i * width + offset] = (f.fill - f.mean) * scale;
    return;
  }
  const values = column.values;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    x[i * width + offset] = ((v === v ? v : f.fill) - f.mean) * scale;
  }
}

function encodeOneHot(x: Float32Array, width: number, offset: number, f: CategoricalFeature, column: TableColumn, rows: Int32Array): void {
  const index = new Map(f.categories.map((name, i) => [name, i]));
  const fill = index.get(f.fill) ?? -1;
  // This table's codes mapped to the fitted order once, rather than a string lookup per row.
  const byCode = column.kind === 'categorical' ? Int32Array.from(column.categories, (name) => index.get(name) ?? -1) : null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let k: number;
    if (column.kind === 'categorical') k = column.codes[r] < 0 ? fill : byCode![column.codes[r]];
    else k = column.values[r] !== column.values[r] ? fill : index.get(String(column.values[r])) ?? -1;
    if (k >= 0) x[i * width + offset + k] = 1;
  }
}

/** What a standardized regression target's unit is worth in the label's units (its training std, or 1 for a constant label). */
export function targetScale(label: Extract<LabelPreprocessing, { task: 'regression' }>): number {
  return label.std > 0 ? label.std : 1;
}

/**
 * The targets of `rows`: class indices (Int32Array) for classification; for regression the values
 * standardized with the training split's mean and standard deviation (Float32Array), so a model
 * starts near the right scale whatever the label's units (prices in the hundreds of thousands
 * train as well as fractions); `targetScale` turns errors back into the label's units.
 * A missing label or a class the model does not know is a DataError naming the row.
 */
export function encodeLabels(label: LabelPreprocessing, table: ParsedTable, rows: Int32Array): Int32Array | Float32Array {
  const column = columnFor(table, label.name, 'label');
  const missingAt = (r: number) => new DataError(table.source, `the label column "${label.name}" has no value`, rowWhere(table.lines[r]));
  if (label.task === 'regression') {
    if (column.kind === 'categorical') {
      throw new DataError(table.source, `the label column "${label.name}" should hold numbers for regression`);
    }
    const y = new Float32Array(rows.length);
    const scale = targetScale(label);
    rows.forEach((r, i) => {
      if (column.values[r] !== column.values[r]) throw missingAt(r);
      y[i] = (column.values[r] - label.mean) / scale;
    });
    return y;
  }
  const y = new Int32Array(rows.length);
  const classOf = classLookup(label.classNames, column);
  rows.forEach((r, i) => {
    const k = classOf(r);
    if (k === -2) throw missingAt(r);
    if (k < 0) throw new DataError(table.source, `the label column "${label.name}" has a class the model does not know`, rowWhere(table.lines[r]));
    y[i] = k;
  });
  return y;
}

/** Row → class index, -1 for an unknown class, -2 for a missing label. */
function classLookup(classNames: readonly string[], column: TableColumn): (row: number) => number {
  if (column.kind === 'categorical') {
    const index = new Map(classNames.map((name, i) => [name, i]));
    const byCode = Int32Array.from(column.categories, (name) => index.get(name) ?? -1);
    return (r) => (column.codes[r] < 0 ? -2 : byCode[column.codes[r]]);
  }
  // Numeric class names are the values' shortest spellings, which Number() reads back exactly.
  const index = new Map(classNames.map((name, i) => [Number(name), i]));
  return (r) => (column.values[r] !== column.values[r] ? -2 : index.get(column.values[r]) ?? -1);
}
