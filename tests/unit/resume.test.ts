import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readText } from '../../src/store/base';
import { MemoryStore } from '../../src/store/memory';
import { LearnerBuilder, LossMetric, AccuracyMetric, type MetricsRenderer } from '../../src/train/index';
import { buildModel } from '../../src/train/model/build';
import { LayerSpecSchema } from '../../src/train/model/layer-spec';
import { LearnerCheckpointer } from '../../src/train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../../src/train/checkpoint/strategy/last-n';
import { blobs, loader, smallModel, weights } from './fixtures';

/** A renderer that only keeps the phases the learner announces. */
const quiet = (phases: string[] = []): MetricsRenderer => ({
  update() {},
  epochEnd() {},
  log() {},
  end() {},
  phase: (p) => void phases.push('epoch' in p ? `${p.name} ${p.epoch}` : p.name),
});

/** Trains `smallModel(1, 0.3)` (with dropout) for `epochs`, optionally resuming from a checkpoint. */
async function train(store: MemoryStore, epochs: number, checkpoint?: number, model = smallModel(1, 0.3), seed = 7, phases: string[] = []) {
  const b = new LearnerBuilder(store)
    .renderer(quiet(phases))
    .devices(['cpu'])
    .seed(seed)
    .metricTrainNumeric(new LossMetric())
    .metricValidNumeric(new LossMetric())
    .metricValidNumeric(new AccuracyMetric())
    .withFileCheckpointer()
    .numEpochs(epochs);
  if (checkpoint) b.checkpoint(checkpoint);
  const result = await b
    .build(model, { type: 'adam' }, { type: 'step', lr: 0.02, stepSize: 5, gamma: 0.5 })
    .fit(loader(blobs(64), 10, 5), loader(blobs(20, 2), 10));
  return { result, model };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('resume', () => {
  it('resumed_run_with_dropout_equals_uninterrupted_run_bit_for_bit', async () => {
    const straight = new MemoryStore();
    const { model: a } = await train(straight, 4);
    const split = new MemoryStore();
    await train(split, 2);
    const phases: string[] = [];
    const { model: b, result } = await train(split, 4, 2, smallModel(9, 0.3), 7, phases); // other init: the checkpoint must win
    expect(weights(b)).toEqual(weights(a));
    // The resume says it is loading its checkpoint before the step is built, then goes on from epoch 3.
    expect(phases.slice(0, 2)).toEqual(['restore 2', 'compile']);
    expect(phases).toContain('checkpoint 3');
    for (const f of ['valid/epoch-3/Loss.log', 'valid/epoch-4/Accuracy.log', 'train/epoch-4/Loss.log']) {
      expect(await readText(split, f)).toBe(await readText(straight, f));
    }
    expect(result.summary.metrics.train[0].entries.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Dropout is live and seeded by the learner: another seed draws other masks.
    const { model: c } = await train(new MemoryStore(), 4, undefined, smallModel(1, 0.3), 8);
    expect(weights(c)).not.toEqual(weights(a));
  });

  it('resumed_run_with_batch_normalization_restores_its_moving_statistics_bit_for_bit', async () => {
    const layers = [
      { type: 'Dense', units: 8 },
      { type: 'BatchNormalization', momentum: 0.8 },
      { type: 'Activation', activation: 'relu' },
      { type: 'Dense', units: 3 },
    ].map((l) => LayerSpecSchema.parse(l));
    const bnModel = (seed: number) => buildModel(layers, { inputShape: [4], outputs: 3 }, seed);
    const straight = new MemoryStore();
    const { model: a } = await train(straight, 3, undefined, bnModel(1));
    const split = new MemoryStore();
    await train(split, 2, undefined, bnModel(1));
    const { model: b } = await train(split, 3, 2, bnModel(5));
    // getWeights holds the moving mean and variance too: training moved them, and the checkpoint carried them.
    expect(weights(b)).toEqual(weights(a));
    const moving = a.getLayer('bn1').getWeights().slice(2);
    expect(Array.from(moving[0].dataSync()).some((v) => v !== 0)).toBe(true);
    const records = await new LearnerCheckpointer(split, new KeepLastNCheckpoints(2)).load(3);
    expect(records.state!.map((t) => t.name)).toEqual(['bn1/moving_mean', 'bn1/moving_variance']);
    expect(Array.from(records.state![0].data)).toEqual(Array.from(moving[0].dataSync()));
  });

  it('metrics_after_resume_go_to_the_resumed_epoch_folders', async () => {
    const store = new MemoryStore();
    await train(store, 2);
    const before = await readText(store, 'train/epoch-1/Loss.log');
    await train(store, 3, 2);
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe(before);
    expect(await store.list('train/epoch-3/')).toEqual(['train/epoch-3/Loss.log']);
    expect(await store.list('train/epoch-1/')).toEqual(['train/epoch-1/Loss.log']);
    expect(await readText(store, 'experiment.log')).toContain('resumed from checkpoint 2');
  });

  it('resume_replaces_logs_an_interrupted_epoch_left_behind', async () => {
    const store = new MemoryStore();
    await train(store, 2);
    await store.write('train/epoch-3/Loss.log', '9,10\n9,10\n'); // a crash mid-epoch 3
    await store.write('train/epoch-3/Stale_Metric.log', '1,1\n');
    await train(store, 3, 2);
    expect(await store.list('train/epoch-3/')).toEqual(['train/epoch-3/Loss.log']);
    // Whole lines: a real loss such as 0.7788184285163879,10 ends in '9,10' too.
    expect((await readText(store, 'train/epoch-3/Loss.log'))!.split('\n')).not.toContain('9,10');
  });

  it('checkpoint_from_another_architecture_fails_naming_the_first_mismatching_weight', async () => {
    const store = new MemoryStore();
    await train(store, 1);
    const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, name: 'hidden' }), tf.layers.dense({ units: 3, name: 'out' })] });
    await expect(train(store, 2, 1, other)).rejects.toThrow("checkpoint/model-1.mpk.gz: weight 0 'hidden/kernel': expected shape [4,8], record has [4,16]");
  });

  it('a_checkpoint_whose_files_come_from_different_saves_is_refused', async () => {
    const store = new MemoryStore();
    await train(store, 2);
    await store.write('checkpoint/scheduler-2.mpk.gz', (await store.read('checkpoint/scheduler-1.mpk.gz'))!.slice());
    // A copied file keeps its own stamp; the mismatch is caught by id.
    await expect(train(store, 3, 2)).rejects.toThrow(/checkpoint 2 is incomplete/);
    await store.delete('checkpoint/optim-2.mpk.gz');
    await expect(train(store, 3, 2)).rejects.toThrow('checkpoint/optim-2.mpk.gz: no such checkpoint record');
  });

  it('default_strategy_keeps_the_last_two_and_the_best_valid_loss', async () => {
    const store = new MemoryStore();
    const { result } = await train(store, 5);
    const best = result.summary.metrics.valid.find((m) => m.name === 'Loss')!.min.epoch;
    const expected = [...new Set([best, 4, 5])].sort();
    const files = expected.flatMap((e) => ['model', 'optim', 'scheduler'].map((k) => `checkpoint/${k}-${e}.mpk.gz`)).sort();
    expect(await store.list('checkpoint/')).toEqual(files);
  });
});
