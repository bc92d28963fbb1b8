import type * as tf from '@tensorflow/tfjs';
import type { TensorRecord } from '../tensor-record';
import type { OptimizerConfig } from './config';

/** A trainable variable with a stable name. */
export interface Param {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** An optimizer's state as plain data (goes into checkpoint/optim-N.mpk.gz). */
export interface OptimizerRecord {
  type: string;
  config: OptimizerConfig;
  step: number;
  /** Keyed by slot name ('m', 'v', 'momentum', 'ms', ...); array index = param index, record name = param name. */
  slots: Record<string, TensorRecord[]>;
}

/** Updates parameters from gradients and keeps whatever per-parameter state that needs. */
export interface Optimizer {
  /** The validated configuration, defaults filled in. */
  readonly config: OptimizerConfig;
  /** Number of updates applied so far. */
  readonly step: number;
  /**
   * Applies one update to every param at learning rate lr; grads[i] belongs to params[i]; does not
   * dispose grads. All temporaries are disposed; slot variables are created lazily on the first step.
   */
  apply(params: readonly Param[], grads: readonly tf.Tensor[], lr: number): void;
  /** Snapshot of the state (async read-back). */
  save(): Promise<OptimizerRecord>;
  /**
   * Restores a snapshot. Throws an Error naming the first param whose name, position or shape does
   * not match, or when the record is for another optimizer type.
   */
  load(record: OptimizerRecord, params: readonly Param[]): void;
  /** Frees slot variables. */
  dispose(): void;
}
