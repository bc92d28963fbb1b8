import type { MetricEntry, Split } from '../metric/base';
import type { LearnerSummary } from '../learner/summary';

/** Where the loop stands (Burn's TrainingProgress). */
export interface TrainingProgress {
  readonly split: Split;
  readonly epoch: number;
  readonly epochTotal: number;
  /** First epoch of this fit call (after a resume it is checkpoint + 1). */
  readonly epochStart: number;
  readonly iteration: number;
  readonly iterationsTotal: number;
  readonly itemsProcessed: number;
  readonly itemsTotal: number;
  /** Milliseconds since this split's epoch began, by the loop's clock. */
  readonly elapsedMs: number;
}

/** A metric entry and whether it is numeric (plotted). */
export interface MetricState {
  readonly entry: MetricEntry;
  readonly numeric: boolean;
}

/**
 * What the learner does between steps, for a person to see: readying the step engine and its
 * first step (kernels compiled, data uploaded), or saving the checkpoint of an epoch.
 */
export type LearnerPhase =
  | { readonly name: 'compile' }
  | { readonly name: 'restore'; readonly epoch: number }
  | { readonly name: 'checkpoint'; readonly epoch: number; readonly epochs: number };

/** Shows training to a person (Burn's MetricsRenderer): the console in Node, the studio in the browser. */
export interface MetricsRenderer {
  /** One iteration's metric entries, in order, a few iterations after the step ran. */
  update(split: Split, progress: TrainingProgress, metrics: readonly MetricState[]): void;
  /** An epoch ended; `means` are its epoch means per split and metric name. */
  epochEnd(epoch: number, means: Record<Split, Record<string, number>>): void;
  /** The loop holds at a pause (true) or goes on (false). */
  paused?(paused: boolean): void;
  /** A checkpoint was saved or deleted. */
  checkpoint?(epoch: number, action: 'saved' | 'deleted'): void;
  /** The learner began a phase; training and validating are told by `update`. */
  phase?(phase: LearnerPhase): void;
  /** The step engine that trains ('compiled' or 'tfjs') and why it was chosen. */
  engine?(name: string, why: string): void;
  /** A warning the person should see besides the log (a loss that went NaN or infinite while training goes on). */
  warning?(message: string): void;
  /** A line of the experiment log. */
  log(line: string): void;
  /** Training ended (completed, stopped early, interrupted or failed). */
  end(summary: LearnerSummary | undefined, reason: string): void;
}
