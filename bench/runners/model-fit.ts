import * as tf from '@tensorflow/tfjs';
import { numItems } from '../../src/data/dataset';
import { buildModel, LR, maxGrowth, now, type RunnerInput, type RunnerResult } from './base';

/**
 * (c) tfjs's own `model.fit` with the same loss (softmax cross-entropy on logits), an accuracy
 * metric, tf.train.adam, the data as device tensors and fit's own per-epoch shuffle.
 */
export async function runModelFit(input: RunnerInput): Promise<RunnerResult> {
  const { data, epochs, benchCase } = input;
  const { batch } = benchCase;
  const n = numItems(data);
  const model = buildModel(input);
  const optimizer = tf.train.adam(LR);
  model.compile({ optimizer, loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred), metrics: ['accuracy'] });
  const x = tf.tensor(data.x, [n, ...data.itemShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.y as Int32Array, 'int32'), data.numClasses ?? 10));
  const [xFirst, yFirst] = [x.slice(0, batch), y.slice(0, batch)];
  try {
    let start = now();
    await model.fit(xFirst, yFirst, { batchSize: batch, epochs: 1, verbose: 0, shuffle: false });
    const firstStepMs = now() - start;
    const counts: number[] = [];
    start = now();
    const history = await model.fit(x, y, {
      batchSize: batch,
      epochs,
      verbose: 0,
      shuffle: true,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    const ms = now() - start;
    const losses = history.history.loss as number[];
    return { samplesPerSec: (epochs * n * 1000) / ms, firstStepMs, tensorGrowthPerEpoch: maxGrowth(counts), finalLoss: losses[losses.length - 1] };
  } finally {
    tf.dispose([x, y, xFirst, yFirst]);
    optimizer.dispose();
    model.dispose();
  }
}
