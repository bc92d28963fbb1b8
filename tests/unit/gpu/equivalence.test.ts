import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../src/gpu/plan';
import { readModelWeights } from '../../../src/gpu/weights';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import { parseOptimizerConfig } from '../../../src/train/optim';
import { gpuOrSkip } from './device';
import { BATCH, CASES, compareCase, data, ITEM_SHAPE, ITEMS, mlp, STEPS } from './equivalence-cases';

const ctx = await gpuOrSkip();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.skipIf(!ctx)('compiled step against the tfjs step', () => {
  for (const c of CASES) {
    it(`agrees_after_${STEPS}_steps_with_a_short_last_batch: ${c.name}`, async () => {
      const r = await compareCase(ctx!.device, c);
      expect(r.loss).toBeLessThan(1e-4);
      for (const w of r.weights) {
        expect(w.moved, `${w.name} moved`).toBeGreaterThan(1e-4);
        expect(w.error, w.name).toBeLessThan(1e-4);
      }
      for (const w of r.state) {
        expect(w.moved, `${w.name} moved`).toBeGreaterThan(1e-4);
        expect(w.error, w.name).toBeLessThan(1e-4);
      }
      expect(r.validLoss).toBeLessThan(1e-4);
      expect(r.optimizerStep.gpu).toBe(r.optimizerStep.tfjs);
      expect(r.slotMismatch).toEqual([]);
      for (const s of r.slots) expect(s.error, `slot ${s.name}`).toBeLessThan(1e-4);
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
