import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dropoutKeeps, dropoutKernel } from '../../../src/gpu/kernels/dropout';
import { planModel } from '../../../src/gpu/plan';
import { readModelWeights } from '../../../src/gpu/weights';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import { createModel } from '../../../src/train/model';
import { parseOptimizerConfig } from '../../../src/train/optim';
import { gpuOrSkip, readFloats, runKernels, stepRecord, storage } from './device';
import { randoms, relError } from './reference';

const ctx = await gpuOrSkip();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs the standalone dropout over a [rows, cols] region (row stride ld) of ones; returns the buffer. */
async function dropOnes(rows: number, cols: number, ld: number, rate: number, seed: number): Promise<Float32Array> {
  const x = storage(ctx!, new Float32Array(rows * ld).fill(1));
  await runKernels(ctx!, [
    [dropoutKernel({ rate, salt: 4 }, { rows, cols, ld, offset: 0 }, ctx!.limits.maxInvocations), { x, step: stepRecord(ctx!, { seed }) }],
  ]);
  return readFloats(ctx!, x, rows * ld);
}

describe.skipIf(!ctx)('dropout', () => {
  it('keeps_about_one_minus_rate_scales_survivors_and_matches_the_host_mirror_bit_for_bit', async () => {
    const [rows, cols, ld, rate] = [40, 50, 53, 0.3];
    const got = await dropOnes(rows, cols, ld, rate, 123);
    let kept = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < ld; c++) {
        const v = got[r * ld + c];
        if (c >= cols) expect(v).toBe(1);
        else {
          expect(v !== 0).toBe(dropoutKeeps(123, 4, r * cols + c, rate));
          if (v !== 0) kept++, expect(v).toBe(Math.fround(1 / 0.7));
        }
      }
    }
    expect(Math.abs(kept / (rows * cols) - 0.7)).toBeLessThan(0.03);
  });

  it('draws_the_same_mask_for_a_seed_and_a_different_one_for_another', async () => {
    const a = await dropOnes(30, 30, 30, 0.5, 7);
    const b = await dropOnes(30, 30, 30, 0.5, 7);
    const c = await dropOnes(30, 30, 30, 0.5, 8);
    expect(Array.from(b)).toEqual(Array.from(a));
    const differ = a.filter((v, i) => v !== c[i]).length / a.length;
    expect(differ).toBeGreaterThan(0.4); // independent masks differ in half the places
  });

  for (const activation of ['relu', 'tanh'] as const) {
    it(`applies_one_mask_in_the_forward_and_backward_pass_of_a_${activation}_layer`, async () => {
      const [items, batch, rate, seed, lr] = [20, 6, 0.3, 11, 0.5];
      const model = createModel({ type: 'mlp', hidden: [16], activation, dropout: rate }, { inputShape: [3, 4], outputs: 5 }, 2);
      const r = planModel(model, 'classification');
      if (!r.ok) throw new Error(r.reason);
      const salt = r.plan.layers[0].dropout!.salt;
      const x = randoms(items * 12, 3);
      const y = Int32Array.from(randoms(items, 4), (v) => Math.floor(((v + 1) / 2) * 5));
      const t = await CompiledTrainer.create(ctx!.device, r.plan, { batchSize: batch, optimizer: parseOptimizerConfig({ type: 'sgd' }), seed });
      const initial = readModelWeights(model);
      t.writeWeights(initial);
      await t.uploadDataset('train', x, y);
      // The reference: the same step in tfjs ops, the dropout mask taken from the host mirror.
      const vars = initial.map((w, i) => tf.variable(tf.tensor(w, model.trainableWeights[i].shape as number[])));
      const act = activation === 'relu' ? tf.relu : tf.tanh;
      const steps = Math.ceil(items / batch);
      const ids: number[] = [];
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) {
        const rows = Math.min(batch, items - s * batch);
        const id = t.trainStep(s, { lr });
        ids.push(id);
        const mask = tf.tensor2d(
          Array.from({ length: rows * 16 }, (_, i) => (dropoutKeeps(seed + id, salt, i, rate) ? Math.fround(1 / (1 - rate)) : 0)),
          [rows, 16],
        );
        const bx = tf.tensor2d(x.subarray(s * batch * 12, (s * batch + rows) * 12), [rows, 12]);
        const labels = tf.oneHot(tf.tensor1d(y.subarray(s * batch, s * batch + rows), 'int32'), 5);
        const { value, grads } = tf.variableGrads(() => {
          const h = tf.mul(act(tf.add(tf.matMul(bx, vars[0]), vars[1])), mask);
          return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, vars[2]), vars[3])) as tf.Scalar;
        }, vars);
        losses.push(value.dataSync()[0]);
        vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], lr))));
        tf.dispose([mask, bx, labels, value, ...Object.values(grads)]);
      }
      const stats = await t.readStats(ids[0], steps);
      expect(
        relError(
          ids.map((_, i) => stats[i * 4] / stats[i * 4 + 2]),
          losses,
        ),
      ).toBeLessThan(1e-5);
      const gpu = (await t.readWeights()).flatMap((w) => Array.from(w));
      const want = vars.flatMap((v) => Array.from(v.dataSync()));
      expect(relError(gpu, want)).toBeLessThan(1e-5);
      tf.dispose(vars);
      t.destroy();
    });
  }

  it('masks_convolution_and_pooling_outputs_by_item_and_flat_position_in_both_passes', async () => {
    const [items, batch, rate, seed, lr] = [10, 4, 0.25, 5, 0.3];
    const init = (k: number) => tf.initializers.glorotUniform({ seed: k });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dropout({ rate }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dropout({ rate }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, kernelInitializer: init(2) }),
      ],
    });
    const r = planModel(model, 'classification');
    if (!r.ok) throw new Error(r.reason);
    const [convSalt, poolSalt] = [r.plan.layers[0].dropout!.salt, r.plan.layers[1].dropout!.salt];
    const x = randoms(items * 72, 13);
    const y = Int32Array.from(randoms(items, 14), (v) => Math.floor(((v + 1) / 2) * 4));
    const t = await CompiledTrainer.create(ctx!.device, r.plan, { batchSize: batch, optimizer: parseOptimizerConfig({ type: 'sgd' }), seed });
    const initial = readModelWeights(model);
    t.writeWeights(initial);
    await t.uploadDataset('train', x, y);
    const vars = initial.map((w, i) => tf.variable(tf.tensor(w, model.trainableWeights[i].shape as number[])));
    const mask = (id: number, salt: number, shape: number[]) =>
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (dropoutKeeps(seed + id, salt, i, rate) ? Math.fround(1 / (1 - rate)) : 0)),
        shape,
      );
    const ids: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < Math.ceil(items / batch); s++) {
      const rows = Math.min(batch, items - s * batch);
      const id = t.trainStep(s, { lr });
      ids.push(id);
      const [m1, m2] = [mask(id, convSalt, [rows, 6, 6, 3]), mask(id, poolSalt, [rows, 3, 3, 3])];
      const bx = tf.tensor4d(x.subarray(s * batch * 72, (s * batch + rows) * 72), [rows, 6, 6, 2]);
      const labels = tf.oneHot(tf.tensor1d(y.subarray(s * batch, s * batch + rows), 'int32'), 4);
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.mul(tf.relu(tf.add(tf.conv2d(bx, vars[0] as tf.Tensor4D, 1, 'same'), vars[1])), m1) as tf.Tensor4D;
        const p = tf.reshape(tf.mul(tf.maxPool(h, 2, 2, 'valid'), m2), [rows, 27]);
        return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(p, vars[2]), vars[3])) as tf.Scalar;
      }, vars);
      losses.push(value.dataSync()[0]);
      vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], lr))));
      tf.dispose([m1, m2, bx, labels, value, ...Object.values(grads)]);
    }
    const stats = await t.readStats(ids[0], ids.length);
    expect(
      relError(
        ids.map((_, i) => stats[i * 4] / stats[i * 4 + 2]),
        losses,
      ),
    ).toBeLessThan(1e-5);
    const gpu = await t.readWeights();
    vars.forEach((v, i) => expect(relError(gpu[i], v.dataSync()), r.plan.weights[i].name).toBeLessThan(1e-5));
    tf.dispose(vars);
    t.destroy();
  });
});
