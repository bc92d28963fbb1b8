import { blockingCheck, startChecks, type CheckFix, type DataCheck } from '../../data/checks';
import { checkSettings } from '../../protocol/run-config';
import { datasetFromForm, excludeColumn, type FormValues } from '../config/form';
import type { DatasetView } from './use-dataset';

/** Whether Start may be pressed, why not, and the checks to show beside it and on the dataset card. */
export interface Readiness {
  /** Why Start is disabled; null when a run can start. */
  readonly reason: string | null;
  /** Checks about the split and the batches, shown beside Start (an error is also the reason). */
  readonly checks: readonly DataCheck[];
  /** Checks about the table's columns (identifiers to leave out), shown on the dataset card. */
  readonly columnChecks: readonly DataCheck[];
}

/** What readiness reads: the worker, the form, and the dataset section. */
export interface ReadinessInput {
  /** The worker answered and probed its backends. */
  readonly workerReady: boolean;
  /** The form parses into a run config. */
  readonly formValid: boolean;
  readonly values: FormValues;
  readonly data: Pick<DatasetView, 'card' | 'fresh' | 'progress' | 'problem'>;
}

const NONE: readonly DataCheck[] = [];

/**
 * Start is enabled only for a dataset that is loaded, current and valid for the chosen task: the
 * reason otherwise is the first of a dataset still reading, a dataset problem, the worker not yet
 * up, no card (or one of earlier choices), a check that fails, or a form field to fix.
 */
export function readiness({ workerReady, formValid, values, data }: ReadinessInput): Readiness {
  const dataset = datasetFromForm(values);
  const checks =
    data.card && data.fresh && dataset
      ? startChecks(
          data.card,
          checkSettings({
            dataset,
            validFraction: Number(values.validFraction),
            batchSize: Number(values.batchSize),
            gradAccumulation: Number(values.gradAccumulation),
          }),
        )
      : NONE;
  const columnChecks = checks.filter((c) => c.fix?.kind === 'exclude');
  const reason = (() => {
    if (data.progress) return `${data.progress.phase}…`;
    if (data.problem) return data.problem.message;
    if (!workerReady) return 'Starting the training worker…';
    if (!dataset) return 'Fix the marked fields to start.';
    if (!data.card) return 'Waiting for the dataset card…';
    if (!data.fresh) return 'Updating the dataset card…';
    const blocking = blockingCheck(checks);
    if (blocking) return blocking.message;
    return formValid ? null : 'Fix the marked fields to start.';
  })();
  return { reason, checks: checks.filter((c) => !columnChecks.includes(c)), columnChecks };
}

/** A fix as the form applies it. */
export function applyFix(fix: CheckFix, values: FormValues): Partial<FormValues> {
  if (fix.kind === 'task') return { task: fix.task };
  if (fix.kind === 'batch-size') return { batchSize: String(fix.batchSize) };
  return excludeColumn(values, fix.column, true);
}

/** A fix's button label. */
export function fixLabel(fix: CheckFix): string {
  if (fix.kind === 'task') return 'Switch to regression';
  if (fix.kind === 'batch-size') return `Use batch size ${fix.batchSize}`;
  return `Leave out ${fix.column}`;
}
