import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../../src/data/batcher';
import { planModel, type Task } from '../../../src/gpu/plan';
import { readModelState, readModelWeights } from '../../../src/gpu/weights';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import { classification, createModel, regression } from '../../../src/train/model';
import { createOptimizer, parseOptimizerConfig, type OptimizerConfigInput } from '../../../src/train/optim';
import { useExactAvgPoolGradient } from '../../../src/train/step/pool-grad';
import { TfjsStepEngine } from '../../../src/train/step/tfjs';
import { randoms, relError } from './reference';

// The compiled step against the tfjs step on the cpu backend, case by case: run by the Node tests
// (tests/unit/gpu/equivalence.test.ts, Dawn on OpenGL ES) and in Chromium's WebGPU
// (tests/e2e/equivalence.test.ts, SwiftShader), which import this module as it is.

/** Items are 3 × 4 (the presets flatten them; tfjs's Flatten needs a rank of 2 or more per item). */
export const ITEM_SHAPE = [3, 4];
export const ITEMS = 45; // with batches of 8: five full batches and a last one of 5
export const BATCH = 8;
export const STEPS = 20;

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

export interface Case {
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

const conv = (config: Parameters<typeof tf.layers.conv2d>[0]) =>
  tf.layers.conv2d({
    kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 6 }),
    ...config,
  });
const dense = (units: number, activation?: 'relu' | 'softmax') =>
  tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) });

export const mlp = (hidden: number[], activation: 'relu' | 'tanh' | 'sigmoid', outputs: number) => () =>
  createModel({ type: 'mlp', hidden, activation, dropout: 0 }, { inputShape: ITEM_SHAPE, outputs }, 3);

export const CASES: Case[] = [
  {
    name: 'relu_mlp_with_sgd_momentum',
    model: mlp([16], 'relu', 7),
    task: 'classification',
    optimizer: { type: 'sgd', momentum: 0.9 },
    lr: 0.1,
    accumulate: 1,
  },
  {
    name: 'tanh_mlp_with_adam_and_gradient_accumulation',
    model: mlp([16], 'tanh', 7),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 2,
  },
  {
    name: 'sigmoid_mlp_with_adamw',
    model: mlp([16], 'sigmoid', 7),
    task: 'classification',
    optimizer: { type: 'adamw', weightDecay: 0.1 },
    lr: 0.02,
    accumulate: 1,
  },
  {
    name: 'two_hidden_layers_with_nesterov_and_clipping_accumulating_three',
    model: mlp([16, 9], 'relu', 5),
    task: 'classification',
    optimizer: { type: 'sgd', momentum: 0.8, nesterov: true, gradClipping: { type: 'norm', maxNorm: 0.5 } },
    lr: 0.1,
    accumulate: 3,
  },
  {
    name: 'regression_with_mse_and_adam_accumulating_two',
    model: mlp([16], 'tanh', 3),
    task: 'regression',
    optimizer: { type: 'adam', weightDecay: 0.01 },
    lr: 0.01,
    accumulate: 2,
  },
  {
    name: 'softmax_output_layer_with_sgd',
    model: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: ITEM_SHAPE }),
          tf.layers.dense({ units: 10, activation: 'relu' }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'sgd' },
    lr: 0.2,
    accumulate: 1,
  },
  {
    name: 'cnn_preset_same_convolutions_and_max_pooling_with_adam',
    model: () => createModel({ type: 'cnn', filters: [3, 4], dense: 6 }, { inputShape: [6, 6, 2], outputs: 4 }, 3),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 1,
    shape: [6, 6, 2],
  },
  {
    name: 'strided_valid_tanh_convolution_and_overlapping_average_pooling_with_sgd_momentum',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [7, 7, 2], filters: 3, kernelSize: [3, 2], strides: 2, padding: 'valid', activation: 'tanh' }),
          tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }),
          tf.layers.flatten(),
          dense(4),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'sgd', momentum: 0.9 },
    lr: 0.1,
    accumulate: 2,
    shape: [7, 7, 2],
  },
  {
    name: 'strided_same_sigmoid_convolution_overlapping_same_max_pooling_and_a_softmax_output_with_adamw',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [5, 6, 1], filters: 4, kernelSize: 3, strides: [2, 1], padding: 'same', activation: 'sigmoid' }),
          tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
          conv({ filters: 2, kernelSize: 2, padding: 'valid', activation: 'relu', useBias: false }),
          tf.layers.flatten(),
          dense(5, 'relu'),
          dense(3, 'softmax'),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'adamw', weightDecay: 0.05 },
    lr: 0.02,
    accumulate: 1,
    shape: [5, 6, 1],
  },
  {
    name: 'stride_two_convolutions_after_the_first_layer_backpropagate_through_their_strides',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [7, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
          conv({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }),
          conv({ filters: 2, kernelSize: 2, strides: [2, 1], padding: 'valid', activation: 'relu' }),
          tf.layers.flatten(),
          dense(3),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 1,
    shape: [7, 6, 2],
  },
  {
    name: 'disjoint_max_pooling_that_skips_inputs_over_tanh_then_same_average_pooling',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
          tf.layers.maxPooling2d({ poolSize: 2, strides: 3, padding: 'valid' }),
          tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
          tf.layers.flatten(),
          dense(3),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 1,
    shape: [8, 8, 2],
  },
  {
    name: 'convolution_regression_with_mse_and_sgd',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [5, 5, 3], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
          tf.layers.flatten(),
          dense(2),
        ],
      }),
    task: 'regression',
    optimizer: { type: 'sgd' },
    lr: 0.05,
    accumulate: 1,
    shape: [5, 5, 3],
  },
  {
    // A bias right before a batch normalization gets a zero gradient (the mean takes it out), so
    // its updates would be rounding noise: these layers have none, as such models are built.
    name: 'batch_norm_after_convolutions_and_a_dense_layer_without_bias_with_global_average_pooling_accumulating_two',
    model: () =>
      tf.sequential({
        layers: [
          conv({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', useBias: false }),
          tf.layers.batchNormalization({}),
          tf.layers.activation({ activation: 'relu' }),
          conv({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
          tf.layers.batchNormalization({
            momentum: 0.9,
            epsilon: 0.01,
            gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 3 }),
          }),
          tf.layers.activation({ activation: 'relu6' }),
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({ units: 6, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
          tf.layers.batchNormalization({ momentum: 0.8 }),
          tf.layers.activation({ activation: 'elu' }),
          dense(4),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 2,
    shape: [6, 6, 2],
  },
  {
    name: 'residual_adds_of_two_and_three_branches_over_batch_norm_with_sgd_momentum',
    model: () => {
      const input = tf.input({ shape: [6, 6, 2] });
      const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
      const bn = () => tf.layers.batchNormalization({});
      const stem = apply(conv({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
      let a = apply(conv({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }), stem);
      a = apply(tf.layers.reLU({}), apply(bn(), a));
      a = apply(bn(), apply(conv({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }), a));
      const s = apply(tf.layers.activation({ activation: 'relu' }), apply(tf.layers.add({}), [a, stem]));
      const b1 = apply(bn(), apply(conv({ filters: 4, kernelSize: 1, padding: 'same', useBias: false }), s));
      const b2 = apply(bn(), apply(conv({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }), s));
      const t = apply(tf.layers.leakyReLU({ alpha: 0.2 }), apply(tf.layers.add({}), [b1, b2, s]));
      const out = apply(dense(3), apply(tf.layers.globalAveragePooling2d({}), t));
      return tf.model({ inputs: input, outputs: out });
    },
    task: 'classification',
    optimizer: { type: 'sgd', momentum: 0.9 },
    lr: 0.05,
    accumulate: 1,
    shape: [6, 6, 2],
  },
  {
    name: 'relu6_gelu_swish_leaky_relu_and_elu_activations_and_a_softmax_activation_layer_with_adam',
    model: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: ITEM_SHAPE }),
          tf.layers.dense({ units: 12, activation: 'relu6', kernelInitializer: tf.initializers.randomUniform({ minval: -4, maxval: 4, seed: 11 }) }),
          tf.layers.dense({ units: 10, activation: 'gelu', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
          tf.layers.activation({ activation: 'swish' }),
          dense(10),
          tf.layers.leakyReLU({ alpha: 0.1 }),
          tf.layers.dense({ units: 8, activation: 'elu', kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }),
          dense(5),
          tf.layers.activation({ activation: 'softmax' }),
        ],
      }),
    task: 'classification',
    optimizer: { type: 'adam' },
    lr: 0.01,
    accumulate: 1,
  },
];

/** Features, and labels or targets, for `task` with `outputs` classes or targets. */
export function data(task: Task, outputs: number, features: number): { x: Float32Array; y: Int32Array | Float32Array } {
  const x = randoms(ITEMS * features, 7);
  if (task === 'regression') return { x, y: randoms(ITEMS * outputs, 8) };
  return { x, y: Int32Array.from(randoms(ITEMS, 9), (v) => Math.floor(((v + 1) / 2) * outputs)) };
}

/** The rows of `order[from, from + size)` as a tfjs batch (cpu backend). */
function batchOf(x: Float32Array, y: Int32Array | Float32Array, order: Int32Array, from: number, size: number, outputs: number, shape: number[]): Batch {
  const idx = Array.from(order.subarray(from, from + size));
  const features = shape.reduce((a, b) => a * b, 1);
  const bx = tf.tensor(
    idx.flatMap((i) => Array.from(x.subarray(i * features, (i + 1) * features))),
    [size, ...shape],
  );
  const by =
    y instanceof Int32Array
      ? tf.tensor1d(
          idx.map((i) => y[i]),
          'int32',
        )
      : tf.tensor2d(
          idx.flatMap((i) => Array.from(y.subarray(i * outputs, (i + 1) * outputs))),
          [size, outputs],
        );
  return { x: bx, y: by, size };
}

/** How far the compiled step landed from the tfjs step (relative errors), and what moved. */
export interface Agreement {
  readonly loss: number;
  readonly weights: { readonly name: string; readonly moved: number; readonly error: number }[];
  /** The non-trainable weights (moving statistics). */
  readonly state: { readonly name: string; readonly moved: number; readonly error: number }[];
  /** The loss of a validation pass over the data after training (moving statistics), as the tfjs forward pass in inference gives it. */
  readonly validLoss: number;
  readonly optimizerStep: { readonly gpu: number; readonly tfjs: number };
  readonly slots: { readonly name: string; readonly error: number }[];
  /** Slot names the GPU keeps that tfjs does not, or the reverse. */
  readonly slotMismatch: string[];
}

/**
 * Trains a case for STEPS steps on both engines from the same weights and batches (tfjs on the cpu
 * backend, which it selects), and compares losses, weights and optimizer state.
 */
export async function compareCase(device: GPUDevice, c: Case): Promise<Agreement> {
  if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs could not switch to cpu (on ${tf.getBackend()})`);
  useExactAvgPoolGradient(); // as the learner does: tfjs's own gradient is wrong at 'same' borders
  const model = c.model();
  const planned = planModel(model, c.task);
  if (!planned.ok) throw new Error(planned.reason);
  const plan = planned.plan;
  const shape = c.shape ?? ITEM_SHAPE;
  const { x, y } = data(c.task, plan.outputs, plan.inputSize);
  const trainer = await CompiledTrainer.create(device, plan, { batchSize: BATCH, optimizer: parseOptimizerConfig(c.optimizer) });
  trainer.writeWeights(readModelWeights(model));
  trainer.writeState(readModelState(model));
  await trainer.uploadDataset('train', x, y);
  await trainer.uploadDataset('valid', x, y);
  const step = c.task === 'regression' ? regression(model) : classification(model);
  const optimizer = createOptimizer(c.optimizer);
  const engine = new TfjsStepEngine(
    step,
    optimizer,
    (out) => [tf.reshape(out.loss, [1])],
    () => [],
  );
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
  // Weight by weight, so that a small convolution's kernel is not drowned by a large Dense one.
  const gpu = await trainer.readWeights();
  const want = readModelWeights(model);
  const initialModel = c.model();
  const initial = initialModel.trainableWeights.map((w) => w.read().dataSync());
  const weights = plan.weights.map((w, i) => ({ name: w.name, moved: relError(want[i], initial[i]), error: relError(gpu[i], want[i]) }));
  const [gpuState, wantState, initialState] = [await trainer.readState(), readModelState(model), readModelState(initialModel)];
  const state = plan.state.map((w, i) => ({ name: w.name, moved: relError(wantState[i], initialState[i]), error: relError(gpuState[i], wantState[i]) }));
  // Validation after training: the GPU's inference pass against tfjs's forward pass with training off.
  const validIds = Array.from({ length: trainer.stepsPerEpoch('valid') }, (_, v) => trainer.validStep(v));
  const validStats = await trainer.readStats(validIds[0], validIds.length);
  const gpuValid = validIds.reduce((sum, _, v) => sum + validStats[v * 4], 0) / ITEMS;
  const all = batchOf(
    x,
    y,
    Int32Array.from({ length: ITEMS }, (_, i) => i),
    0,
    ITEMS,
    plan.outputs,
    shape,
  );
  const tfValid = tf.tidy(() => step.forward(all, false).loss.dataSync()[0]);
  tf.dispose([all.x, all.y]);
  // The optimizer state reads back in the tfjs optimizer's layout: same step, same slots per weight.
  const record = await optimizer.save();
  const optimState = await trainer.readOptimizerState();
  const flat = (a: readonly ArrayLike<number>[]) => a.flatMap((v) => Array.from(v));
  const names = [Object.keys(optimState.slots), Object.keys(record.slots)];
  const slotMismatch = [...names[0].filter((n) => !names[1].includes(n)), ...names[1].filter((n) => !names[0].includes(n))];
  const slots = names[0]
    .filter((n) => names[1].includes(n))
    .map((name) => ({ name, error: relError(flat(optimState.slots[name]), flat(record.slots[name].map((r) => r.data as Float32Array))) }));
  engine.dispose();
  optimizer.dispose();
  trainer.destroy();
  model.dispose();
  initialModel.dispose();
  return {
    loss: relError(gpuLosses, tfLosses),
    weights,
    state,
    validLoss: relError([gpuValid], [tfValid]),
    optimizerStep: { gpu: optimState.step, tfjs: record.step },
    slots,
    slotMismatch,
  };
}
