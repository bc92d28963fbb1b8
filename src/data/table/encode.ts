import { DataError } from '../errors';
import { quoted, rowWhere } from './errors';
import { BLOCK, gather, type TableRows } from './rows';
import type { FeaturePreprocessing, LabelPreprocessing, NumberArray, ParsedTable, TableColumn } from './types';

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

/** The table's column a preprocessing step names; a DataError when the table lacks it. */
function columnFor(table: ParsedTable, name: string, role: string): TableColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new DataError(table.source, `the ${role} column ${quoted(name)} is missing (the model was trained with it)`);
  return column;
}

/** How one feature becomes inputs, worked out once; `offset`: its first input in a row. */
type Input =
  | { readonly kind: 'numbers'; readonly offset: number; readonly feature: NumericFeature; readonly values: NumberArray; readonly scale: number }
  | { readonly kind: 'constant'; readonly offset: number; readonly value: number }
  | { readonly kind: 'codes'; readonly offset: number; readonly codes: Int32Array; readonly byCode: Int32Array; readonly fill: number }
  | { readonly kind: 'spelled'; readonly offset: number; readonly values: NumberArray; readonly index: Map<string, number>; readonly fill: number };

/**
 * The model inputs of `rows` of `table`, row-major, `numFeatures` per row: numeric columns
 * standardized with the fitted mean and std, categorical ones one-hot in the fitted category order
 * (an unseen category is all zeros), missing values replaced by the fitted fill value. The rows
 * are gathered a block at a time and every feature written for the block: the rows are picked
 * out of the table once, and the block's inputs stay in the cache while each feature is written.
 */
export function encodeFeatures(features: readonly FeaturePreprocessing[], numFeatures: number, table: ParsedTable, rows: TableRows): Float32Array {
  const x = new Float32Array(rows.count * numFeatures);
  let offset = 0;
  const inputs = features.map((feature) => {
    const input = inputOf(feature, offset, table, rows);
    offset += feature.kind === 'numeric' ? 1 : feature.categories.length;
    return input;
  });
  const block = new Int32Array(BLOCK);
  for (let start = 0, first = 0; start < rows.sides.length; start += BLOCK) {
    const count = gather(rows, start, block);
    for (const input of inputs) write(x, numFeatures, input, block, count, first, table);
    first += count;
  }
  return x;
}

function inputOf(feature: FeaturePreprocessing, offset: number, table: ParsedTable, rows: TableRows): Input {
  const column = columnFor(table, feature.name, 'feature');
  if (feature.kind === 'numeric') {
    // A constant column (std 0) is only centred: dividing would make 0/0.
    const scale = inverseStd(feature.std);
    if (column.kind === 'numeric') return { kind: 'numbers', offset, feature, values: column.values, scale };
    // Text where numbers were trained is an error; a column with no values at all is filled.
    const { sides, side } = rows;
    let text = 0;
    while (text < sides.length && !(sides[text] === side && column.codes[text] >= 0)) text++;
    if (text < sides.length) {
      throw new DataError(
        table.source,
        `column ${quoted(feature.name)} should hold numbers, but this row has the text ${quoted(column.categories[column.codes[text]])}`,
        rowWhere(table.lines.of(text)),
      );
    }
    return { kind: 'constant', offset, value: standardized(feature.fill, feature.mean, scale) ?? 0 };
  }
  const index = new Map(feature.categories.map((name, i) => [name, i]));
  const fill = index.get(feature.fill) ?? -1;
  // This table's codes mapped to the fitted order once, rather than a string lookup per row.
  if (column.kind === 'categorical')
    return { kind: 'codes', offset, codes: column.codes, byCode: Int32Array.from(column.categories, (name) => index.get(name) ?? -1), fill };
  return { kind: 'spelled', offset, values: column.values, index, fill };
}

/** Writes `input` for the `count` rows of `block`, the first of them at row `first` of `x`. */
function write(x: Float32Array, width: number, input: Input, block: Int32Array, count: number, first: number, table: ParsedTable): void {
  const at = first * width + input.offset;
  switch (input.kind) {
    case 'numbers':
      return writeNumbers(x, width, at, input.feature, input.values, input.scale, block, count, table);
    case 'constant':
      for (let k = 0; k < count; k++) x[at + k * width] = input.value;
      return;
    case 'codes':
      for (let k = 0; k < count; k++) {
        const code = input.codes[block[k]];
        const c = code < 0 ? input.fill : input.byCode[code];
        if (c >= 0) x[at + k * width + c] = 1;
      }
      return;
    case 'spelled':
      // Numbers where categories were trained: each looked up by its spelling.
      for (let k = 0; k < count; k++) {
        const v = input.values[block[k]];
        const c = v !== v ? input.fill : (input.index.get(String(v)) ?? -1);
        if (c >= 0) x[at + k * width + c] = 1;
      }
  }
}

function writeNumbers(
  x: Float32Array,
  width: number,
  at: number,
  f: NumericFeature,
  values: NumberArray,
  scale: number,
  block: Int32Array,
  count: number,
  table: ParsedTable,
): void {
  const { mean, fill } = f;
  for (let k = 0; k < count; k++) {
    const v = values[block[k]];
    const z = standardized(v === v ? v : fill, mean, scale);
    if (z === undefined) throw tooFar(table, f.name, v, mean, f.std, block[k]);
    x[at + k * width] = z;
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
export function encodeLabels(label: LabelPreprocessing, table: ParsedTable, rows: TableRows): Int32Array | Float32Array {
  const column = columnFor(table, label.name, 'label');
  const missingAt = (r: number) => new DataError(table.source, `the label column ${quoted(label.name)} has no value`, rowWhere(table.lines.of(r)));
  const block = new Int32Array(BLOCK);
  if (label.task === 'regression') {
    if (column.kind === 'categorical') {
      throw new DataError(table.source, `the label column ${quoted(label.name)} should hold numbers for regression`);
    }
    const y = new Float32Array(rows.count);
    const scale = inverseStd(targetScale(label));
    for (let start = 0, i = 0; start < rows.sides.length; start += BLOCK) {
      const count = gather(rows, start, block);
      for (let k = 0; k < count; k++, i++) {
        const v = column.values[block[k]];
        if (v !== v) throw missingAt(block[k]);
        const z = standardized(v, label.mean, scale);
        if (z === undefined) throw tooFar(table, label.name, v, label.mean, label.std, block[k]);
        y[i] = z;
      }
    }
    return y;
  }
  const y = new Int32Array(rows.count);
  const classOf = classLookup(label.classNames, column);
  for (let start = 0, i = 0; start < rows.sides.length; start += BLOCK) {
    const count = gather(rows, start, block);
    for (let k = 0; k < count; k++, i++) {
      const c = classOf(block[k]);
      if (c === -2) throw missingAt(block[k]);
      if (c < 0)
        throw new DataError(table.source, `the label column ${quoted(label.name)} has a class the model does not know`, rowWhere(table.lines.of(block[k])));
      y[i] = c;
    }
  }
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
