import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OptimizerConfigSchema, clipGradients, createOptimizer, gradNorm, type Optimizer, type OptimizerConfigInput, type Param } from '../../src/train/optim';
import { GRADS, LR, P0, refAdam, refRmsProp, refSgd } from './optim-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const created: Optimizer[] = [];
const variables: tf.Variable[] = [];

afterEach(() => {
  created.splice(0).forEach((o) => o.dispose());
  tf.dispose(variables.splice(0));
});

function optimizer(config: OptimizerConfigInput): Optimizer {
  const o = createOptimizer(config);
  created.push(o);
  return o;
}

function param(name: string, values: number[], shape: number[] = [values.length]): Param {
  const initial = tf.tensor(values, shape);
  const variable = tf.variable(initial, true);
  initial.dispose();
  variables.push(variable);
  return { name, variable };
}

/** Runs the tfjs optimizer over GRADS and returns the parameter after each step. */
function runTf(config: OptimizerConfigInput, lr = LR): number[][] {
  const o = optimizer(config);
  const p = param('w', P0);
  return GRADS.map((g) => {
    const grad = tf.tensor(g);
    o.apply([p], [grad], lr);
    grad.dispose();
    return Array.from(p.variable.dataSync());
  });
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, s) => row.forEach((x, i) => expect(Math.abs(x - expected[s][i])).toBeLessThan(1e-5)));
}

describe('optimizer updates', () => {
  it('sgd matches hand-computed first step', () => {
    const [first] = runTf({ type: 'sgd' });
    expectClose([first], [[0.5 - 0.01, -1.2 + 0.02, 2.0 - 0.03, 0.3 + 0.04]]);
  });

  it('sgd with weight decay matches the reference over 3 steps', () => {
    expectClose(runTf({ type: 'sgd', weightDecay: 0.05 }), refSgd({ momentum: 0, dampening: 0, nesterov: false, wd: 0.05 }));
  });

  it('sgd momentum seeds the buffer with the undamped gradient, then dampens', () => {
    expectClose(runTf({ type: 'sgd', momentum: 0.9, dampening: 0.5, weightDecay: 0.01 }), refSgd({ momentum: 0.9, dampening: 0.5, nesterov: false, wd: 0.01 }));
  });

  it('sgd nesterov matches the reference and differs from classical momentum', () => {
    const nesterov = runTf({ type: 'sgd', momentum: 0.9, nesterov: true });
    expectClose(nesterov, refSgd({ momentum: 0.9, dampening: 0, nesterov: true, wd: 0 }));
    // First step: buf = g, so nesterov moves by lr·(1 + μ)·g where classical moves by lr·g.
    expect(nesterov[0][0]).toBeCloseTo(0.5 - 0.1 * 1.9 * 0.1, 6);
    const classical = runTf({ type: 'sgd', momentum: 0.9 });
    expect(classical[0][0]).toBeCloseTo(0.5 - 0.1 * 0.1, 6);
  });

  it('adam matches hand-computed first two steps', () => {
    // Step 1: m̂ = g, v̂ = g², so each element moves by lr·sign(g) (up to epsilon).
    // Step 2 for element 0: g1 = 0.1, g2 = 0.25.
    const m2 = 0.9 * 0.1 * 0.1 + 0.1 * 0.25;
    const v2 = 0.999 * 0.001 * 0.01 + 0.001 * 0.0625;
    const step2 = (0.1 * (m2 / (1 - 0.81))) / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
    const out = runTf({ type: 'adam' });
    expect(out[0][0]).toBeCloseTo(0.4, 5);
    expect(out[0][1]).toBeCloseTo(-1.1, 5);
    expect(out[1][0]).toBeCloseTo(0.4 - step2, 5);
  });

  it('adam with L2 weight decay matches the reference over 3 steps', () => {
    expectClose(
      runTf({ type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1 }),
      refAdam({ b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1, decoupled: false }),
    );
  });

  it('adamw matches the reference over 3 steps', () => {
    expectClose(runTf({ type: 'adamw', weightDecay: 0.2 }), refAdam({ b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.2, decoupled: true }));
  });

  it('adamw decays weights directly while adam routes decay through the moments', () => {
    // With zero gradients AdamW only shrinks p by (1 − lr·wd); Adam-L2 normalises wd·p to a step of ~lr.
    const wd = 0.1;
    const zero = (type: 'adam' | 'adamw') => {
      const o = optimizer({ type, weightDecay: wd });
      const p = param('w', P0);
      const g = tf.zerosLike(p.variable);
      o.apply([p], [g], LR);
      g.dispose();
      return Array.from(p.variable.dataSync());
    };
    const adamw = zero('adamw');
    const adam = zero('adam');
    P0.forEach((x, i) => {
      expect(adamw[i]).toBeCloseTo(x * (1 - LR * wd), 6);
      expect(adam[i]).toBeCloseTo(x - LR * Math.sign(x), 5);
    });
  });

  it('rmsprop matches the reference over 3 steps', () => {
    expectClose(runTf({ type: 'rmsprop' }), refRmsProp({ rho: 0.9, eps: 1e-8, momentum: 0, centered: false, wd: 0 }));
  });

  it('centered rmsprop with momentum and weight decay matches the reference over 3 steps', () => {
    expectClose(
      runTf({ type: 'rmsprop', rho: 0.8, momentum: 0.5, centered: true, weightDecay: 0.01, epsilon: 1e-6 }),
      refRmsProp({ rho: 0.8, eps: 1e-6, momentum: 0.5, centered: true, wd: 0.01 }),
    );
  });

  it('does not dispose the gradients it is given', () => {
    const o = optimizer({ type: 'adam' });
    const p = param('w', P0);
    const g = tf.tensor(GRADS[0]);
    o.apply([p], [g], LR);
    expect(g.isDisposed).toBe(false);
    g.dispose();
  });

  it('counts steps', () => {
    const o = optimizer({ type: 'sgd' });
    const p = param('w', P0);
    const g = tf.tensor(GRADS[0]);
    o.apply([p], [g], LR);
    o.apply([p], [g], LR);
    g.dispose();
    expect(o.step).toBe(2);
  });
});

describe('gradient clipping', () => {
  it('clips by global norm across all gradients', () => {
    const grads = [tf.tensor([3]), tf.tensor([0, 4])];
    const norm = gradNorm(grads);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    const clipped = clipGradients(grads, { type: 'norm', maxNorm: 1 });
    expect(clipped[0].dataSync()[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(clipped[1].dataSync())).toEqual([0, expect.closeTo(0.8, 6)]);
    tf.dispose([...grads, ...clipped, norm]);
  });

  it('leaves gradients under the norm threshold unchanged', () => {
    const grads = [tf.tensor([0.3, 0.4])];
    const [clipped] = clipGradients(grads, { type: 'norm', maxNorm: 1 });
    const out = Array.from(clipped.dataSync());
    expect(out[0]).toBeCloseTo(0.3, 6);
    expect(out[1]).toBeCloseTo(0.4, 6);
    tf.dispose([...grads, clipped]);
  });

  it('clamps each element by value', () => {
    const grads = [tf.tensor([-2, -0.5, 0.5, 2])];
    const [clipped] = clipGradients(grads, { type: 'value', maxValue: 1 });
    expect(Array.from(clipped.dataSync())).toEqual([-1, -0.5, 0.5, 1]);
    tf.dispose([...grads, clipped]);
  });

  it('optimizers clip before the update', () => {
    const o = optimizer({ type: 'sgd', gradClipping: { type: 'norm', maxNorm: 0.1 } });
    const p = param('w', [0, 0]);
    const g = tf.tensor([3, 4]);
    o.apply([p], [g], 1);
    g.dispose();
    const out = Array.from(p.variable.dataSync());
    expect(out[0]).toBeCloseTo(-0.06, 5);
    expect(out[1]).toBeCloseTo(-0.08, 5);

    const v = optimizer({ type: 'sgd', gradClipping: { type: 'value', maxValue: 0.5 } });
    const q = param('q', [0, 0]);
    const h = tf.tensor([3, -0.25]);
    v.apply([q], [h], 1);
    h.dispose();
    expect(Array.from(q.variable.dataSync())).toEqual([-0.5, 0.25]);
  });
});

/** A two-tensor model whose gradients depend on the weights, so every bit of optimizer state matters. */
function model(): Param[] {
  return [param('dense1/kernel', [0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3]), param('dense1/bias', [0.05, -0.05, 0.1])];
}

// Seeds start at 1: tfjs treats a seed of 0 as "no seed".
function gradsAt(params: readonly Param[], step: number): tf.Tensor[] {
  return params.map((p, i) => tf.tidy(() => tf.add(tf.mul(p.variable, 0.3), tf.randomNormal(p.variable.shape, 0, 1, 'float32', 1 + 1000 * step + i))));
}

function train(o: Optimizer, params: readonly Param[], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    const grads = gradsAt(params, s);
    o.apply(params, grads, 0.01 * (1 + s));
    tf.dispose(grads);
  }
}

const CONFIGS: OptimizerConfigInput[] = [
  { type: 'sgd', weightDecay: 0.01 },
  { type: 'sgd', momentum: 0.9, nesterov: true, gradClipping: { type: 'norm', maxNorm: 1 } },
  { type: 'adam', weightDecay: 0.01 },
  { type: 'adamw', gradClipping: { type: 'value', maxValue: 0.5 } },
  { type: 'rmsprop', momentum: 0.5, centered: true },
];

describe('optimizer state', () => {
  for (const config of CONFIGS) {
    it(`${JSON.stringify(config)} resumes bit-identically after save and load`, async () => {
      const straight = model();
      const a = optimizer(config);
      train(a, straight, 0, 5);

      const resumed = model();
      const b = optimizer(config);
      train(b, resumed, 0, 2);
      const record = await b.save();
      const c = optimizer(config);
      c.load(record, resumed);
      expect(c.step).toBe(2);
      train(c, resumed, 2, 5);

      straight.forEach((p, i) => expect(resumed[i].variable.dataSync()).toEqual(p.variable.dataSync()));
    });

    it(`${JSON.stringify(config)} keeps the tensor count flat after the first step`, () => {
      const params = model();
      const o = optimizer(config);
      train(o, params, 0, 1);
      const count = tf.memory().numTensors;
      train(o, params, 1, 4);
      expect(tf.memory().numTensors).toBe(count);
    });
  }

  it('records one slot entry per param, named after the param', async () => {
    const params = model();
    const o = optimizer({ type: 'adam' });
    train(o, params, 0, 1);
    const record = await o.save();
    expect(record.type).toBe('adam');
    expect(record.step).toBe(1);
    expect(Object.keys(record.slots).sort()).toEqual(['m', 'v']);
    expect(record.slots.m.map((r) => r.name)).toEqual(['dense1/kernel', 'dense1/bias']);
    expect(record.slots.v[0].shape).toEqual([2, 3]);
  });

  it('a record saved before the first step loads and trains like a fresh optimizer', async () => {
    const straight = model();
    train(optimizer({ type: 'sgd', momentum: 0.9, dampening: 0.3 }), straight, 0, 3);
    const resumed = model();
    const fresh = optimizer({ type: 'sgd', momentum: 0.9, dampening: 0.3 });
    const loaded = optimizer({ type: 'sgd', momentum: 0.9, dampening: 0.3 });
    loaded.load(await fresh.save(), resumed);
    train(loaded, resumed, 0, 3);
    straight.forEach((p, i) => expect(resumed[i].variable.dataSync()).toEqual(p.variable.dataSync()));
  });

  it('load with a wrong shape throws naming the param', async () => {
    const small = [param('dense1/kernel', [1, 2], [1, 2]), param('dense2/kernel', [1, 2, 3, 4], [4, 1])];
    const o = optimizer({ type: 'adam' });
    train(o, small, 0, 1);
    const record = await o.save();
    const big = [param('dense1/kernel', [1, 2], [1, 2]), param('dense2/kernel', [1, 2, 3, 4, 5, 6, 7, 8], [8, 1])];
    expect(() => optimizer({ type: 'adam' }).load(record, big)).toThrow(
      "optimizer slot 'm' for param 1 'dense2/kernel': expected shape [8,1], record has [4,1]",
    );
  });

  it('load with params in another order throws naming the param', async () => {
    const params = model();
    const o = optimizer({ type: 'rmsprop' });
    train(o, params, 0, 1);
    const record = await o.save();
    expect(() => optimizer({ type: 'rmsprop' }).load(record, [params[1], params[0]])).toThrow(
      "optimizer slot 'ms' for param 0 'dense1/bias': record has 'dense1/kernel' at this position",
    );
  });

  it('load of another optimizer type throws', async () => {
    const params = model();
    const o = optimizer({ type: 'sgd' });
    train(o, params, 0, 1);
    const record = await o.save();
    expect(() => optimizer({ type: 'adam' }).load(record, params)).toThrow("record is for 'sgd', optimizer is 'adam'");
  });

  it('load of a record without a needed slot throws', async () => {
    const params = model();
    const o = optimizer({ type: 'sgd' });
    train(o, params, 0, 2);
    const record = await o.save();
    expect(() => optimizer({ type: 'sgd', momentum: 0.9 }).load(record, params)).toThrow("has no slot 'momentum'");
  });

  it('a failed load leaves the previous state intact', async () => {
    const params = model();
    const o = optimizer({ type: 'adam' });
    train(o, params, 0, 2);
    const before = await o.save();
    expect(() => o.load({ ...before, slots: { m: before.slots.m.slice(0, 1), v: before.slots.v } }, params)).toThrow('record has 1 params, model has 2');
    const after = await o.save();
    expect(after.step).toBe(2);
    expect(after.slots.m[0].data).toEqual(before.slots.m[0].data);
  });

  it('stepping with a different param list throws', () => {
    const params = model();
    const o = optimizer({ type: 'adam' });
    train(o, params, 0, 1);
    expect(() => train(o, [params[1], params[0]], 1, 2)).toThrow("optimizer state has param 0 'dense1/kernel', got 'dense1/bias'");
  });

  it('dispose frees the slot variables', () => {
    const params = model();
    const before = tf.memory().numTensors;
    const o = createOptimizer({ type: 'adam' });
    train(o, params, 0, 1);
    expect(tf.memory().numTensors).toBe(before + 4);
    o.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('optimizer config', () => {
  it('fills defaults', () => {
    expect(OptimizerConfigSchema.parse({ type: 'adamw' })).toEqual({
      type: 'adamw',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.01,
    });
    expect(createOptimizer({ type: 'sgd' }).config).toEqual({
      type: 'sgd',
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
  });

  it('rejects bad values with readable messages', () => {
    expect(() => createOptimizer({ type: 'adam', epsilon: -1 })).toThrow('epsilon must be > 0');
    expect(() => createOptimizer({ type: 'adam', beta1: 1 })).toThrow('beta1 must be in [0, 1)');
    expect(() => createOptimizer({ type: 'sgd', nesterov: true })).toThrow('nesterov needs momentum > 0 and dampening = 0');
    expect(() => createOptimizer({ type: 'rmsprop', gradClipping: { type: 'norm', maxNorm: 0 } })).toThrow('gradClipping.maxNorm must be > 0');
  });

  it('rejects unknown types and keys', () => {
    expect(() => createOptimizer({ type: 'lamb' } as unknown as OptimizerConfigInput)).toThrow('invalid optimizer config');
    expect(() => createOptimizer({ type: 'adam', lr: 0.1 } as unknown as OptimizerConfigInput)).toThrow('Unrecognized key');
  });
});
