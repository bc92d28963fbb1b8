import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../src/gpu/plan';
import { windowGeometry } from '../../../src/gpu/kernels/conv';
import { buildProgram, rowWords } from '../../../src/gpu/program';
import { chooseTiling } from '../../../src/gpu/kernels/gemm-tiling';
import { createModel } from '../../../src/train/model';

const SHAPE = { inputShape: [4, 5], outputs: 7 };
const LIMITS = {
  maxInvocations: 128,
  maxWorkgroupStorage: 16384,
  maxWorkgroupsPerDim: 65535,
  maxStorageBuffers: 8,
  maxStorageBindingSize: 1 << 27,
  maxBufferSize: 1 << 28,
  uniformAlignment: 256,
};

/** The reason a model is refused (fails the test if it is accepted). */
function reason(model: tf.LayersModel, task: 'classification' | 'regression' = 'classification'): string {
  const r = planModel(model, task);
  if (r.ok) throw new Error('the model was accepted');
  return r.reason;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model plan', () => {
  it('packs_each_dense_kernel_then_its_bias_in_the_model_weight_order', () => {
    const r = planModel(createModel({ type: 'mlp', hidden: [16, 9], activation: 'tanh', dropout: 0.25 }, SHAPE), 'classification');
    if (!r.ok) throw new Error(r.reason);
    const { plan } = r;
    expect(plan.inputSize).toBe(20);
    expect(plan.layers.map((l) => l.kind === 'dense' && [l.inputs, l.outputs, l.activation, l.kernelOffset, l.biasOffset])).toEqual([
      [20, 16, 'tanh', 0, 320],
      [16, 9, 'tanh', 336, 480],
      [9, 7, 'linear', 489, 552],
    ]);
    expect(plan.layers.map((l) => l.dropout?.rate ?? 0)).toEqual([0.25, 0.25, 0]);
    expect(plan.weights.map((w) => [w.name, w.offset, w.size])).toEqual([
      ['dense1/kernel', 0, 320],
      ['dense1/bias', 320, 16],
      ['dense2/kernel', 336, 144],
      ['dense2/bias', 480, 9],
      ['output/kernel', 489, 63],
      ['output/bias', 552, 7],
    ]);
    expect(plan.paramCount).toBe(559);
    expect(plan.loss).toBe('softmax-ce');
  });

  it('records_a_softmax_output_as_probabilities_for_the_loss_kernel', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'softmax', useBias: false })] });
    const r = planModel(m, 'classification');
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.loss).toBe('softmax-probabilities');
    expect(r.plan.layers[0]).toMatchObject({ kind: 'dense', biasOffset: null });
  });

  it('plans_the_cnn_preset_with_its_windows_as_tfjs_computes_them', () => {
    const r = planModel(createModel({ type: 'cnn', filters: [4, 6], dense: 8 }, { inputShape: [9, 9, 2], outputs: 3 }), 'classification');
    if (!r.ok) throw new Error(r.reason);
    const shapes = r.plan.layers.map((l) => [l.kind, l.inputs, l.outputs]);
    // conv 3×3 same: 9×9×2 → 9×9×4; pool 2 valid: → 4×4×4; conv: → 4×4×6; pool: → 2×2×6; dense 8; output 3.
    expect(shapes).toEqual([
      ['conv', 162, 324],
      ['pool', 324, 64],
      ['conv', 64, 96],
      ['pool', 96, 24],
      ['dense', 24, 8],
      ['dense', 8, 3],
    ]);
    const conv1 = r.plan.layers[0];
    if (conv1.kind !== 'conv') throw new Error('conv1 is not a conv');
    expect([conv1.geometry.padTop, conv1.geometry.padLeft, conv1.kernelOffset, conv1.biasOffset]).toEqual([1, 1, 0, 72]);
    expect(r.plan.weights.map((w) => [w.name, w.offset, w.size])).toEqual([
      ['conv1/kernel', 0, 72],
      ['conv1/bias', 72, 4],
      ['conv2/kernel', 76, 216],
      ['conv2/bias', 292, 6],
      ['dense1/kernel', 298, 192],
      ['dense1/bias', 490, 8],
      ['output/kernel', 498, 24],
      ['output/bias', 522, 3],
    ]);
  });

  it('pads_same_windows_with_the_smaller_half_on_top_and_counts_valid_windows_with_strides', () => {
    const same = windowGeometry({ h: 6, w: 5, c: 1 }, 4, 3, 2, 2, 'same', 8);
    expect([same.output.h, same.output.w, same.output.c, same.padTop, same.padLeft]).toEqual([3, 3, 8, 1, 1]);
    const valid = windowGeometry({ h: 7, w: 7, c: 3 }, 3, 3, 2, 1, 'valid', 3);
    expect([valid.output.h, valid.output.w, valid.padTop]).toEqual([3, 5, 0]);
  });

  it('says_which_layer_stops_a_model_from_compiling', () => {
    const lstm = tf.sequential({ layers: [tf.layers.simpleRNN({ inputShape: [3, 4], units: 4 }), tf.layers.dense({ units: 3 })] });
    expect(reason(lstm)).toBe(
      `layer ${lstm.layers[0].name}: SimpleRNN is not compiled yet (Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, Flatten, Dense, Dropout, Add and activation layers are)`,
    );
    const dilated = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, dilationRate: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })],
    });
    expect(reason(dilated)).toMatch(/dilated convolutions are not compiled yet/);
    const flatConv = tf.sequential({
      layers: [
        tf.layers.reshape({ inputShape: [64], targetShape: [8, 8, 1] }),
        tf.layers.conv2d({ filters: 2, kernelSize: 3 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    expect(reason(flatConv)).toMatch(/Reshape is not compiled yet/);
    const convOut = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 4 }), tf.layers.flatten()] });
    expect(reason(convOut)).toBe('the output layer is not a Dense layer');
    const selu = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'selu' }), tf.layers.dense({ units: 3 })] });
    expect(reason(selu)).toBe(
      `layer ${selu.layers[0].name}: activation 'selu' is not compiled yet (linear, relu, relu6, elu, tanh, sigmoid, gelu, swish, softmax are; leaky relu as a LeakyReLU layer)`,
    );
    expect(reason(createModel({ type: 'logistic' }, { inputShape: [4, 5], outputs: 1 }))).toBe(
      'layer output: binary classification with one output unit is not compiled yet',
    );
    const reluOut = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'relu' })] });
    expect(reason(reluOut)).toBe(
      "layer dense_Dense1: a classifier's output must be linear (logits) or softmax, not 'relu'".replace('dense_Dense1', reluOut.layers[0].name),
    );
    expect(reason(reluOut, 'regression')).toMatch(/a regression output must be linear, not 'relu'/);
    const unflat = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3, 6], units: 3 })] });
    expect(reason(unflat)).toMatch(/Dense on an input of shape \[3,6\] \(no Flatten\) is not compiled yet/);
  });

  it('plans_a_residual_block_as_a_graph_with_activations_fused_where_one_layer_reads_them', () => {
    const r = planModel(residual(), 'classification');
    if (!r.ok) throw new Error(r.reason);
    const { plan } = r;
    expect(plan.layers.map((l) => [l.kind, l.sources, l.activation])).toEqual([
      ['conv', [-1], 'relu'],
      ['conv', [0], 'linear'],
      ['batchnorm', [1], 'relu'],
      ['conv', [2], 'linear'],
      ['batchnorm', [3], 'linear'],
      ['add', [4, 0], 'relu'],
      ['conv', [5], 'linear'],
      ['add', [6], 'gelu'],
      ['global-pool', [7], 'linear'],
      ['dense', [8], 'linear'],
    ]);
    // Trainable weights in the model's order, then the moving statistics after them.
    expect(plan.weights.map((w) => w.name.split('/')[1])).toEqual([
      'kernel',
      'bias',
      'kernel',
      'gamma',
      'beta',
      'kernel',
      'gamma',
      'beta',
      'kernel',
      'kernel',
      'bias',
    ]);
    expect(plan.state.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance', 'moving_mean', 'moving_variance']);
    expect(Math.min(...plan.state.map((w) => w.offset))).toBe(plan.paramCount);
    expect(plan.storedCount).toBe(plan.paramCount + 4 * 3);
  });

  it('refuses_graphs_it_cannot_train_naming_the_layer', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const shared = tf.layers.dense({ units: 32 });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const twice = shared.apply(shared.apply(flat) as tf.SymbolicTensor) as tf.SymbolicTensor;
    expect(reason(tf.model({ inputs: input, outputs: twice }))).toBe(`layer ${shared.name}: a layer applied more than once is not compiled yet`);
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'gelu' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization().apply(conv);
    const out = tf.layers.dense({ units: 3 }).apply(tf.layers.flatten().apply(bn)) as tf.SymbolicTensor;
    expect(reason(tf.model({ inputs: input, outputs: out }))).toMatch(/BatchNormalization right after a gelu activation is not compiled yet/);
    const dropped = tf.layers.dropout({ rate: 0.5 }).apply(flat) as tf.SymbolicTensor;
    const both = tf.layers.add().apply([dropped, flat]) as tf.SymbolicTensor;
    expect(reason(tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(both) as tf.SymbolicTensor }))).toMatch(
      /Dropout on an output that other layers also read is not compiled yet/,
    );
    const relu3 = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4 }), tf.layers.reLU({ maxValue: 3 }), tf.layers.dense({ units: 3 })] });
    expect(reason(relu3)).toMatch(/ReLU with maxValue 3 is not compiled yet/);
    const innerSoftmax = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'softmax' }), tf.layers.dense({ units: 3 })] });
    expect(reason(innerSoftmax)).toMatch(/softmax is compiled only on the output layer/);
  });
});

/** A residual block over a stem (the stem's relu is read twice, so it stays in its layer), a gelu convolution, pooling and logits. */
function residual(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const stem = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
  let a = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }), stem);
  a = apply(tf.layers.activation({ activation: 'relu' }), apply(tf.layers.batchNormalization(), a));
  a = apply(tf.layers.batchNormalization(), apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }), a));
  const sum = apply(tf.layers.reLU(), apply(tf.layers.add(), [a, stem]));
  const g = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false, activation: 'gelu' }), sum);
  const out = apply(tf.layers.dense({ units: 3 }), apply(tf.layers.globalAveragePooling2d({}), g));
  return tf.model({ inputs: input, outputs: out });
}

describe('step program', () => {
  const r = planModel(createModel({ type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 }, { inputShape: [28, 28], outputs: 10 }), 'classification');
  if (!r.ok) throw new Error(r.reason);
  /** Kernel labels without the split-K sums, which the tiling adds where K is long and tiles few. */
  const labels = (p: { kernels: readonly { kernel: { label: string } }[] }) => p.kernels.map((k) => k.kernel.label).filter((l) => !l.endsWith('(split-K sum)'));
  const program = (training: boolean, rows: number) =>
    buildProgram(r.plan, { rows, rowWords: rowWords(r.plan), training, limits: LIMITS, classStats: false, tiling: (m, n, k) => chooseTiling(m, n, k, LIMITS) });

  it('records_a_784_128_10_training_step_in_about_ten_dispatches', () => {
    expect(labels(program(true, 64))).toEqual([
      'gather batch',
      'dense1 forward',
      'output forward',
      'softmax cross-entropy',
      'output weight gradient',
      'output input gradient',
      'dense1 weight gradient',
    ]);
    for (const rows of [64, 1024, 4096]) expect(program(true, rows).kernels.length).toBeLessThanOrEqual(10);
  });

  it('records_validation_as_gather_forward_and_loss_only', () => {
    expect(labels(program(false, 64))).toEqual(['gather batch', 'dense1 forward', 'output forward', 'softmax cross-entropy']);
  });

  const cnn = planModel(createModel({ type: 'cnn', filters: [32, 64], dense: 128 }, { inputShape: [28, 28, 1], outputs: 10 }), 'classification');
  if (!cnn.ok) throw new Error(cnn.reason);
  const cnnProgram = (rows: number) =>
    buildProgram(cnn.plan, {
      rows,
      rowWords: rowWords(cnn.plan),
      training: true,
      limits: LIMITS,
      classStats: false,
      tiling: (m, n, k) => chooseTiling(m, n, k, LIMITS),
    });

  it('records_a_cnn_step_with_implicit_gemm_convolutions_and_no_input_gradient_for_the_first_layer', () => {
    expect(labels(cnnProgram(256))).toEqual([
      'gather batch',
      'conv1 forward',
      'max pool forward',
      'conv2 forward',
      'max pool forward',
      'dense1 forward',
      'output forward',
      'softmax cross-entropy',
      'output weight gradient',
      'output input gradient',
      'dense1 weight gradient',
      'dense1 input gradient',
      'max pool backward',
      'conv2 weight gradient',
      'conv2 input gradient',
      'max pool backward',
      'conv1 weight gradient',
    ]);
  });

  const res = planModel(residual(), 'classification');
  if (!res.ok) throw new Error(res.reason);
  const resProgram = (rows: number, training = true) =>
    buildProgram(res.plan, {
      rows,
      rowWords: rowWords(res.plan),
      training,
      limits: LIMITS,
      classStats: false,
      tiling: (m, n, k) => chooseTiling(m, n, k, LIMITS),
    });

  it('records_a_residual_step_whose_linear_branch_shares_the_add_gradient_and_whose_stem_gathers_two', () => {
    const kernels = resProgram(64).kernels.filter((k) => !k.kernel.label.endsWith('(split-K sum)'));
    const backward = kernels.slice(kernels.findIndex((k) => k.kernel.label === 'softmax cross-entropy') + 1);
    // The add passes its gradient to the stem only; the batch norm before it reads the add's gradient as its own.
    expect(backward.filter((k) => k.kernel.label === 'gradient to source').map((k) => k.roles.dst)).toEqual(['g0']);
    expect(backward.find((k) => k.kernel.label === 'batch norm grads partial sums')?.roles.g).toBe('g5');
    // The stem's gradient: stored by the add, then added to by the first block convolution's input gradient.
    const intoStem = backward.filter((k) => k.roles.dst === 'g0');
    expect(intoStem.map((k) => k.kernel.code.includes('dst[at] = dst[at] +'))).toEqual([false, true]);
    // Validation normalizes with the moving statistics in one pass per batch normalization.
    expect(labels(resProgram(64, false)).filter((l) => l.startsWith('batch norm'))).toEqual(['batch norm inference', 'batch norm inference']);
  });

  it('binds_no_kernel_to_more_storage_buffers_than_the_lowest_limit', () => {
    for (const p of [program(true, 4096), program(true, 5), cnnProgram(256), cnnProgram(3), resProgram(256), resProgram(3), resProgram(7, false)])
      for (const k of p.kernels) expect(k.kernel.bindings.filter((b) => b.kind !== 'step').length, k.kernel.label).toBeLessThanOrEqual(4);
  });
});
