import type { TablePlan } from './plan';
import { BLOCK, gather, type TableRows } from './rows';
import { numericStats } from './stats';
import type { CategoricalColumn, FeaturePreprocessing, LabelPreprocessing, NumericColumn, TableChoices, TablePreprocessing } from './types';
import { quoted } from './errors';

/**
 * Fits the preprocessing on the plan's TRAINING rows only (means, standard deviations, fill values,
 * target statistics), so nothing of the validation rows leaks into the inputs. Warns about constant columns.
 */
export function fitPreprocessing(plan: TablePlan, choices: TableChoices): { preprocessing: TablePreprocessing; warnings: string[] } {
  const warnings: string[] = [];
  const numeric = plan.features.filter((c) => c.kind === 'numeric');
  const stats = numericStats(
    numeric.map((c) => c.values),
    plan.train,
  );
  const features = plan.features.map((column): FeaturePreprocessing => {
    if (column.kind === 'categorical') {
      const { fill, present } = mostFrequent(column, plan.train);
      if (present < 2) warnings.push(`constant column ${quoted(column.name)}: one value in every training row`);
      return { name: column.name, kind: 'categorical', categories: column.categories, fill };
    }
    const fitted = stats[numeric.indexOf(column)];
    const mean = fitted?.mean ?? 0;
    const std = fitted?.std ?? 0;
    if (std === 0) warnings.push(`constant column ${quoted(column.name)}: one value in every training row (left centred at 0)`);
    return { name: column.name, kind: 'numeric', mean, std, fill: mean };
  });
  const numFeatures = features.reduce((n, f) => n + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
  return { preprocessing: { version: 1, features, numFeatures, label: fitLabel(plan), missing: choices.missing }, warnings };
}

/** The training rows' most frequent category (the first in sorted order on a tie), and how many categories occur. */
function mostFrequent(column: CategoricalColumn, rows: TableRows): { fill: string; present: number } {
  const counts = new Int32Array(column.categories.length);
  const block = new Int32Array(BLOCK);
  for (let start = 0; start < rows.sides.length; start += BLOCK) {
    const count = gather(rows, start, block);
    for (let k = 0; k < count; k++) if (column.codes[block[k]] >= 0) counts[column.codes[block[k]]]++;
  }
  let best = 0;
  let present = 0;
  counts.forEach((n, code) => {
    if (n > 0) present++;
    if (n > counts[best]) best = code;
  });
  return { fill: column.categories[best], present };
}

function fitLabel(plan: TablePlan): LabelPreprocessing {
  const name = plan.label.name;
  if (plan.classNames) return { name, task: 'classification', classNames: plan.classNames };
  // planTable refuses a text label for regression and keeps only rows with a label: stats exist.
  const stats = numericStats([(plan.label as NumericColumn).values], plan.train)[0]!;
  return { name, task: 'regression', min: stats.min, max: stats.max, mean: stats.mean, std: stats.std };
}
