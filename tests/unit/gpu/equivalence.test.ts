import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel, readModelWeights, type Task } from '../../../src/gpu/plan';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import type { Batch } from '../../../src/data/batcher';
import { classification, createModel, regression } from '../../../src/train/model';
import { createOptimizer, parseOptimizerConfig, type OptimizerConfigInput } from '../../../src/train/optim';
import { useExactAvgPoolGradient } from '../../../src/train/step/pool-grad';
import { TfjsStepEngine } from '../../../src/train/step/tfjs';
import { gpuOrSkip } from './device';
import { randoms, relError } from './reference';

const ctx = await gpuOrSkip();
/** Items are 3 × 4 (the presets flatten them; tfjs's Flatten needs a rank of 2 or more per item). */
const ITEM_SHAPE = [3, 4];
const ITEMS = 45; // with batches of 8: five full batches and a last one of 5
const BATCH = 8;
const STEPS = 20;

/** A seeded permutation of 0..n-1 (Fisher–Yates over `randoms`). */
function permutation(n: number, seed: number): Int32Array {
  const r = randoms(n, seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(((r[i] + 1) / 2) * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

interface Case {
  readonly name: string;
  readonly model: () => tf.LayersModel;
  readonly task: Task;
  readonly optimizer: OptimizerConfigInput;
  readonly lr: number;
  /** Batches per optimizer step. */
  readonly accumulate: number;
  /** The item shape, if not ITEM_SHAPE. */
  readonly shape?: number[];
}

const conv = (config: Parameters<typeof tf.layers.conv2d>[0]) => tf.layers.conv2d({ kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 6 }), ...config });
const dense = (units: number, activation?: 'relu' | 'softmax') => tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) });

const mlp = (hidden: number[], activation: 'relu' | 'tanh' | 'sigmoid', outputs: number) => () =>
  createModel({ type: 'mlp', hidden, activation, dropout: 0 }, { inputShape: ITEM_SHAPE, outputs }, 3);

const CASES: Case[] = [
  { name: 'relu_mlp_with_sgd_momentum', model: mlp([16], 'relu', 7), task: 'classification', optimizer: { type: 'sgd', momentum: 0.9 }, lr: 0.1, accumulate: 1 },
  { name: 'tanh_mlp_with_adam_and_gradient_accumulation', model: mlp([16], 'tanh', 7), task: 'classification', optimizer: { type: 'adam' }, lr: 0.01, accumulate: 2 },
  { name: 'sigmoid_mlp_with_adamw', model: mlp([16], 'sigmoid', 7), task: 'classification', optimizer: { type: 'adamw', weightDecay: 0.1 }, lr: 0.02, accumulate: 1 },
  { name: 'two_hidden_layers_with_nesterov_and_clipping_accumulating_three', model: mlp([16, 9], 'relu', 5), task: 'classification', optimizer: { type: 'sgd', momentum: 0.8, nesterov: true, gradClipping: { type: 'norm', maxNorm: 0.5 } }, lr: 0.1, accumulate: 3 },
  { name: 'regression_with_mse_and_adam_accumulating_two', model: mlp([16], 'tanh', 3), task: 'regression', optimizer: { type: 'adam', weightDecay: 0.01 }, lr: 0.01, accumulate: 2 },
  {
    name: 'softmax_output_layer_with_sgd',
    model: () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: ITEM_SHAPE }), tf.layers.dense({ units: 10, activation: 'relu' }), tf.layers.dense({ units: 4, activation: 'softmax' })] }),
    task: 'classification', optimizer: { type: 'sgd' }, lr: 0.2, accumulate: 1,
  },
  {
    name: 'cnn_preset_same_convolutions_and_max_pooling_with_adam',
    model: () => createModel({ type: 'cnn', filters: [3, 4], dense: 6 }, { inputShape: [6, 6, 2], outputs: 4 }, 3),
    task: 'classification', optimizer: { type: 'adam' }, lr: 0.01, accumulate: 1, shape: [6, 6, 2],
  },
  {
    name: 'strided_valid_tanh_convolution_and_overlapping_average_pooling_with_sgd_momentum',
    model: () => tf.sequential({ layers: [
      conv({ inputShape: [7, 7, 2], filters: 3, kernelSize: [3, 2], strides: 2, padding: 'valid', activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }),
      tf.layers.flatten(), dense(4),
    ] }),
    task: 'classification', optimizer: { type: 'sgd', momentum: 0.9 }, lr: 0.1, accumulate: 2, shape: [7, 7, 2],
  },
  {
    name: 'strided_same_sigmoid_convolution_overlapping_same_max_pooling_and_a_softmax_output_with_adamw',
    model: () => tf.sequential({ layers: [
      conv({ inputShape: [5, 6, 1], filters: 4, kernelSize: 3, strides: [2, 1], padding: 'same', activation: 'sigmoid' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      conv({ filters: 2, kernelSize: 2, padding: 'valid', activation: 'relu', useBias: false }),
      tf.layers.flatten(), dense(5, 'relu'), dense(3, 'softmax'),
    ] }),
    task: 'classification', optimizer: { type: 'adamw', weightDecay: 0.05 }, lr: 0.02, accumulate: 1, shape: [5, 6, 1],
  },
  {
    name: 'convolution_regression_with_mse_and_sgd',
    model: () => tf.sequential({ layers: [conv({ inputShape: [5, 5, 3], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }), tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), tf.layers.flatten(), dense(2)] }),
    task: 'regression', optimizer: { type: 'sgd' }, lr: 0.05, accumulate: 1, shape: [5, 5, 3],
  },
];

/** Features, and labels or targets, for `task` with `outputs` classes or targets. */
function data(task: Task, outputs: number, features: number): { x: Float32Array; y: Int32Array | Float32Array } {
  const x = randoms(ITEMS * features, 7);
  if (task === 'regression') return { x, y: randoms(ITEMS * outputs, 8) };
  return { x, y: Int32Array.from(randoms(ITEMS, 9), (v) => Math.floor(((v + 1) / 2) * outputs)) };
}

/** The rows of `order[from, from + size)` as a tfjs batch (cpu backend). */
function batchOf(x: Float32Array, y: Int32Array | Float32Array, order: Int32Array, from: number, size: number, outputs: number, shape: number[]): Batch {
  const idx = Array.from(order.subarray(from, from + size));
  const features = shape.reduce((a, b) => a * b, 1);
  const bx = tf.tensor(idx.flatMap((i) => Array.from(x.subarray(i * features, (i + 1) * features))), [size, ...shape]);
  const by = y instanceof Int32Array ? tf.tensor1d(idx.map((i) => y[i]), 'int32') : tf.tensor2d(idx.flatMap((i) => Array.from(y.subarray(i * outputs, (i + 1) * outputs))), [size, outputs]);
  return { x: bx, y: by, size };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  useExactAvgPoolGradient(); // as the learner does: tfjs's own gradient is wrong at 'same' borders
});

describe.skipIf(!ctx)('compiled step against the tfjs step', () => {
  for (const c of CASES) {
    it(`agrees_after_${STEPS}_steps_with_a_short_last_batch: ${c.name}`, async () => {
      const model = c.model();
      const planned = planModel(model, c.task);
      if (!planned.ok) throw new Error(planned.reason);
      const plan = planned.plan;
      const shape = c.shape ?? ITEM_SHAPE;
      const { x, y } = data(c.task, plan.outputs, plan.inputSize);
      const trainer = await CompiledTrainer.create(ctx!.device, plan, { batchSize: BATCH, optimizer: parseOptimizerConfig(c.optimizer) });
      trainer.writeWeights(readModelWeights(model));
      await trainer.uploadDataset('train', x, y);
      const step = c.task === 'regression' ? regression(model) : classification(model);
      const optimizer = createOptimizer(c.optimizer);
      const engine = new TfjsStepEngine(step, optimizer, (out) => [tf.reshape(out.loss, [1])], () => []);
      const tfLosses: number[] = [];
      const ids: number[] = [];
      const perEpoch = Math.ceil(ITEMS / BATCH);
      let order: Int32Array = Int32Array.from({ length: ITEMS }, (_, i) => i);
      for (let s = 0; s < STEPS; s++) {
        const inEpoch = s % perEpoch;
        if (inEpoch === 0) {
          order = permutation(ITEMS, 100 + s);
          await trainer.setEpochOrder(order);
        }
        const apply = (s + 1) % c.accumulate === 0 || s === STEPS - 1 ? { lr: c.lr } : null;
        const batch = batchOf(x, y, order, inEpoch * BATCH, Math.min(BATCH, ITEMS - inEpoch * BATCH), plan.outputs, shape);
        const [loss] = engine.train(batch, inEpoch, apply);
        tfLosses.push(loss.dataSync()[0]);
        tf.dispose([loss, batch.x, batch.y]);
        ids.push(trainer.trainStep(inEpoch, apply));
      }
      const stats = await trainer.readStats(ids[0], STEPS);
      const gpuLosses = ids.map((_, i) => stats[i * 4] / stats[i * 4 + 2]);
      expect(relError(gpuLosses, tfLosses)).toBeLessThan(1e-4);
      // Weight by weight, so that a small convolution's kernel is not drowned by a large Dense one.
      const gpu = await trainer.readWeights();
      const want = readModelWeights(model);
      const initial = c.model().trainableWeights.map((w) => w.read().dataSync());
      plan.weights.forEach((w, i) => {
        expect(relError(want[i], initial[i]), `${w.name} moved`).toBeGreaterThan(1e-4);
        expect(relError(gpu[i], want[i]), w.name).toBeLessThan(1e-4);
      });
      // The optimizer state reads back in the tfjs optimizer's layout: same step, same slots per weight.
      const record = await optimizer.save();
      const state = await trainer.readOptimizerState();
      expect(state.step).toBe(record.step);
      expect(Object.keys(state.slots).sort()).toEqual(Object.keys(record.slots).sort());
      for (const [name, arrays] of Object.entries(state.slots)) {
        const flat = (a: readonly ArrayLike<number>[]) => a.flatMap((x) => Array.from(x));
        expect(relError(flat(arrays), flat(record.slots[name].map((r) => r.data))), `slot ${name}`).toBeLessThan(1e-4);
      }
      engine.dispose();
      optimizer.dispose();
      trainer.destroy();
    });
  }

  it('validates_with_the_same_loss_and_accuracy_as_the_tfjs_forward_pass', async () => {
    const model = mlp([16], 'relu', 7)();
    const planned = planModel(model, 'classification');
    if (!planned.ok) throw new Error(planned.reason);
    const { x, y } = data('classification', 7, planned.plan.inputSize);
    const trainer = await CompiledTrainer.create(ctx!.device, planned.plan, { batchSize: BATCH, optimizer: parseOptimizerConfig({ type: 'sgd' }) });
    trainer.writeWeights(readModelWeights(model));
    await trainer.uploadDataset('valid', x, y);
    const ids = Array.from({ length: trainer.stepsPerEpoch('valid') }, (_, s) => trainer.validStep(s));
    const stats = await trainer.readStats(ids[0], ids.length);
    const logits = model.predict(tf.tensor(x, [ITEMS, ...ITEM_SHAPE])) as tf.Tensor;
    const labels = tf.tensor1d(y as Int32Array, 'int32');
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 7), logits).dataSync()[0];
    const correct = tf.sum(tf.equal(tf.argMax(logits, -1), labels).toInt()).dataSync()[0];
    const sum = (k: number) => ids.reduce((s, _, i) => s + stats[i * 4 + k], 0);
    expect(sum(2)).toBe(ITEMS);
    expect(sum(0) / ITEMS).toBeCloseTo(loss, 5);
    expect(sum(1)).toBe(correct);
    trainer.destroy();
  });
});
