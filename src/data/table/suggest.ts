import { DataError } from '../errors';
import type { ParsedTable, TableChoices, TableColumn } from './types';
import { quoted } from './errors';

// Column names that usually hold what a table is for, checked in this order (case and spaces ignored).
const LABEL_NAMES = ['label', 'class', 'target', 'species', 'y', 'outcome', 'variety', 'diagnosis'];

// A numeric label is a regression target when it has more distinct values than this many and this share of rows.
const REGRESSION_MIN_DISTINCT = 20;
const REGRESSION_MIN_SHARE = 0.05;

/** The column named `name`; a DataError naming the file when there is none. */
export function findColumn(table: ParsedTable, name: string): TableColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new DataError(table.source, `there is no column named ${quoted(name)}`);
  return column;
}

/** The column a user most likely wants to predict: one named label, class, target, species, y…, else the last. */
export function suggestLabel(table: ParsedTable): string {
  for (const wanted of LABEL_NAMES) {
    const column = table.columns.find((c) => c.name.trim().toLowerCase() === wanted);
    if (column) return column.name;
  }
  return table.columns[table.columns.length - 1].name;
}

/**
 * The task for a label column: regression for a number with many distinct values (a quantity),
 * classification otherwise (text, or a few numbers: codes of kinds). The studio's form and the
 * checks before Start read it from the card's column summary, the readers from the parsed column.
 */
export function taskForLabel(column: { readonly numeric: boolean; readonly distinct: number }, rows: number): TableChoices['task'] {
  const many = column.distinct > REGRESSION_MIN_DISTINCT && column.distinct > REGRESSION_MIN_SHARE * rows;
  return column.numeric && many ? 'regression' : 'classification';
}

/** Regression for a numeric label with many distinct values; classification otherwise (few numbers become classes). */
export function suggestTask(table: ParsedTable, label: string): TableChoices['task'] {
  const column = findColumn(table, label);
  return taskForLabel({ numeric: column.kind === 'numeric', distinct: column.distinct }, table.rows);
}

/** The choices the studio proposes for a table before the user has picked anything. */
export function suggestChoices(table: ParsedTable): TableChoices {
  const label = suggestLabel(table);
  return { label, task: suggestTask(table, label), missing: 'fill', validFraction: 0.2, seed: 0 };
}
