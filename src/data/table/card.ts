import type { ColumnSummary, DatasetCard } from '../card';
import { countOf, quoted } from './errors';
import { identifierReason } from './identifier';
import { isFreeText, type TablePlan } from './plan';
import type { ParsedTable, TableChoices, TableColumn } from './types';

/** Categories a column summary lists; `distinct` still counts them all. */
const SHOWN_CATEGORIES = 20;
/** A largest class this many times the smallest is worth a warning. */
const IMBALANCE_RATIO = 5;

/** What the card says about one column of the file (a column left out as free text is not flagged as an identifier again). */
function columnSummary(column: TableColumn, rows: number): ColumnSummary {
  const { name, missing, distinct } = column;
  const why = isFreeText(column, rows) ? undefined : identifierReason(column, rows);
  const identifier = why ? { identifier: why } : {};
  if (column.kind === 'categorical') {
    return { name, type: 'categorical', missing, distinct, categories: column.categories.slice(0, SHOWN_CATEGORIES), ...identifier };
  }
  const { min, max, mean } = column;
  const range = min === undefined ? {} : { min, max, mean };
  return { name, type: 'numeric', missing, distinct, ...range, ...identifier };
}

/** The parts of a card every table has: its columns, preview, and duplicate rows. */
function baseCard(table: ParsedTable, task: TableChoices['task']): DatasetCard {
  return {
    source: table.source,
    kind: 'table',
    task,
    items: table.rows,
    inputShape: [],
    columns: table.columns.map((c) => columnSummary(c, table.rows)),
    preview: table.preview,
    warnings:
      table.duplicateRows > 0 ? [`${countOf(table.duplicateRows, 'row')} ${table.duplicateRows === 1 ? 'repeats' : 'repeat'} an earlier row exactly`] : [],
    skipped: [],
  };
}

/** The card of a table before a dataset can be made of it: columns and preview, and what stands in the way. */
export function unplannedCard(table: ParsedTable, task: TableChoices['task'], error: string): DatasetCard {
  return { ...baseCard(table, task), error };
}

/** The card of the dataset `plan` makes: rows kept, classes or target range, and every warning. */
export function plannedCard(table: ParsedTable, plan: TablePlan, numFeatures: number, warnings: readonly string[]): DatasetCard {
  const base = baseCard(table, plan.classNames ? 'classification' : 'regression');
  const card = { ...base, items: plan.items, inputShape: [numFeatures] };
  if (plan.classNames && plan.classCounts) {
    const counts = plan.classCounts;
    const classes = plan.classNames.map((name, k) => ({ name, count: counts[k] }));
    return { ...card, classes, warnings: [...warnings, ...base.warnings, ...imbalance(classes)] };
  }
  const target = { name: plan.label.name, ...plan.target! };
  return { ...card, target, warnings: [...warnings, ...base.warnings] };
}

function imbalance(classes: readonly { name: string; count: number }[]): string[] {
  const largest = classes.reduce((a, b) => (b.count > a.count ? b : a));
  const smallest = classes.reduce((a, b) => (b.count < a.count ? b : a));
  if (largest.count < IMBALANCE_RATIO * smallest.count) return [];
  const ratio = Math.round(largest.count / smallest.count);
  return [`class imbalance: ${quoted(largest.name)} has ${countOf(largest.count, 'row')}, ${quoted(smallest.name)} only ${smallest.count} (${ratio}×)`];
}
