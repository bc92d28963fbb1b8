import type * as tf from '@tensorflow/tfjs';
import type { StepOutput } from '../metric/base';

/**
 * A step's metric statistics, still on the device: small 1-D float32 tensors, one per metric that
 * has any (none when no metric needs any). The processor takes ownership: it reads several steps'
 * statistics back with one concat and one asynchronous read and frees them, so the loop never
 * waits on the device.
 */
export type StepStats = tf.Tensor[];

/** Turns a step's output into its statistics (built by the processor). */
export type StatsFn = (out: StepOutput) => StepStats;

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
  train(batch: B, apply: { lr: number } | null): StepStats;
  /** Forward pass only. */
  valid(batch: B): StepStats;
  /** Makes the model's tfjs variables current (a compiled engine copies its weights back). */
  sync(): Promise<void>;
  /** Frees what the engine allocated (accumulated gradients, buffers). */
  dispose(): void;
}
