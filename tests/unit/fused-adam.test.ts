import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNodeBackends } from '../../src/cli/backends-node';
import { createOptimizer, type OptimizerConfigInput } from '../../src/train/optim';
import { GRADS, LR, P0, refAdam } from './optim-reference';

/** cpu and wasm run the fused kernel; 'device' (cpu under another name) runs the op-by-op update, as webgl and webgpu do. */
const BACKENDS = ['cpu', 'wasm', 'device'];

const CONFIGS: [OptimizerConfigInput, Parameters<typeof refAdam>[0]][] = [
  [{ type: 'adam' }, { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }],
  [
    { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1 },
    { b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1, decoupled: false },
  ],
  [
    { type: 'adamw', weightDecay: 0.2 },
    { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.2, decoupled: true },
  ],
];

/** The param after each of the reference steps, and a clone of the first moment taken before the last step. */
function run(config: OptimizerConfigInput): { steps: number[][]; clone: number[]; cloneAfter: number[] } {
  const o = createOptimizer(config);
  const initial = tf.tensor(P0);
  const variable = tf.variable(initial, true);
  initial.dispose();
  const params = [{ name: 'w', variable }];
  let clone: tf.Tensor | null = null;
  let cloneBefore: number[] = [];
  const steps = GRADS.map((g, s) => {
    if (s === GRADS.length - 1) {
      clone = tf.clone((o as unknown as { slots: Map<string, tf.Variable[]> }).slots.get('m')![0]);
      cloneBefore = Array.from(clone.dataSync());
    }
    const grad = tf.tensor(g);
    o.apply(params, [grad], LR);
    grad.dispose();
    return Array.from(variable.dataSync());
  });
  const cloneAfter = Array.from(clone!.dataSync());
  tf.dispose([variable, clone!]);
  o.dispose();
  return { steps, clone: cloneBefore, cloneAfter };
}

beforeAll(() => {
  registerNodeBackends();
  if (!tf.findBackendFactory('device')) {
    tf.registerBackend('device', tf.findBackendFactory('cpu')!);
    tf.copyRegisteredKernels('cpu', 'device');
  }
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('adam on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('matches_the_pytorch_reference_for_adam_l2_and_adamw', () => {
    for (const [config, reference] of CONFIGS) {
      const { steps } = run(config);
      steps.forEach((row, s) => row.forEach((x, i) => expect(Math.abs(x - refAdam(reference)[s][i])).toBeLessThan(1e-5)));
    }
  });

  it('never_changes_a_clone_of_its_state_and_leaves_no_tensors', () => {
    const before = tf.memory().numTensors;
    const { clone, cloneAfter } = run(CONFIGS[1][0]);
    expect(cloneAfter).toEqual(clone);
    expect(tf.memory().numTensors).toBe(before);
  });
});
