import type * as tf from '@tensorflow/tfjs';
import type { DataLoader } from '../../data/dataloader';
import type { Split, StepOutput } from '../metric/base';
import type { OptimizerRecord } from '../optim/base';
import type { TensorRecord } from '../tensor-record';
import type { ConfusionMatrix } from '../metric/confusion-matrix';

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
 * runs every model on every backend; the compiled engine (`src/gpu`, steps recorded once and
 * submitted several at a time on WebGPU) runs the layers it supports with the data resident on
 * the GPU. `S` is what a step's statistics are until read: tensors for the tfjs engine, a step id
 * for the compiled one.
 */
export interface StepEngine<B, S = unknown> {
  /** 'tfjs' or 'compiled', for the experiment log. */
  readonly name: string;
  /**
   * Before each epoch of a split. True: the engine serves this epoch's batches itself from data
   * on the device, so the loop builds none and `train`/`valid` get null with the batch's index.
   */
  beginEpoch?(split: Split, loader: DataLoader<B>, epoch: number): Promise<boolean>;
  /**
   * Forward and backward pass on batch `index` of the epoch; gradients accumulate until `apply`
   * is given, then the optimizer takes one step with their mean (weighted by batch size) at
   * learning rate `apply.lr`.
   */
  train(batch: B | null, index: number, apply: { lr: number } | null): S;
  /** Forward pass only. */
  valid(batch: B | null, index: number): S;
  /** Makes the model's tfjs variables (and the optimizer's state) current. */
  sync(): Promise<void>;
  /**
   * The weights and optimizer state for a checkpoint, read straight from the engine (a compiled
   * engine's GPU buffers) as they are when this is called, whatever steps are queued after it;
   * absent: they are read from tfjs, and the learner waits for each epoch's end before the next.
   * `state` (the step's non-gradient variables) absent: read from tfjs, so make them current first.
   */
  checkpointState?(): Promise<{ model: TensorRecord[]; optim: OptimizerRecord; state?: TensorRecord[] }>;
  /**
   * The last validation epoch's confusion matrix (rows: the true class, columns: the predicted),
   * where the engine counts it as it validates, read as it is when this is called; null or absent:
   * the learner runs the step's forward pass over the split to count it.
   */
  validConfusion?(): Promise<ConfusionMatrix> | null;
  /** Frees what the engine allocated (accumulated gradients, buffers). */
  dispose(): void;
}
