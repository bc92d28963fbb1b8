import type * as tf from '@tensorflow/tfjs';

/** Which loop an entry belongs to. */
export type Split = 'train' | 'valid';

/** What a step hands the metrics: device tensors, disposed by the learner after the metrics read them. */
export interface StepOutput {
  /** The mean loss of the batch. */
  readonly loss: tf.Scalar;
  /** Model output, [batch, ...] (logits or probabilities for classification). */
  readonly output: tf.Tensor;
  /** Class indices [batch] (int32) for classification, targets [batch, ...] for regression. */
  readonly targets: tf.Tensor;
  readonly batchSize: number;
}

/** Host-side facts about the iteration an entry belongs to. */
export interface MetricMetadata {
  readonly epoch: number;
  readonly epochTotal: number;
  readonly iteration: number;
  readonly itemsProcessed: number;
  readonly itemsTotal: number;
  /** Learning rate of the optimizer step this iteration belonged to (train only). */
  readonly lr: number | undefined;
  /** Milliseconds (performance.now) when the step was dispatched, and when the epoch started. */
  readonly time: number;
  readonly epochStart: number;
}

/** One logged value (Burn's MetricEntry with a NumericEntry): the batch value and its weight. */
export interface MetricEntry {
  readonly name: string;
  /** For people: "epoch 0.412 - batch 0.398". */
  readonly formatted: string;
  /** The batch value. */
  readonly value: number;
  /** The number of items it stands for (the weight of the epoch mean). */
  readonly count: number;
  /** The epoch's running mean after this entry. */
  readonly running: number;
}

/**
 * A metric (Burn's Metric + Numeric). `stats` runs on the device inside the step's tidy and
 * returns a small 1-D tensor; its values come back asynchronously, a few iterations later, to
 * `update`, which folds them into the epoch state on the host. No blocking read-back per step.
 */
export interface Metric {
  readonly name: string;
  /** Whether a larger value is better (accuracy) or worse (loss); picks early-stopping defaults. */
  readonly higherIsBetter: boolean;
  /** Device-side statistics of the batch, or null when the metric needs only metadata. */
  stats(out: StepOutput): tf.Tensor | null;
  /** Folds the batch's statistics into the epoch state and returns the entry to log. */
  update(stats: Float32Array | null, batchSize: number, meta: MetricMetadata): MetricEntry;
  /** Resets the epoch state (called at every epoch end). */
  clear(): void;
}

/** Log file name for a metric: spaces become "_" as in Burn. */
export function metricFileName(name: string): string {
  return `${name.replace(/ /g, '_')}.log`;
}
