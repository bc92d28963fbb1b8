import * as tf from '@tensorflow/tfjs';
import { parseConfusionFile } from '../../src/train/metric/confusion-matrix';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory';
import { DirectoryStore } from '../../src/store/node-dir';
import { readText, type StoreBatch } from '../../src/store/base';
import {
  AccuracyMetric,
  FBetaScoreMetric,
  IterationSpeedMetric,
  LearnerBuilder,
  LearningRateMetric,
  LossMetric,
  MetricEarlyStopping,
  PrecisionMetric,
  RecallMetric,
  regression,
  TensorMemoryMetric,
  TopKAccuracyMetric,
  type LearnerSummary,
  type LrScheduler,
  type MetricsRenderer,
} from '../../src/train/index';
import { blobs, FullAtEpoch2Store, loader, smallModel, weights } from './fixtures';

/** A schedule of SGD steps at 0.01 that jumps to 1e30 from step `from` on: the weights overflow there. */
function explodingAt(from: number): LrScheduler {
  let step = 0;
  const rate = () => (step >= from ? 1e30 : 0.01);
  return {
    config: { type: 'constant', lr: 0.01 },
    get step() {
      return step;
    },
    current: rate,
    next: () => {
      const lr = rate();
      step++;
      return lr;
    },
    save: () => ({ config: { type: 'constant', lr: 0.01 }, step }),
    load: () => {},
  };
}

/** A renderer that shows nothing; tests override the hooks they watch. */
const quiet = (): MetricsRenderer => ({ update() {}, epochEnd() {}, log() {}, end() {} });

function builder(store = new MemoryStore(), renderer: MetricsRenderer = quiet()) {
  return new LearnerBuilder(store).renderer(renderer).devices(['cpu']).metricTrainNumeric(new LossMetric()).metricValidNumeric(new LossMetric());
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('learner', () => {
  it('accumulating_k_batches_equals_one_batch_of_k_times_the_size', async () => {
    const data = blobs(32);
    const valid = loader(blobs(8, 2), 8);
    const big = smallModel();
    const small = smallModel();
    await builder().numEpochs(1).build(big, { type: 'sgd' }, 0.5).fit(loader(data, 32), valid);
    await builder().numEpochs(1).gradsAccumulation(4).build(small, { type: 'sgd' }, 0.5).fit(loader(data, 8), valid);
    const [a, b] = [weights(big), weights(small)];
    a.forEach((w, i) => w.forEach((v, j) => expect(b[i][j]).toBeCloseTo(v, 5)));
    // And the step did something: the weights moved away from the initial ones.
    expect(weights(smallModel())[0]).not.toEqual(a[0]);
  });

  it('tensor_count_after_last_epoch_equals_count_after_first', async () => {
    const counts: number[] = [];
    const renderer: MetricsRenderer = { ...quiet(), epochEnd: () => void counts.push(tf.memory().numTensors) };
    const b = new LearnerBuilder(new MemoryStore())
      .renderer(renderer)
      .devices(['cpu'])
      .numEpochs(4)
      .withFileCheckpointer()
      .gradsAccumulation(2)
      .validConfusion();
    for (const m of [
      new LossMetric(),
      new AccuracyMetric(),
      new TopKAccuracyMetric(2),
      new PrecisionMetric(),
      new RecallMetric(),
      new FBetaScoreMetric(1),
      new LearningRateMetric(),
      new IterationSpeedMetric(),
      new TensorMemoryMetric(),
    ]) {
      b.metricTrainNumeric(m);
    }
    b.metricValidNumeric(new LossMetric()).metricValidNumeric(new AccuracyMetric());
    const train = loader(blobs(90), 16, 3);
    await b.build(smallModel(1, 0.2), { type: 'adamw' }, { type: 'cosine', lr: 0.01, steps: 20 }).fit(train, loader(blobs(20, 2), 16));
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
  });

  it('records_the_valid_confusion_matrix_whose_diagonal_is_the_logged_valid_accuracy', async () => {
    const store = new MemoryStore();
    await builder(store)
      .numEpochs(2)
      .metricValidNumeric(new AccuracyMetric())
      .validConfusion(['a', 'b', 'c'])
      .build(smallModel(), { type: 'adam' }, 0.05)
      .fit(loader(blobs(60), 16, 1), loader(blobs(30, 2), 16));
    for (const epoch of [1, 2]) {
      const path = `valid/epoch-${epoch}/ConfusionMatrix.json`;
      const file = parseConfusionFile(new TextDecoder().decode((await store.read(path))!), path);
      expect(file).toMatchObject({ epoch, split: 'valid', classNames: ['a', 'b', 'c'] });
      const items = file.matrix.flat().reduce((a, b) => a + b, 0);
      expect(items).toBe(30);
      const lines = new TextDecoder()
        .decode((await store.read(`valid/epoch-${epoch}/Accuracy.log`))!)
        .trim()
        .split('\n');
      const logged = lines.map((l) => l.split(',').map(Number)).reduce((s, [v, c]) => s + v * c, 0) / items;
      expect((100 * file.matrix.reduce((n, row, c) => n + row[c], 0)) / items).toBeCloseTo(logged, 9);
    }
  });

  it('writes_one_line_per_iteration_in_burn_format', async () => {
    const store = new MemoryStore();
    await builder(store)
      .numEpochs(2)
      .metricTrainNumeric(new AccuracyMetric())
      .build(smallModel(), { type: 'adam' }, 0.01)
      .fit(loader(blobs(50), 16, 1), loader(blobs(10, 2), 16));
    const lines = (await readText(store, 'train/epoch-2/Accuracy.log'))!.trim().split('\n');
    expect(lines).toHaveLength(4); // 16 + 16 + 16 + 2
    expect(lines[3]).toMatch(/^\d+(\.\d+)?,2$/);
    expect(await store.list('valid/epoch-1/')).toEqual(['valid/epoch-1/Loss.log']);
    const log = (await readText(store, 'experiment.log'))!;
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO kiln::learner: backend cpu/m);
    expect(log).toContain('training ended after epoch 2: completed');
  });

  it('interrupter_stops_at_the_next_iteration_without_checkpointing_the_epoch', async () => {
    const store = new MemoryStore();
    let b: LearnerBuilder;
    const renderer: MetricsRenderer = { ...quiet(), update: (_s, p) => void (p.iteration === 2 && b.interrupter().stop('user pressed Stop')) };
    b = builder(store, renderer).numEpochs(3).withFileCheckpointer();
    const result = await b.build(smallModel(), { type: 'adam' }, 0.01).fit(loader(blobs(200), 10, 1), loader(blobs(10, 2), 10));
    expect(result.reason).toContain('user pressed Stop');
    expect(result.epoch).toBe(0);
    expect(await store.list('checkpoint/')).toEqual([]);
    // A few iterations may already be in flight when the request lands, never the whole epoch.
    const lines = (await readText(store, 'train/epoch-1/Loss.log'))!.trim().split('\n');
    expect(lines.length).toBeLessThan(20);
  });

  it('a_loss_that_goes_non_finite_fails_the_fit_naming_where_and_keeps_the_last_good_checkpoint', async () => {
    const store = new MemoryStore();
    const fit = builder(store)
      .numEpochs(4)
      .withFileCheckpointer()
      .build(smallModel(), { type: 'sgd' }, explodingAt(20))
      .fit(loader(blobs(200), 10), loader(blobs(20, 2), 10));
    await expect(fit).rejects.toThrow(
      /^the train loss is (NaN|Infinity) at epoch 2, iteration \d+: training stopped \(try a lower learning rate, or check the data\); the checkpoints of epochs up to 1 are kept$/,
    );
    expect((await store.list('checkpoint/')).filter((p) => p.startsWith('checkpoint/model-'))).toEqual(['checkpoint/model-1.mpk.gz']);
    expect(await readText(store, 'experiment.log')).toMatch(/ERROR .*training failed after epoch 1: the train loss is/);
  });

  it('with_on_non_finite_warn_training_goes_on_warning_once_per_epoch_and_split_and_the_summary_counts', async () => {
    const store = new MemoryStore();
    const warnings: string[] = [];
    let ended: LearnerSummary | undefined;
    const renderer: MetricsRenderer = { ...quiet(), warning: (m) => void warnings.push(m), end: (s) => void (ended = s) };
    const result = await builder(store, renderer)
      .numEpochs(3)
      .withFileCheckpointer()
      .onNonFinite('warn')
      .summary()
      .build(smallModel(), { type: 'sgd' }, explodingAt(25))
      .fit(loader(blobs(200), 10), loader(blobs(20, 2), 10));
    expect(result.reason).toBe('completed');
    expect(result.epoch).toBe(3);
    // What the logs hold is what the warnings and the summary count.
    const bad = async (split: string, epoch: number) =>
      (await readText(store, `${split}/epoch-${epoch}/Loss.log`))!
        .trim()
        .split('\n')
        .filter((l) => !Number.isFinite(Number(l.split(',')[0]))).length;
    expect(await bad('train', 1)).toBe(0);
    const counts = { train: (await bad('train', 2)) + (await bad('train', 3)), valid: (await bad('valid', 2)) + (await bad('valid', 3)) };
    expect(await bad('train', 2)).toBeGreaterThan(0);
    expect(counts.valid).toBeGreaterThan(0);
    expect(result.summary.nonFinite).toEqual(counts);
    expect(ended?.nonFinite).toEqual(counts);
    const log = (await readText(store, 'experiment.log'))!;
    const logged = log.split('\n').filter((l) => / WARN kiln::learner: the (train|valid) loss was NaN or infinite/.test(l));
    expect(logged.map((l) => l.replace(/^.* kiln::learner: /, ''))).toEqual(warnings);
    expect(warnings[0]).toMatch(
      new RegExp(`^the train loss was NaN or infinite in ${await bad('train', 2)} of 20 iterations of epoch 2 \\(first at iteration \\d+\\); training goes on`),
    );
    // One per split and epoch that had any: epoch 2 and 3, train and valid.
    expect(
      warnings.map((w) =>
        w
          .match(/the (\w+) loss .* of epoch (\d)/)!
          .slice(1)
          .join(' '),
      ),
    ).toEqual(['train 2', 'valid 2', 'train 3', 'valid 3']);
    expect(log).toContain(`The loss was NaN or infinite in ${counts.train} train iterations and ${counts.valid} valid iterations`);
    expect(log).toMatch(/INFO kiln::learner: epoch 3\/3 train \{"Loss":"(NaN|Infinity)"/);
    expect(log).toContain('training ended after epoch 3: completed');
  });

  it('early_stopping_ends_training_when_valid_loss_stops_improving', async () => {
    const store = new MemoryStore();
    const result = await builder(store)
      .numEpochs(10)
      .earlyStopping(new MetricEarlyStopping({ metric: 'Loss', direction: 'lowest', patience: 2, minDelta: 0.5 }))
      .build(smallModel(), { type: 'sgd' }, 1e-6)
      .fit(loader(blobs(40), 20, 1), loader(blobs(20, 2), 20));
    expect(result.epoch).toBe(3);
    expect(result.reason).toMatch(/^early stopping: valid Loss has not improved/);
    expect(await store.list('train/epoch-4/')).toEqual([]);
  });

  it('summary_reports_min_max_and_their_epochs_per_split', async () => {
    const result = await builder()
      .numEpochs(3)
      .metricValidNumeric(new AccuracyMetric())
      .build(smallModel(), { type: 'adam' }, 0.05)
      .fit(loader(blobs(120), 20, 1), loader(blobs(60, 2), 20));
    expect(result.summary.epochs).toBe(3);
    const loss = result.summary.metrics.train.find((m) => m.name === 'Loss')!;
    expect(loss.entries.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(loss.min.value).toBe(Math.min(...loss.entries.map((e) => e.value)));
    expect(loss.min.epoch).toBe(3); // training loss falls on a separable problem
    expect(result.summary.metrics.valid.map((m) => m.name)).toEqual(['Loss', 'Accuracy']);
  });

  it('trains_a_single_sigmoid_unit_as_a_binary_classifier', async () => {
    const data = blobs(120);
    const binary = { ...data, y: data.y.map((c) => (c === 0 ? 1 : 0)), numClasses: 2 };
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1, activation: 'sigmoid', name: 'logit' })] });
    const result = await builder()
      .numEpochs(8)
      .metricValidNumeric(new AccuracyMetric())
      .build(model, { type: 'adam' }, 0.1)
      .fit(loader(binary, 20, 1), loader(binary, 40));
    const accuracy = result.summary.metrics.valid.find((m) => m.name === 'Accuracy')!;
    expect(accuracy.max.value).toBeGreaterThan(85); // "largest of three" is nearly linear for one class
  });

  it('a_softmax_output_model_reports_the_same_loss_as_its_logits_twin', async () => {
    const build = (activation: 'linear' | 'softmax') =>
      tf.sequential({
        layers: [tf.layers.dense({ inputShape: [4], units: 3, activation, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) })],
      });
    const firstLoss = async (activation: 'linear' | 'softmax') => {
      const store = new MemoryStore();
      await builder(store)
        .numEpochs(1)
        .build(build(activation), { type: 'sgd' }, 0.1)
        .fit(loader(blobs(20), 10), loader(blobs(10, 2), 10));
      return (await readText(store, 'train/epoch-1/Loss.log'))!
        .split('\n')
        .slice(0, 2)
        .map((l) => Number(l.split(',')[0]));
    };
    const [logits, probs] = [await firstLoss('linear'), await firstLoss('softmax')];
    logits.forEach((v, i) => expect(probs[i]).toBeCloseTo(v, 5));
  });

  it('a_directory_store_writes_the_artifacts_into_that_directory', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kiln-dir-')), 'run');
    await new LearnerBuilder(new DirectoryStore(dir))
      .renderer(quiet())
      .devices(['cpu'])
      .metricValidNumeric(new LossMetric())
      .withFileCheckpointer()
      .build(smallModel(), { type: 'adam' }, 0.01)
      .fit(loader(blobs(20), 10), loader(blobs(10, 2), 10));
    expect(readFileSync(join(dir, 'valid/epoch-1/Loss.log'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'checkpoint/model-1.mpk.gz'))).toBe(true);
  });

  it('regression_fits_a_linear_target_with_mean_squared_error', async () => {
    const data = blobs(200);
    // y = 2·x0 - x1 + 0.5
    const y = Float32Array.from({ length: 200 }, (_, i) => 2 * data.x[i * 4] - data.x[i * 4 + 1] + 0.5);
    const target = { x: data.x, itemShape: [4], y };
    // Seeded: from some random initial weights one epoch already brings the valid loss under 0.1.
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 1, name: 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) })],
    });
    const result = await builder()
      .numEpochs(15)
      .build(regression(model), { type: 'adam' }, 0.1)
      .fit(loader(target, 20, 1), loader(target, 50));
    const loss = result.summary.metrics.valid.find((m) => m.name === 'Loss')!;
    expect(loss.entries[0].value).toBeGreaterThan(0.1);
    expect(loss.min.value).toBeLessThan(1e-3);
    const [w] = model.getWeights();
    const expected = [2, -1, 0, 0];
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 1));
  });

  it('writes_each_checkpoint_while_the_next_epoch_trains_and_ends_the_fit_once_the_last_has_landed', async () => {
    // A store whose checkpoint writes wait until the next epoch has been logged (or 5 s): a
    // learner that waited for each write would stall here, and write epoch 1 before epoch 2.
    class SlowStore extends MemoryStore {
      readonly trainedDuring: boolean[] = [];
      override async commit(batch: StoreBatch): Promise<void> {
        const epoch = Number(/-(\d+)\.mpk\.gz$/.exec(batch.write?.[0]?.path ?? '')?.[1]);
        if (epoch) {
          const started = Date.now();
          while (!(await this.logged(`epoch ${epoch + 1}/`)) && epoch < 3 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
          this.trainedDuring.push(await this.logged(`epoch ${epoch + 1}/`));
        }
        return super.commit(batch);
      }
      private async logged(text: string): Promise<boolean> {
        return ((await readText(this, 'experiment.log')) ?? '').includes(text);
      }
    }
    const store = new SlowStore();
    await builder(store)
      .numEpochs(3)
      .withFileCheckpointer()
      .build(smallModel(), { type: 'adam' }, 0.01)
      .fit(loader(blobs(40), 10), loader(blobs(10, 2), 10));
    expect(store.trainedDuring).toEqual([true, true, false]);
    const log = (await readText(store, 'experiment.log'))!;
    const at = (text: string) => log.indexOf(text);
    expect(at('epoch 2/3')).toBeLessThan(at('saved checkpoint 1'));
    // The last checkpoint is all there (the fit waited for it) before the run's end is logged.
    expect(at('saved checkpoint 3')).toBeLessThan(at('training ended'));
    expect(await store.list('checkpoint/')).toContain('checkpoint/scheduler-3.mpk.gz');
  });

  it('a_checkpoint_that_cannot_be_written_fails_the_fit_with_its_error_and_keeps_the_earlier_ones', async () => {
    const store = new FullAtEpoch2Store();
    const fit = builder(store)
      .numEpochs(4)
      .withFileCheckpointer()
      .build(smallModel(), { type: 'adam' }, 0.01)
      .fit(loader(blobs(40), 10), loader(blobs(10, 2), 10));
    await expect(fit).rejects.toThrow('disk full');
    expect((await store.list('checkpoint/')).filter((p) => p.startsWith('checkpoint/model-'))).toEqual(['checkpoint/model-1.mpk.gz']);
    // Two checkpoints may be in flight: checkpoint 2's write fails while epoch 3 trains and its
    // checkpoint queues behind it; epoch 4's checkpoint waits for it and fails the fit.
    expect(await readText(store, 'experiment.log')).toMatch(/ERROR kiln::learner: training failed after epoch 4: disk full/);
    expect(await readText(store, 'experiment.log')).not.toMatch(/saved checkpoint [234]/);
  });

  it('fit_reports_a_backend_that_is_not_available', async () => {
    const store = new MemoryStore();
    const learner = builder(store).devices(['webgpu']).build(smallModel(), { type: 'adam' }, 0.01);
    await expect(learner.fit(loader(blobs(10), 5), loader(blobs(5, 2), 5))).rejects.toThrow(/no usable backend among \[webgpu\]: webgpu: not registered/);
    expect(await readText(store, 'experiment.log')).toMatch(/ERROR kiln::learner: training failed/);
  });
});
