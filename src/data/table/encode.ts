import { DataError } from '../errors';
import { quoted, rowWhere } from './errors';
import type { FeaturePreprocessing, LabelPreprocessing, ParsedTable, TableColumn } from './types';

type NumericFeature = Extract<FeaturePreprocessing, { kind: 'numeric' }>;

// The largest float32: a standardized value past it is Infinity in the model's inputs, and the loss NaN.
const F32_MAX = 3.4028234663852886e38;

/** 1 / std, or 1 for a constant column (std 0, or so small that its inverse overflows): only centred then. */
export function inverseStd(std: number): number {
  return std > 0 && 1 / std < Infinity ? 1 / std : 1;
}

/**
 * (v - mean) * scale as a finite float32, or undefined when it has none. Values near the largest
 * doubles are scaled before subtracting, where v - mean itself would overflow.
 */
function standardized(v: number, mean: number, scale: number): number | undefined {
  let z = (v - mean) * scale;
  if (!(Math.abs(z) <= F32_MAX)) z = v * scale - mean * scale;
  return Math.abs(z) <= F32_MAX ? z : undefined;
}

/** The error for a value whose standardized form is not a finite float32, naming the column and row. */
function tooFar(table: ParsedTable, column: string, v: number, mean: number, std: number, row: number): DataError {
  const why = `${v} is too far from the training values (mean ${mean}, standard deviation ${std}) to standardize as a 32-bit number`;
  return new DataError(table.source, `column ${quoted(column)}: the value ${why}`, rowWhere(table.lines.of(row)));
}
type CategoricalFeature = Extract<FeaturePreprocessing, { kind: 'categorical' }>;

/** The table's column a preprocessing step names; a DataError when the table lacks it. */
function columnFor(table: ParsedTable, name: string, role: string): TableColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new DataError(table.source, `the ${role} column ${quoted(name)} is missing (the model was trained with it)`);
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
  const scale = inverseStd(f.std);
  if (column.kind === 'categorical') {
    // Text where numbers were trained is an error; a column with no values at all is filled.
    const text = rows.find((r) => column.codes[r] >= 0);
    if (text !== undefined) {
      throw new DataError(
        table.source,
        `column ${quoted(f.name)} should hold numbers, but this row has the text ${quoted(column.categories[column.codes[text]])}`,
        rowWhere(table.lines.of(text)),
      );
    }
    const z = standardized(f.fill, f.mean, scale) ?? 0;
    for (let i = 0; i < rows.length; i++) x[i * width + offset] = z;
    return;
  }
  const values = column.values;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    const z = standardized(v === v ? v : f.fill, f.mean, scale);
    if (z === undefined) throw tooFar(table, f.name, v, f.mean, f.std, rows[i]);
    x[i * width + offset] = z;
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
    else k = column.values[r] !== column.values[r] ? fill : (index.get(String(column.values[r])) ?? -1);
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
  const missingAt = (r: number) => new DataError(table.source, `the label column ${quoted(label.name)} has no value`, rowWhere(table.lines.of(r)));
  if (label.task === 'regression') {
    if (column.kind === 'categorical') {
      throw new DataError(table.source, `the label column ${quoted(label.name)} should hold numbers for regression`);
    }
    const y = new Float32Array(rows.length);
    const scale = inverseStd(targetScale(label));
    rows.forEach((r, i) => {
      if (column.values[r] !== column.values[r]) throw missingAt(r);
      const z = standardized(column.values[r], label.mean, scale);
      if (z === undefined) throw tooFar(table, label.name, column.values[r], label.mean, label.std, r);
      y[i] = z;
    });
    return y;
  }
  const y = new Int32Array(rows.length);
  const classOf = classLookup(label.classNames, column);
  rows.forEach((r, i) => {
    const k = classOf(r);
    if (k === -2) throw missingAt(r);
    if (k < 0) throw new DataError(table.source, `the label column ${quoted(label.name)} has a class the model does not know`, rowWhere(table.lines.of(r)));
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
  return (r) => (column.values[r] !== column.values[r] ? -2 : (index.get(column.values[r]) ?? -1));
}
