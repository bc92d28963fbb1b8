import type { BurnLayout } from '../checkpoint/burn/layout';
import type { StepOutput } from '../metric/base';
import type { Param } from '../optim/base';

/**
 * What the learner trains (Burn's TrainStep + ValidStep): named variables and a forward pass
 * that returns the loss and what the metrics read. Wrap a tf.LayersModel with `classification`
 * or `regression`, or implement it for a custom model.
 */
export interface TrainStep<B, M = unknown> {
  /** Trainable variables in a stable order; names identify them in checkpoints and errors. */
  readonly params: readonly Param[];
  /**
   * Variables training changes without gradients (BatchNormalization's moving mean and
   * variance), in a stable order; checkpoints keep them beside the weights. Absent: none.
   */
  readonly state?: readonly Param[];
  /** Forward pass on a batch. Called inside tf.tidy (and a gradient tape when training). */
  forward(batch: B, training: boolean): StepOutput;
  /** Dropout layers and the like draw from this seed per step, for reproducible runs. */
  reseed?(seed: number): void;
  /** What `fit` returns. */
  readonly model: M;
  /** What a layers model is trained for; a compiled engine needs to know it (custom steps leave it out). */
  readonly task?: 'classification' | 'regression';
  /** A description for the experiment log (layers, parameter count). */
  describe(): string;
  /** Where the weights go in Burn's module tree, for checkpoints (custom steps leave it out: a module per weight-name prefix). */
  readonly burnLayout?: BurnLayout;
}
