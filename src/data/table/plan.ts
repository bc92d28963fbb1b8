import { DATA_LIMITS, DataError } from '../errors';
import { groupByClass, markRandom, markStratified } from '../split';
import { countOf, quoted, rowWhere } from './errors';
import { TRAIN, type TableRows, UNUSED, VALID } from './rows';
import { numericStats } from './stats';
import { findColumn } from './suggest';
import type { ParsedTable, TableChoices, TableColumn } from './types';

// A text column with more distinct values than this many and this share of rows is an identifier
// or free text: one-hot encoding would make thousands of inputs that tell the model nothing.
const ID_MIN_DISTINCT = 100;
const ID_MIN_SHARE = 0.5;

/** Whether a column is text with so many distinct values that it is left out of the features on its own. */
export function isFreeText(column: TableColumn, rows: number): boolean {
  return column.kind === 'categorical' && column.distinct > ID_MIN_DISTINCT && column.distinct > ID_MIN_SHARE * rows;
}

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
  /** The rows of each side, marked in one array of sides. */
  readonly train: TableRows;
  readonly valid: TableRows;
  /** Columns left out, rows dropped, cells to fill: for the card. */
  readonly warnings: readonly string[];
}

/**
 * Decides columns, rows, labels and the split for `choices`; a DataError when they cannot make a
 * dataset. Rows are marked one byte each (unused, training, validation), and class indices are
 * looked up from the label when needed: no list of row numbers or classes outlives planning, so
 * a table of millions of short rows is not held again over while it is encoded.
 */
export function planTable(table: ParsedTable, choices: TableChoices): TablePlan {
  const label = findColumn(table, choices.label);
  const excluded = new Set(choices.exclude ?? []);
  for (const name of excluded) findColumn(table, name);
  const warnings: string[] = [];
  const features = table.columns.filter((c) => c !== label && !excluded.has(c.name) && keepFeature(c, table.rows, warnings));
  if (features.length === 0) {
    throw new DataError(table.source, `no column is left to learn ${quoted(label.name)} from${excluded.size ? ' (put back a column you left out)' : ''}`);
  }
  const used = keptRows(table, label, features, choices.missing, warnings);
  const { sides, count: items } = used;
  const width = features.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
  const checkSize = () => {
    if (width * items * 4 <= DATA_LIMITS.decodedBytes) return;
    const mib = Math.ceil((width * items * 4) / 2 ** 20);
    throw new DataError(table.source, `the features would take ${mib} MiB, over the limit of ${DATA_LIMITS.decodedBytes / 2 ** 20} MiB`);
  };
  const base = { label, features, items, warnings };
  // The split shuffles the used rows' numbers (each class's, for classification) and moves the first ones to validation.
  const toValid = (r: number) => (sides[r] = VALID);
  const split = (valid: number) => ({ train: { sides, side: TRAIN, count: items - valid }, valid: { sides, side: VALID, count: valid } });
  if (choices.task === 'classification') {
    const { classNames, classOf } = classify(table, label, sides);
    checkSize();
    const groups = groupByClass(classNames.length, (visit) => {
      for (let r = 0; r < sides.length; r++) if (sides[r] === TRAIN) visit(r, classOf(r));
    });
    const classCounts = classNames.map((_, k) => groups.starts[k + 1] - groups.starts[k]);
    // Class k's stream is keyed by k, as a split of the class indices is.
    const classes = classNames.map((_, k) => k);
    return { ...base, classNames, classCounts, ...split(markStratified(groups, classes, choices.validFraction, choices.seed, toValid)) };
  }
  const target = regressionTarget(table, label, used);
  checkSize();
  const rows = new Int32Array(items);
  for (let r = 0, k = 0; r < sides.length; r++) if (sides[r] === TRAIN) rows[k++] = r;
  return { ...base, target, ...split(markRandom(rows, choices.validFraction, choices.seed, toValid)) };
}

/** False (with a warning saying why) for a column that cannot be a feature. */
function keepFeature(column: TableColumn, rows: number, warnings: string[]): boolean {
  if (column.missing === rows) {
    warnings.push(`column ${quoted(column.name)} left out: it has no values`);
    return false;
  }
  if (isFreeText(column, rows)) {
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

/** Rows with a label and, for 'drop', no missing feature, marked TRAIN; warns about the rows dropped and the cells to fill. */
function keptRows(table: ParsedTable, label: TableColumn, features: readonly TableColumn[], missing: TableChoices['missing'], warnings: string[]): TableRows {
  const sides = new Uint8Array(table.rows).fill(TRAIN);
  let noLabel = 0;
  for (let r = 0; r < table.rows; r++) {
    if (isMissingAt(label, r)) {
      sides[r] = UNUSED;
      noLabel++;
    }
  }
  if (noLabel > 0) warnings.push(`${countOf(noLabel, 'row')} without a value in the label column ${quoted(label.name)} dropped`);
  const incomplete = features.filter((c) => c.missing > 0);
  if (missing === 'drop') {
    let dropped = 0;
    for (const column of incomplete) {
      for (let r = 0; r < table.rows; r++) {
        if (sides[r] === TRAIN && isMissingAt(column, r)) {
          sides[r] = UNUSED;
          dropped++;
        }
      }
    }
    if (dropped > 0) warnings.push(`${countOf(dropped, 'row')} with missing values dropped`);
  } else if (incomplete.length > 0) {
    let cells = 0;
    for (const column of incomplete) for (let r = 0; r < table.rows; r++) if (sides[r] === TRAIN && isMissingAt(column, r)) cells++;
    const names = incomplete.map((c) => `${quoted(c.name)}`).join(', ');
    if (cells > 0) warnings.push(`${countOf(cells, 'missing value')} filled (training mean, or most frequent category) in ${names}`);
  }
  let count = 0;
  for (let r = 0; r < table.rows; r++) if (sides[r] === TRAIN) count++;
  if (count === 0) throw new DataError(table.source, 'no rows are left once rows with missing values are dropped');
  return { sides, side: TRAIN, count };
}

/**
 * The classes of the used rows (the values present, sorted; numbers numerically), and the class
 * index of a used row, looked up from its label when asked rather than kept in an array.
 */
function classify(table: ParsedTable, label: TableColumn, sides: Uint8Array): { classNames: string[]; classOf: (row: number) => number } {
  let classNames: string[];
  let classOf: (row: number) => number;
  if (label.kind === 'categorical') {
    const { codes, categories } = label;
    const present = new Uint8Array(categories.length);
    for (let r = 0; r < sides.length; r++) if (sides[r] === TRAIN) present[codes[r]] = 1;
    const index = new Int32Array(categories.length).fill(-1);
    classNames = [];
    categories.forEach((name, code) => {
      if (present[code]) index[code] = classNames.push(name) - 1;
    });
    classOf = (r) => index[codes[r]];
  } else {
    const values = label.values;
    const present = new Set<number>();
    for (let r = 0; r < sides.length; r++) if (sides[r] === TRAIN) present.add(values[r]);
    const sorted = [...present].sort((a, b) => a - b);
    const index = new Map(sorted.map((v, i) => [v, i]));
    classNames = sorted.map(String);
    classOf = (r) => index.get(values[r])!;
  }
  if (classNames.length < 2) {
    throw new DataError(table.source, `the label column ${quoted(label.name)} has only one class (${quoted(classNames[0])}): there is nothing to tell apart`);
  }
  return { classNames, classOf };
}

/** The used rows' target range and mean; a text label cannot be a target. */
function regressionTarget(table: ParsedTable, label: TableColumn, used: TableRows): { min: number; max: number; mean: number } {
  if (label.kind === 'categorical') {
    // Used rows have a label: the first of them holds text.
    const first = used.sides.indexOf(TRAIN);
    const text = label.categories[label.codes[first]];
    throw new DataError(
      table.source,
      `the label column ${quoted(label.name)} holds text (${quoted(text)}), so it cannot be a regression target: choose classification`,
      rowWhere(table.lines.of(first)),
    );
  }
  // Only rows with a label are used: the stats exist.
  const { min, max, mean } = numericStats([label.values], used)[0]!;
  return { min, max, mean };
}
