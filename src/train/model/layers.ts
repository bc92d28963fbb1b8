import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/batcher';
import type { StepOutput } from '../metric/base';
import type { Param } from '../optim/base';
import type { BurnLayout } from '../checkpoint/burn/layout';
import type { TrainStep } from './base';
import { burnLayoutOf } from './burn-layout';

type Weight = tf.LayersModel['weights'][number];
const asParam = (w: Weight): Param => ({ name: w.originalName, variable: (w as unknown as { val: tf.Variable }).val });

/** The model's trainable weights as params, named by their tfjs names. */
export function layersParams(model: tf.LayersModel): Param[] {
  return model.trainableWeights.map(asParam);
}

/** The model's weights that training changes without gradients (BatchNormalization's moving statistics), named by their tfjs names. */
export function layersState(model: tf.LayersModel): Param[] {
  return model.nonTrainableWeights.map(asParam);
}

/** The activation class of the model's last layer ('softmax', 'sigmoid', 'linear'...), if it has one. */
export function lastActivation(model: tf.LayersModel): string | undefined {
  const last = model.layers[model.layers.length - 1] as unknown as { activation?: { getClassName(): string } };
  return last.activation?.getClassName();
}

/** Whether the model's outputs are probabilities already (its last layer applies a softmax or a sigmoid), not logits. */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  return ['softmax', 'sigmoid'].includes(lastActivation(model)?.toLowerCase() ?? '');
}

/** One line per layer with output shape and parameter count, then the total. */
function describeModel(model: tf.LayersModel): string {
  const lines = model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => `${l.name} (${l.getClassName()}) ${JSON.stringify(l.outputShape)} ${l.countParams()} params`);
  return `${lines.join('; ')}; total ${model.countParams()} params`;
}

/** Seeds every Dropout layer from one per-step seed, so masks differ per step yet reproduce. */
function reseedDropout(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((l, i) => {
    if (l.getClassName() === 'Dropout') (l as unknown as { seed: number }).seed = (seed + i * 7919) >>> 0 || 1; // 0 would mean unseeded
  });
}

abstract class LayersStep implements TrainStep<Batch, tf.LayersModel> {
  readonly params: readonly Param[];
  readonly burnLayout: BurnLayout;
  readonly state: readonly Param[];

  constructor(readonly model: tf.LayersModel) {
    this.params = layersParams(model);
    this.state = layersState(model);
    this.burnLayout = burnLayoutOf(model);
  }

  abstract forward(batch: Batch, training: boolean): StepOutput;

  reseed(seed: number): void {
    reseedDropout(this.model, seed);
  }

  describe(): string {
    return describeModel(this.model);
  }

  protected apply(batch: Batch, training: boolean): tf.Tensor {
    return this.model.apply(batch.x, { training }) as tf.Tensor;
  }
}

/**
 * Classification: softmax cross-entropy against class indices (logits or a softmax output). A
 * single-unit model is a binary classifier: sigmoid cross-entropy, and the metrics see two
 * columns [1-p, p] (or [-z, z] for a logit), so arg-max thresholds at 0.5.
 */
class ClassificationStep extends LayersStep {
  readonly task = 'classification';
  private readonly probabilities: boolean;

  constructor(model: tf.LayersModel) {
    super(model);
    this.probabilities = outputsProbabilities(model);
  }

  forward(batch: Batch, training: boolean): StepOutput {
    const output = this.apply(batch, training);
    const classes = output.shape[output.rank - 1]!;
    const indices = batch.y.rank > 1 ? tf.argMax(batch.y, -1) : batch.y;
    const targets = indices.dtype === 'int32' ? indices : indices.toInt(); // a same-dtype cast would still copy
    if (classes === 1) {
      const labels = targets.reshape(output.shape).toFloat();
      const loss = this.probabilities
        ? tf.neg(
            tf.mean(
              tf.add(tf.mul(labels, tf.log(tf.clipByValue(output, 1e-7, 1))), tf.mul(tf.sub(1, labels), tf.log(tf.clipByValue(tf.sub(1, output), 1e-7, 1)))),
            ),
          )
        : tf.losses.sigmoidCrossEntropy(labels, output);
      const columns = this.probabilities ? tf.concat([tf.sub(1, output), output], -1) : tf.concat([tf.neg(output), output], -1);
      return { loss: loss as tf.Scalar, output: columns, targets, batchSize: batch.size };
    }
    const labels = tf.oneHot(targets, classes);
    const loss = this.probabilities
      ? tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(output, 1e-7, 1))), -1)))
      : tf.losses.softmaxCrossEntropy(labels, output);
    return { loss: loss as tf.Scalar, output, targets, batchSize: batch.size };
  }
}

/** Regression: mean squared error over every output. */
class RegressionStep extends LayersStep {
  readonly task = 'regression';
  forward(batch: Batch, training: boolean): StepOutput {
    const output = this.apply(batch, training);
    const targets = batch.y.reshape(output.shape);
    const loss = tf.losses.meanSquaredError(targets, output) as tf.Scalar;
    return { loss, output, targets, batchSize: batch.size };
  }
}

/** Trains a LayersModel as a classifier over class-index (or one-hot) labels. */
export function classification(model: tf.LayersModel): TrainStep<Batch, tf.LayersModel> {
  return new ClassificationStep(model);
}

/** Trains a LayersModel as a regressor with mean squared error. */
export function regression(model: tf.LayersModel): TrainStep<Batch, tf.LayersModel> {
  return new RegressionStep(model);
}
