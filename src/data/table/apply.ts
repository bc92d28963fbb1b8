import { encodeFeatures, encodeLabels } from './encode';
import { allRows } from './rows';
import type { ParsedTable, TablePreprocessing } from './types';

/** A new table turned into a trained model's inputs (and its targets when it has the label column). */
export interface AppliedTable {
  /** Row-major inputs, `itemShape[0]` per row. */
  readonly x: Float32Array;
  readonly itemShape: readonly [number];
  readonly rows: number;
  /** Class indices or raw targets; absent when the table has no label column. */
  readonly y?: Int32Array | Float32Array;
}

/**
 * Applies saved preprocessing to another table with the same columns (to use a checkpoint later):
 * the training statistics, one-hot layout and fill values, never statistics of the new table.
 * Missing values are always filled here, whatever training chose. A missing column is a DataError.
 */
export function applyPreprocessing(preprocessing: TablePreprocessing, table: ParsedTable): AppliedTable {
  if (preprocessing.version !== 1) throw new Error(`unknown table preprocessing version ${String(preprocessing.version)}`);
  const rows = allRows(table.rows);
  const x = encodeFeatures(preprocessing.features, preprocessing.numFeatures, table, rows);
  const base = { x, itemShape: [preprocessing.numFeatures] as const, rows: table.rows };
  const hasLabel = table.columns.some((c) => c.name === preprocessing.label.name);
  return hasLabel ? { ...base, y: encodeLabels(preprocessing.label, table, rows) } : base;
}
