import * as tf from '@tensorflow/tfjs';
import { numItems } from '../../src/data/dataset';
import { buildModel, epochOrder, LR, maxGrowth, now, type RunnerInput, type RunnerResult } from './base';

/**
 * (b) The loop a careful user writes by hand: data uploaded once, each batch gathered on the
 * device in the learner's order, `optimizer.minimize`, the loss read (asynchronously) every ten
 * steps and after the last.
 */
export async function runHandLoop(input: RunnerInput): Promise<RunnerResult> {
  const { data, epochs, seed, benchCase } = input;
  const { batch } = benchCase;
  const n = numItems(data);
  const classes = data.numClasses ?? 10;
  const model = buildModel(input);
  const optimizer = tf.train.adam(LR);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor(data.x, [n, ...data.itemShape]);
  const y = tf.tensor1d(data.y as Int32Array, 'int32');
  const step = (indices: Int32Array): tf.Scalar =>
    tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      const xb = tf.gather(x, idx);
      const yb = tf.oneHot(tf.gather(y, idx), classes);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
    });
  try {
    let start = now();
    const first = step(Int32Array.from({ length: batch }, (_, i) => i));
    let loss = (await first.data())[0];
    first.dispose();
    const firstStepMs = now() - start;
    const counts: number[] = [];
    const steps = n / batch;
    let s = 0;
    start = now();
    for (let e = 1; e <= epochs; e++) {
      const order = epochOrder(seed, e, n);
      for (let b = 0; b < steps; b++) {
        const cost = step(order.subarray(b * batch, (b + 1) * batch));
        s++;
        if (s % 10 === 0 || (e === epochs && b === steps - 1)) loss = (await cost.data())[0];
        cost.dispose();
      }
      counts.push(tf.memory().numTensors);
    }
    const ms = now() - start;
    return { samplesPerSec: (epochs * n * 1000) / ms, firstStepMs, tensorGrowthPerEpoch: maxGrowth(counts), finalLoss: loss };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
