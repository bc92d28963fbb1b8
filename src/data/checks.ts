import type { DatasetCard } from './card';
import { validCount } from './split';
import { quoted } from './table/errors';
import { taskForLabel } from './table/suggest';

/**
 * The checks before training: what the studio's form shows next to Start (errors keep it disabled),
 * what the worker refuses a run for, and what the CLI refuses or warns about. Pure functions of
 * the dataset's card and the run's settings, so all three say the same thing.
 */

/** Optimizer steps per epoch below which a model barely moves from where it started. */
export const MIN_STEPS_PER_EPOCH = 10;

/** A fix the studio applies in one click (the CLI names the flag instead). */
export type CheckFix =
  | { readonly kind: 'task'; readonly task: 'regression' }
  | { readonly kind: 'batch-size'; readonly batchSize: number }
  | { readonly kind: 'exclude'; readonly column: string };

/** What stands in the way of training (`error`: nothing meaningful can train) or is worth knowing first (`warning`). */
export interface DataCheck {
  readonly level: 'error' | 'warning';
  readonly message: string;
  readonly fix?: CheckFix;
}

/** What the checks read of a card: a full card has it all; the CLI makes one for MNIST from its split. */
export type CheckedData = Pick<DatasetCard, 'kind' | 'task' | 'items' | 'classes' | 'givenSplit' | 'columns' | 'error'>;

/** The run settings the checks read (a RunConfig has them; `label` and `exclude` only for tables). */
export interface CheckSettings {
  readonly validFraction: number;
  readonly batchSize: number;
  readonly gradAccumulation: number;
  readonly label?: string;
  readonly exclude?: readonly string[];
}

/**
 * Items on each side of the split the run makes: the folders' own split, or the studio's seeded
 * split, whose size per class is known without drawing it (round(fraction × count), at least one
 * of two or more, never the last one).
 */
export function splitSizes(data: CheckedData, validFraction: number): { train: number; valid: number } {
  if (data.givenSplit) return data.givenSplit;
  const valid = data.classes ? data.classes.reduce((n, c) => n + validCount(c.count, validFraction), 0) : validCount(data.items, validFraction);
  return { train: data.items - valid, valid };
}

const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** Every check of training on `data` with `settings`: errors first, then warnings. */
export function startChecks(data: CheckedData, settings: CheckSettings): DataCheck[] {
  if (data.error) return [{ level: 'error', message: data.error }];
  const checks: DataCheck[] = [];
  const noun = data.kind === 'images' ? 'image' : 'row';
  const classes = data.classes ?? [];
  if (data.task === 'classification' && classes.length < 2) {
    const only = classes[0] ? ` (${quoted(classes[0].name)})` : '';
    checks.push({ level: 'error', message: `there is only one class${only}: there is nothing to tell apart` });
  }
  const numericLabel = numericLabelCheck(data, settings);
  const validFraction = settings.validFraction;
  if (validFraction > 0 && validFraction < 1 && checks.length === 0) {
    const { train, valid } = splitSizes(data, validFraction);
    if (valid === 0) {
      const why =
        classes.length > 1 && classes.every((c) => c.count < 2)
          ? `each of the ${classes.length.toLocaleString('en-US')} classes has a single ${noun}, and a class's only ${noun} stays in training`
          : `${plural(data.items, noun)} ${data.items === 1 ? 'is' : 'are'} too few to hold any out`;
      checks.push({ level: 'error', message: `the validation split is empty: ${why}`, ...(numericLabel?.fix ? { fix: numericLabel.fix } : {}) });
    } else if (train === 0) {
      checks.push({ level: 'error', message: 'the training split is empty: add data' });
    } else {
      const steps = stepsCheck(train, noun, settings);
      if (steps) checks.push(steps);
    }
  }
  if (numericLabel) checks.push(numericLabel);
  return [...checks.filter((c) => c.level === 'error'), ...checks.filter((c) => c.level === 'warning'), ...identifierChecks(data, settings)];
}

/** The first error of the checks, which keeps a run from starting; null when there is none. */
export function blockingCheck(checks: readonly DataCheck[]): DataCheck | null {
  return checks.find((c) => c.level === 'error') ?? null;
}

/** A numeric label with many distinct values taken as classes: almost one class per value. */
function numericLabelCheck(data: CheckedData, { label }: CheckSettings): DataCheck | null {
  const column = data.columns?.find((c) => c.name === label);
  if (data.task !== 'classification' || column?.type !== 'numeric') return null;
  if (taskForLabel({ numeric: true, distinct: column.distinct }, data.items) !== 'regression') return null;
  return {
    level: 'warning',
    message: `the label ${quoted(column.name)} is a number with ${plural(column.distinct, 'different value')}: as classification each value is a class of its own; regression predicts the number`,
    fix: { kind: 'task', task: 'regression' },
  };
}

/** Too few optimizer steps per epoch (a batch as large as the data, say), with the batch size that gives enough. */
function stepsCheck(train: number, noun: string, { batchSize, gradAccumulation }: CheckSettings): DataCheck | null {
  if (!(batchSize >= 1) || !(gradAccumulation >= 1)) return null;
  const steps = Math.ceil(Math.ceil(train / batchSize) / gradAccumulation);
  if (steps >= MIN_STEPS_PER_EPOCH) return null;
  const better = Math.max(1, Math.floor(train / (MIN_STEPS_PER_EPOCH * gradAccumulation)));
  const what =
    batchSize >= train
      ? `the batch size (${batchSize}) is as large as the training split (${plural(train, noun)}): every epoch is a single step`
      : `only ${plural(steps, 'step')} an epoch (${plural(train, `training ${noun}`)} in batches of ${batchSize}${gradAccumulation > 1 ? `, ${gradAccumulation} batches a step` : ''}): the model will barely move from where it starts`;
  if (better >= batchSize) return { level: 'warning', message: `${what}; more data would help` };
  const gives = Math.ceil(Math.ceil(train / better) / gradAccumulation);
  return {
    level: 'warning',
    message: `${what}; lower the batch size to ${better} (${plural(gives, 'step')} an epoch)`,
    fix: { kind: 'batch-size', batchSize: better },
  };
}

/** Columns that look like identifiers and are still features: each offered for leaving out. */
function identifierChecks(data: CheckedData, { label, exclude = [] }: CheckSettings): DataCheck[] {
  return (data.columns ?? [])
    .filter((c) => c.identifier && c.name !== label && !exclude.includes(c.name))
    .map((c) => ({
      level: 'warning' as const,
      message: `column ${quoted(c.name)} looks like an identifier (${c.identifier}): it tells the model which row it is, which does not carry over to new data`,
      fix: { kind: 'exclude' as const, column: c.name },
    }));
}
