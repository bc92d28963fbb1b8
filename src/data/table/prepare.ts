import type { DatasetCard } from '../card';
import type { TensorData } from '../dataset';
import { DataError } from '../errors';
import { plannedCard, unplannedCard } from './card';
import { encodeFeatures, encodeLabels } from './encode';
import { fitPreprocessing } from './fit';
import { planTable } from './plan';
import type { TableRows } from './rows';
import { suggestChoices } from './suggest';
import type { ParsedTable, PreparedTable, TableChoices, TablePreprocessing } from './types';

/**
 * Turns a parsed table into training and validation data for the user's choices: a seeded split
 * (stratified for classification), preprocessing fitted on the training rows, and the card.
 */
export function prepareTable(table: ParsedTable, choices: TableChoices): PreparedTable {
  const plan = planTable(table, choices);
  const { preprocessing, warnings } = fitPreprocessing(plan, choices);
  return {
    train: tensorData(preprocessing, table, plan.train),
    valid: tensorData(preprocessing, table, plan.valid),
    card: plannedCard(table, plan, preprocessing.numFeatures, [...plan.warnings, ...warnings]),
    preprocessing,
  };
}

/**
 * The card for `choices` (the suggested ones when none are given) without building the data. When
 * they cannot make a dataset (one class, a text label for regression), the card carries the problem
 * as its `error`, so the user still sees the table's columns and can pick another label.
 */
export function describeTable(table: ParsedTable, choices?: TableChoices): DatasetCard {
  const chosen = choices ?? suggestChoices(table);
  try {
    const plan = planTable(table, chosen);
    const { preprocessing, warnings } = fitPreprocessing(plan, chosen);
    return plannedCard(table, plan, preprocessing.numFeatures, [...plan.warnings, ...warnings]);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return unplannedCard(table, chosen.task, e.message);
  }
}

/** `rows` of `table` as TensorData: features, then class indices (with names) or raw targets. */
function tensorData(pre: TablePreprocessing, table: ParsedTable, rows: TableRows): TensorData {
  const x = encodeFeatures(pre.features, pre.numFeatures, table, rows);
  const y = encodeLabels(pre.label, table, rows);
  const itemShape = [pre.numFeatures];
  if (pre.label.task === 'regression') return { x, itemShape, y };
  return { x, itemShape, y, numClasses: pre.label.classNames.length, classNames: pre.label.classNames };
}
