import type * as tf from '@tensorflow/tfjs';
import type { StepOutput } from '../metric/base';

/** Turns a step's output into one small tensor of metric statistics (built by the processor). */
export type StatsFn = (out: StepOutput) => tf.Tensor | null;

/** Per-batch statistics on their way back from the device, or null when no metric needs any. */
export type PendingStats = Promise<Float32Array> | null;

/**
 * Runs training and validation steps. The learner's loop is engine-agnostic: the tfjs engine
 * runs every model on every backend; a compiled engine (one submit per step on WebGPU) slots in
 * beside it behind this interface.
 */
export interface StepEngine<B> {
  /** 'tfjs' or the name of a compiled engine, for the experiment log. */
  readonly name: string;
  /**
   * Forward and backward pass on a batch; gradients accumulate until `apply` is given, then the
   * optimizer takes one step with their mean (weighted by batch size) at learning rate `apply.lr`.
   */
  train(batch: B, apply: { lr: number } | null): PendingStats;
  /** Forward pass only. */
  valid(batch: B): PendingStats;
  /** Makes the model's tfjs variables current (a compiled engine copies its weights back). */
  sync(): Promise<void>;
  /** Frees what the engine allocated (accumulated gradients, buffers). */
  dispose(): void;
}
