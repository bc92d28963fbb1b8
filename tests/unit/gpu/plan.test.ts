import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../src/gpu/plan';
import { buildProgram, rowWords } from '../../../src/gpu/program';
import { chooseTiling } from '../../../src/gpu/kernels/gemm-tiling';
import { createModel } from '../../../src/train/model';

const SHAPE = { inputShape: [4, 5], outputs: 7 };
const LIMITS = { maxInvocations: 128, maxWorkgroupStorage: 16384, maxWorkgroupsPerDim: 65535, maxStorageBuffers: 8, maxStorageBindingSize: 1 << 27, maxBufferSize: 1 << 28, uniformAlignment: 256 };

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
    expect(plan.layers.map((l) => [l.inputs, l.units, l.activation, l.kernelOffset, l.biasOffset])).toEqual([
      [20, 16, 'tanh', 0, 320],
      [16, 9, 'tanh', 336, 480],
      [9, 7, 'linear', 489, 552],
    ]);
    expect(plan.layers.map((l) => l.dropout?.rate ?? 0)).toEqual([0.25, 0.25, 0]);
    expect(plan.weights.map((w) => [w.name, w.offset, w.size])).toEqual([
      ['dense1/kernel', 0, 320], ['dense1/bias', 320, 16], ['dense2/kernel', 336, 144], ['dense2/bias', 480, 9], ['output/kernel', 489, 63], ['output/bias', 552, 7],
    ]);
    expect(plan.paramCount).toBe(559);
    expect(plan.loss).toBe('softmax-ce');
  });

  it('records_a_softmax_output_as_probabilities_for_the_loss_kernel', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'softmax', useBias: false })] });
    const r = planModel(m, 'classification');
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.loss).toBe('softmax-probabilities');
    expect(r.plan.layers[0].biasOffset).toBeNull();
  });

  it('says_which_layer_stops_a_model_from_compiling', () => {
    expect(reason(createModel({ type: 'cnn', filters: [4, 4], dense: 8 }, { inputShape: [8, 8, 1], outputs: 3 }))).toBe('layer conv1: Conv2D is not compiled yet (Flatten, Dense and Dropout are)');
    expect(reason(createModel({ type: 'mlp', hidden: [8], activation: 'elu', dropout: 0 }, SHAPE))).toBe("layer dense1: activation 'elu' is not compiled yet (linear, relu, tanh, sigmoid are)");
    expect(reason(createModel({ type: 'logistic' }, { inputShape: [4, 5], outputs: 1 }))).toBe('layer output: binary classification with one output unit is not compiled yet');
    const reluOut = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'relu' })] });
    expect(reason(reluOut)).toBe("layer dense_Dense1: a classifier's output must be linear (logits) or softmax, not 'relu'".replace('dense_Dense1', reluOut.layers[0].name));
    expect(reason(reluOut, 'regression')).toMatch(/a regression output must be linear, not 'relu'/);
    const unflat = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3, 6], units: 3 })] });
    expect(reason(unflat)).toMatch(/Dense on an input of shape \[3,6\] \(no Flatten\) is not compiled yet/);
  });
});

describe('step program', () => {
  const r = planModel(createModel({ type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 }, { inputShape: [28, 28], outputs: 10 }), 'classification');
  if (!r.ok) throw new Error(r.reason);
  /** Kernel labels without the split-K sums, which the tiling adds where K is long and tiles few. */
  const labels = (p: { kernels: readonly { kernel: { label: string } }[] }) => p.kernels.map((k) => k.kernel.label).filter((l) => !l.endsWith('(split-K sum)'));
  const program = (training: boolean, rows: number) => buildProgram(r.plan, { rows, rowWords: rowWords(r.plan), training, limits: LIMITS, tiling: (m, n, k) => chooseTiling(m, n, k, LIMITS) });

  it('records_a_784_128_10_training_step_in_about_ten_dispatches', () => {
    expect(labels(program(true, 64))).toEqual(['gather batch', 'dense1 forward', 'output forward', 'softmax cross-entropy', 'output weight gradient', 'output input gradient', 'dense1 weight gradient']);
    for (const rows of [64, 1024, 4096]) expect(program(true, rows).kernels.length).toBeLessThanOrEqual(10);
  });

  it('records_validation_as_gather_forward_and_loss_only', () => {
    expect(labels(program(false, 64))).toEqual(['gather batch', 'dense1 forward', 'output forward', 'softmax cross-entropy']);
  });

  it('binds_no_kernel_to_more_storage_buffers_than_the_lowest_limit', () => {
    for (const p of [program(true, 4096), program(true, 5)]) for (const k of p.kernels) expect(k.kernel.bindings.filter((b) => b.kind !== 'step').length, k.kernel.label).toBeLessThanOrEqual(4);
  });
});
