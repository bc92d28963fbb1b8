import type { Metric, Split } from '../metric/base';
import type { TrainStep } from '../model/base';
import type { Optimizer } from '../optim/base';
import type { OptimizerConfig } from '../optim/config';
import type { StatsFn, StepEngine } from './base';
import type { StatsSource } from './stats';

/** What a step-engine factory builds from: the learner's step, optimizer and metrics, on the backend the fit got. */
export interface EngineContext<B> {
  readonly backend: string;
  readonly step: TrainStep<B>;
  readonly optimizer: Optimizer;
  /** The registered metrics of each split, in order (an engine that computes statistics itself maps them). */
  readonly metrics: Record<Split, readonly Metric[]>;
  /** How the processor turns a step's output into statistics, per split (for engines running tfjs forward passes). */
  readonly statsFn: Record<Split, StatsFn>;
  readonly batchSize: number;
  /** Rows of the batches each split's epochs have (the full batch, and a shorter last one): an engine may prepare for them up front. */
  readonly batches: Record<Split, readonly number[]>;
  readonly seed: number;
  /** Where an engine says that a wait is coming (the experiment log). */
  readonly note: (line: string) => void;
}

/** An engine a factory built, and why (for experiment.log: '' when there is nothing to say). */
export interface BuiltEngine<B> {
  readonly engine: StepEngine<B>;
  readonly why: string;
  /**
   * The engine's own statistics source and each registered metric's share of a step's values;
   * absent: the processor reads the tensors the step's `statsFn` made.
   */
  readonly stats?: { readonly source: StatsSource<unknown>; readonly sizes: Record<Split, number[]> };
  /** Milliseconds building the engine took, by part (for the time to the first step); absent: not broken down. */
  readonly timings?: Readonly<Record<string, number>>;
}

/** Why a factory did not build its engine; `warn`: worth a warning even when this engine was not asked for. */
export interface EngineRefusal {
  readonly reason: string;
  readonly warn?: boolean;
}

/** What a factory is asked before a run starts: would it build for this step, optimizer and backend? */
export interface EngineQuery {
  readonly backend: string;
  readonly step: TrainStep<unknown>;
  readonly optimizer: OptimizerConfig;
}

/**
 * Makes one kind of step engine for a fit, or says why it cannot. The learner library ships the
 * tfjs step (`tfjsStep`); hosts register others with `LearnerBuilder.engines`.
 */
export interface StepEngineFactory {
  /** The engine's name, as `LearnerBuilder.engine(choice)` and experiment.log call it ('tfjs', 'compiled'). */
  readonly name: string;
  create<B>(context: EngineContext<B>): Promise<BuiltEngine<B> | EngineRefusal>;
  /**
   * Why `create` would refuse a run like this one (null: it would build), decided without
   * building anything, so a host can say which engine will train before the run starts. Absent:
   * it builds for any run.
   */
  refusal?(query: EngineQuery): Promise<string | null>;
}
