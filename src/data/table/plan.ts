import { DATA_LIMITS, DataError } from '../errors';
import { randomSplit, type Split, stratifiedSplit } from '../split';
import { countOf, quoted, rowWhere } from './errors';
import { numericStats } from './stats';
import { findColumn } from './suggest';
import type { ParsedTable, TableChoices, TableColumn } from './types';

// A text column with more distinct values than this many and this share of rows is an identifier
// or free text: one-hot encoding would make thousands of inputs that tell the model nothing.
const ID_MIN_DISTINCT = 100;
const ID_MIN_SHARE = 0.5;

/** Which columns and rows a dataset uses, before anything is fitted: the pure half of preparing. */
export interface TablePlan {
  readonly label: TableColumn;
  /** Feature columns in input order (the file's order, label and left-out columns removed). */
  readonly features: readonly TableColumn[];
  /** Rows used: with a label, and with 'drop' no missing feature. */
  readonly items: number;
  /** Classification: class names in label order, and the rows used of each; regression: undefined. */
  readonly classNames?: readonly string[];
  readonly classCounts?: readonly number[];
  /** Regression: the range and mean of the used rows' targets. */
  readonly target?: { readonly min: number; readonly max: number; readonly mean: number };
  /** Rows of the table for each side, ascending. */
  readonly train: Int32Array;
  readonly valid: Int32Array;
  /** Columns left out, rows dropped, cells to fill: for the card. */
  readonly warnings: readonly string[];
}

/**
 * Decides columns, rows, labels and the split for `choices`; a DataError when they cannot make a
 * dataset. Only the split's rows are kept: the row list and class indices it is made from are let
 * go, so a table of millions of short rows is not held twice over while it is encoded.
 */
export function planTable(table: ParsedTable, choices: TableChoices): TablePlan {
  const label = findColumn(table, choices.label);
  const warnings: string[] = [];
  const features = table.columns.filter((c) => c !== label && keepFeature(c, table.rows, warnings));
  if (features.length === 0) {
    throw new DataError(table.source, `no column is left to learn ${quoted(label.name)} from`);
  }
  const kept = keptRows(table, label, features, choices.missing, warnings);
  const width = features.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
  const checkSize = () => {
    if (width * kept.length * 4 <= DATA_LIMITS.decodedBytes) return;
    const mib = Math.ceil((width * kept.length * 4) / 2 ** 20);
    throw new DataError(table.source, `the features would take ${mib} MiB, over the limit of ${DATA_LIMITS.decodedBytes / 2 ** 20} MiB`);
  };
  const base = { label, features, items: kept.length, warnings };
  if (choices.task === 'classification') {
    const { classNames, targets } = classify(table, label, kept);
    checkSize();
    const classCounts = new Array<number>(classNames.length).fill(0);
    for (let i = 0; i < targets.length; i++) classCounts[targets[i]]++;
    return { ...base, classNames, classCounts, ...rowsOf(stratifiedSplit(targets, choices.validFraction, choices.seed), kept) };
  }
  const target = regressionTarget(table, label, kept);
  checkSize();
  return { ...base, target, ...rowsOf(randomSplit(kept.length, choices.validFraction, choices.seed), kept) };
}

/** A split of the kept rows' indices as rows of the table (in place: the split's arrays are the plan's). */
function rowsOf(split: Split, kept: Int32Array): { train: Int32Array; valid: Int32Array } {
  for (const side of [split.train, split.valid]) for (let i = 0; i < side.length; i++) side[i] = kept[side[i]];
  return split;
}

/** False (with a warning saying why) for a column that cannot be a feature. */
function keepFeature(column: TableColumn, rows: number, warnings: string[]): boolean {
  if (column.missing === rows) {
    warnings.push(`column ${quoted(column.name)} left out: it has no values`);
    return false;
  }
  if (column.kind === 'categorical' && column.distinct > ID_MIN_DISTINCT && column.distinct > ID_MIN_SHARE * rows) {
    warnings.push(
      `column ${quoted(column.name)} left out: ${column.distinct} distinct values in ${rows} rows, an identifier or free text rather than categories`,
    );
    return false;
  }
  return true;
}

function isMissingAt(column: TableColumn, row: number): boolean {
  return column.kind === 'numeric' ? column.values[row] !== column.values[row] : column.codes[row] < 0;
}

/** Rows with a label and, for 'drop', no missing feature; warns about the rows dropped and the cells to fill. */
function keptRows(table: ParsedTable, label: TableColumn, features: readonly TableColumn[], missing: TableChoices['missing'], warnings: string[]): Int32Array {
  const keep = new Uint8Array(table.rows).fill(1);
  let noLabel = 0;
  for (let r = 0; r < table.rows; r++) {
    if (isMissingAt(label, r)) {
      keep[r] = 0;
      noLabel++;
    }
  }
  if (noLabel > 0) warnings.push(`${countOf(noLabel, 'row')} without a value in the label column ${quoted(label.name)} dropped`);
  const incomplete = features.filter((c) => c.missing > 0);
  if (missing === 'drop') {
    let dropped = 0;
    for (const column of incomplete) {
      for (let r = 0; r < table.rows; r++) {
        if (keep[r] && isMissingAt(column, r)) {
          keep[r] = 0;
          dropped++;
        }
      }
    }
    if (dropped > 0) warnings.push(`${countOf(dropped, 'row')} with missing values dropped`);
  } else if (incomplete.length > 0) {
    let cells = 0;
    for (const column of incomplete) for (let r = 0; r < table.rows; r++) if (keep[r] && isMissingAt(column, r)) cells++;
    const names = incomplete.map((c) => `${quoted(c.name)}`).join(', ');
    if (cells > 0) warnings.push(`${countOf(cells, 'missing value')} filled (training mean, or most frequent category) in ${names}`);
  }
  let count = 0;
  for (let r = 0; r < table.rows; r++) count += keep[r];
  if (count === 0) throw new DataError(table.source, 'no rows are left once rows with missing values are dropped');
  const kept = new Int32Array(count);
  for (let r = 0, k = 0; r < table.rows; r++) if (keep[r]) kept[k++] = r;
  return kept;
}

/** Class indices of the kept rows; classes are the values present, sorted (numbers numerically). */
function classify(table: ParsedTable, label: TableColumn, kept: Int32Array): { classNames: string[]; targets: Int32Array } {
  const targets = new Int32Array(kept.length);
  let classNames: string[];
  if (label.kind === 'categorical') {
    const present = new Uint8Array(label.categories.length);
    for (const r of kept) present[label.codes[r]] = 1;
    const index = new Int32Array(label.categories.length).fill(-1);
    classNames = [];
    label.categories.forEach((name, code) => {
      if (present[code]) index[code] = classNames.push(name) - 1;
    });
    kept.forEach((r, i) => (targets[i] = index[label.codes[r]]));
  } else {
    const present = new Set<number>();
    for (const r of kept) present.add(label.values[r]);
    const values = [...present].sort((a, b) => a - b);
    const index = new Map(values.map((v, i) => [v, i]));
    classNames = values.map(String);
    for (let i = 0; i < kept.length; i++) targets[i] = index.get(label.values[kept[i]])!;
  }
  if (classNames.length < 2) {
    throw new DataError(table.source, `the label column ${quoted(label.name)} has only one class (${quoted(classNames[0])}): there is nothing to tell apart`);
  }
  return { classNames, targets };
}

/** The kept rows' target range and mean; a text label cannot be a target. */
function regressionTarget(table: ParsedTable, label: TableColumn, kept: Int32Array): { min: number; max: number; mean: number } {
  if (label.kind === 'categorical') {
    const first = kept.find((r) => label.codes[r] >= 0)!;
    const text = label.categories[label.codes[first]];
    throw new DataError(
      table.source,
      `the label column ${quoted(label.name)} holds text (${quoted(text)}), so it cannot be a regression target: choose classification`,
      rowWhere(table.lines.of(first)),
    );
  }
  // Only rows with a label are kept: the stats exist.
  const { min, max, mean } = numericStats(label.values, kept)!;
  return { min, max, mean };
}
