import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { registerNodeWebGpu } from '../../../src/cli/webgpu-node';
import { selectRows, type TensorData } from '../../../src/data/dataset';
import { MemoryStore } from '../../../src/store/memory';
import { LearnerBuilder } from '../../../src/train/learner/builder';
import type { EngineChoice } from '../../../src/train/learner/engine';
import { TrainingInterrupter } from '../../../src/train/learner/interrupter';
import { AccuracyMetric, FBetaScoreMetric, LossMetric, MaeMetric, PrecisionMetric, RecallMetric, TopKAccuracyMetric } from '../../../src/train/metric';
import type { Metric } from '../../../src/train/metric/base';
import { parseConfusionFile } from '../../../src/train/metric/confusion-matrix';
import { classification, regression } from '../../../src/train/model/layers';
import { CompiledStepEngine } from '../../../src/gpu/engine';
import { compiledWebGpu } from '../../../src/gpu/factory';
import { tfjsStep } from '../../../src/train/step/tfjs';
import { createOptimizer } from '../../../src/train/optim';
import { NoopRenderer } from '../../../src/train/renderer/console';
import type { MetricsRenderer } from '../../../src/train/renderer/base';
import { blobs, loader, smallModel, weights } from '../fixtures';

let skip = '';
beforeAll(async () => {
  await registerNodeWebGpu().catch((e: Error) => (skip = e.message));
  if (skip) console.warn(`compiled-engine tests skipped: ${skip}`);
  await tf.setBackend('cpu'); // models are built on cpu; each fit moves to its backend
});

const data = blobs(90, 4);
const train = selectRows(
  data,
  Int32Array.from({ length: 70 }, (_, i) => i),
);
const valid = selectRows(
  data,
  Int32Array.from({ length: 20 }, (_, i) => 70 + i),
);

/** A metric log's values, per line. */
async function logged(store: MemoryStore, path: string): Promise<number[]> {
  const text = new TextDecoder().decode((await store.read(path)) ?? new Uint8Array());
  return text
    .trim()
    .split('\n')
    .map((l) => Number(l.split(',')[0]));
}

const relError = (a: number[], b: number[]) =>
  Math.sqrt(
    a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) /
      Math.max(
        1e-30,
        b.reduce((s, v) => s + v * v, 0),
      ),
  );

/** Two epochs of Adam on the blobs, batch 16 (the last batch of each epoch is short), gradients over 2 batches. */
async function fit(
  backend: string,
  engine: EngineChoice,
  o: {
    store?: MemoryStore;
    resumeFrom?: number;
    extra?: () => Metric[];
    model?: tf.LayersModel;
    confusion?: boolean;
    renderer?: MetricsRenderer;
    interrupter?: TrainingInterrupter;
  } = {},
) {
  const store = o.store ?? new MemoryStore();
  const builder = new LearnerBuilder(store)
    .metricTrainNumeric(new LossMetric())
    .metricTrainNumeric(new AccuracyMetric())
    .metricValidNumeric(new LossMetric())
    .metricValidNumeric(new AccuracyMetric())
    .renderer(o.renderer ?? new NoopRenderer())
    .withFileCheckpointer()
    .gradsAccumulation(2)
    .numEpochs(2)
    .devices([backend])
    .engines([compiledWebGpu(), tfjsStep()])
    .engine(engine)
    .seed(7);
  for (const m of o.extra?.() ?? []) builder.metricTrainNumeric(m);
  for (const m of o.extra?.() ?? []) builder.metricValidNumeric(m);
  if (o.resumeFrom !== undefined) builder.checkpoint(o.resumeFrom);
  if (o.confusion) builder.validConfusion();
  if (o.interrupter) builder.withInterrupter(o.interrupter);
  const model = o.model ?? smallModel(3);
  const result = await builder.build(model, { type: 'adam' }, 0.01).fit(loader(train, 16, 5), loader(valid, 16));
  const log = new TextDecoder().decode((await store.read('experiment.log'))!);
  return { store, log, weights: weights(result.model), model: result.model, startup: result.startup };
}

describe('the compiled WebGPU engine in the Learner', () => {
  it('trains_like_the_tfjs_step_on_cpu_and_logs_which_engine_ran', async () => {
    if (skip) return;
    const gpu = await fit('webgpu', 'auto');
    // On Mesa's llvmpipe (these machines) the log also says that tiles were not autotuned there.
    expect(gpu.log).toMatch(
      /backend webgpu, engine compiled \(8 steps per submit, data resident on the GPU(; software adapter \(llvmpipe\): GEMM tiles not autotuned)?\)/,
    );
    // The log says where the time to the first step went: the compiled step's parts named, and they add up.
    expect(gpu.log).toMatch(
      /first step \d+ ms after fit\(\): backend \d+ ms, setup \d+ ms, engine \d+ ms \(policy \d+, tuning \d+, pipelines \d+, weights \d+\), upload \d+ ms, first step \d+ ms/,
    );
    const { backend, setup, engine, upload, firstStep, total } = gpu.startup!;
    expect(backend + setup + engine + upload + firstStep).toBeCloseTo(total, 6);
    const cpu = await fit('cpu', 'tfjs');
    expect(cpu.log).toContain('backend cpu, engine tfjs (chosen)');
    expect(cpu.log).toMatch(/first step \d+ ms after fit\(\): backend \d+ ms, setup \d+ ms, engine \d+ ms, upload \d+ ms, first step \d+ ms/);
    for (const path of ['train/epoch-1/Loss.log', 'train/epoch-2/Loss.log', 'valid/epoch-2/Loss.log']) {
      expect(relError(await logged(gpu.store, path), await logged(cpu.store, path))).toBeLessThan(1e-4);
    }
    expect(await logged(gpu.store, 'train/epoch-2/Accuracy.log')).toEqual(await logged(cpu.store, 'train/epoch-2/Accuracy.log'));
    expect(relError(gpu.weights.flat(), cpu.weights.flat())).toBeLessThan(1e-4);
    // The checkpoint holds the compiled run's weights (copied back at the epoch's end).
    expect(await gpu.store.read('checkpoint/model-2.mpk.gz')).toBeTruthy();
    gpu.model.dispose();
    cpu.model.dispose();
  });

  it('counts_each_epochs_confusion_matrix_on_the_gpu_as_it_validates', async () => {
    if (skip) return;
    const gpu = await fit('webgpu', 'auto', { confusion: true });
    const cpu = await fit('cpu', 'tfjs', { confusion: true });
    expect(gpu.log).toContain('engine compiled');
    for (const epoch of [1, 2]) {
      const path = `valid/epoch-${epoch}/ConfusionMatrix.json`;
      const { matrix } = parseConfusionFile(new TextDecoder().decode((await gpu.store.read(path))!), path);
      // The accuracy the compiled step counted on the GPU during that epoch's validation.
      const accuracy = await logged(gpu.store, `valid/epoch-${epoch}/Accuracy.log`);
      const correct = Math.round((accuracy[0] * 16 + accuracy[1] * 4) / 100);
      expect(matrix.reduce((n, row, c) => n + row[c], 0)).toBe(correct);
      expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(20);
      // Counted on the GPU as it validated, it is the matrix of the tfjs step's forward pass.
      const tfjs = parseConfusionFile(new TextDecoder().decode((await cpu.store.read(path))!), path);
      expect(matrix).toEqual(tfjs.matrix);
    }
    gpu.model.dispose();
    cpu.model.dispose();
  });

  it('resumes_a_compiled_run_from_its_checkpoint_with_weights_and_optimizer_state', async () => {
    if (skip) return;
    const whole = await fit('webgpu', 'compiled');
    const store = new MemoryStore();
    const first = await fit('webgpu', 'compiled', { store });
    first.model.dispose();
    // A new learner from checkpoint 1: the optimizer's moments and step must come back too.
    const resumed = await fit('webgpu', 'compiled', { store, resumeFrom: 1 });
    expect(relError(resumed.weights.flat(), whole.weights.flat())).toBeLessThan(1e-5);
    expect(await logged(store, 'train/epoch-2/Loss.log')).toEqual(await logged(whole.store, 'train/epoch-2/Loss.log'));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('queues_the_next_epochs_steps_before_the_last_epochs_end_is_processed', async () => {
    if (skip) return;
    const events: string[] = [];
    const original = CompiledStepEngine.prototype.train;
    const spy = vi.spyOn(CompiledStepEngine.prototype, 'train').mockImplementation(function (this: CompiledStepEngine, ...args) {
      events.push('step');
      return original.apply(this, args);
    });
    const renderer: MetricsRenderer = { update() {}, log() {}, end() {}, epochEnd: (epoch) => void events.push(`end ${epoch}`) };
    try {
      const run = await fit('webgpu', 'compiled', { renderer });
      run.model.dispose();
    } finally {
      spy.mockRestore();
    }
    // 70 items in batches of 16: 5 steps an epoch. Epoch 2's first step is queued before epoch 1's
    // end (its means, log line and checkpoint) is processed; the checkpoint still holds epoch 1
    // (see the resume test), read in queue order.
    expect(events.filter((e) => e === 'step').length).toBe(10);
    expect(events.indexOf('end 1')).toBeGreaterThan(5);
    expect(events.at(-1)).toBe('end 2');
  });

  it('keeps_the_last_epochs_checkpoint_when_stopped_while_its_end_is_still_being_processed', async () => {
    if (skip) return;
    // Stop at epoch 2's second step: epoch 1's end (its log line, its checkpoint) may not have been
    // reached yet; it is before the fit ends, and epoch 2 is not checkpointed.
    const interrupter = new TrainingInterrupter();
    const original = CompiledStepEngine.prototype.train;
    let steps = 0;
    const spy = vi.spyOn(CompiledStepEngine.prototype, 'train').mockImplementation(function (this: CompiledStepEngine, ...args) {
      if (++steps === 7) interrupter.stop('user pressed Stop');
      return original.apply(this, args);
    });
    const store = new MemoryStore();
    try {
      const run = await fit('webgpu', 'compiled', { store, interrupter });
      run.model.dispose();
      expect(run.log).toContain('training ended after epoch 1: interrupted: user pressed Stop (epoch 2 not checkpointed)');
      expect(run.log).toMatch(/epoch 1\/2 train \{"Loss":[\d.]+,"Accuracy":[\d.]+\} valid/);
    } finally {
      spy.mockRestore();
    }
    expect(await store.list('checkpoint/')).toEqual(['checkpoint/model-1.mpk.gz', 'checkpoint/optim-1.mpk.gz', 'checkpoint/scheduler-1.mpk.gz']);
    // The checkpoint holds epoch 1's weights: a run resumed from it goes on as an unbroken one.
    const whole = await fit('webgpu', 'compiled');
    const resumed = await fit('webgpu', 'compiled', { store, resumeFrom: 1 });
    expect(relError(resumed.weights.flat(), whole.weights.flat())).toBeLessThan(1e-5);
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('writes_every_checkpoint_and_log_line_in_epoch_order_before_the_fit_returns_however_slow_the_store', async () => {
    if (skip) return;
    // A store whose commits take a while: the last epochs' ends must still be processed one after
    // the other (one checkpoint at a time), and all of them land before fit() resolves.
    class SlowStore extends MemoryStore {
      override async commit(batch: Parameters<MemoryStore['commit']>[0]): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return super.commit(batch);
      }
    }
    const store = new SlowStore();
    const builder = new LearnerBuilder(store)
      .metricTrainNumeric(new LossMetric())
      .renderer(new NoopRenderer())
      .withFileCheckpointer()
      .numEpochs(4)
      .devices(['webgpu'])
      .engines([compiledWebGpu(), tfjsStep()])
      .engine('compiled')
      .seed(7);
    const result = await builder.build(smallModel(3), { type: 'adam' }, 0.01).fit(loader(train, 16, 5), loader(valid, 16));
    result.model.dispose();
    const log = new TextDecoder().decode((await store.read('experiment.log'))!);
    const order = [...log.matchAll(/(epoch \d)\/4 train|(saved|deleted) checkpoint (\d)/g)].map((m) => m[1] ?? `${m[2]} ${m[3]}`);
    // Writes land in the background (a later epoch's line may come first), but in order, each after its epoch's line.
    expect(order.filter((x) => x.startsWith('epoch'))).toEqual(['epoch 1', 'epoch 2', 'epoch 3', 'epoch 4']);
    expect(order.filter((x) => !x.startsWith('epoch'))).toEqual(['saved 1', 'saved 2', 'saved 3', 'deleted 1', 'saved 4', 'deleted 2']);
    for (const n of [1, 2, 3, 4]) expect(order.indexOf(`saved ${n}`)).toBeGreaterThan(order.indexOf(`epoch ${n}`));
    expect((await store.list('checkpoint/')).sort()).toEqual(
      ['model-3', 'model-4', 'optim-3', 'optim-4', 'scheduler-3', 'scheduler-4'].map((f) => `checkpoint/${f}.mpk.gz`).sort(),
    );
  });

  it('resumes_a_run_with_dropout_drawing_the_masks_an_unbroken_run_draws', async () => {
    if (skip) return;
    const model = () => smallModel(3, 0.3);
    const whole = await fit('webgpu', 'compiled', { model: model() });
    expect(whole.log).toContain('engine compiled');
    const store = new MemoryStore();
    (await fit('webgpu', 'compiled', { store, model: model() })).model.dispose();
    const resumed = await fit('webgpu', 'compiled', { store, resumeFrom: 1, model: model() });
    expect(relError(resumed.weights.flat(), whole.weights.flat())).toBeLessThan(1e-5);
    expect(await logged(store, 'train/epoch-2/Loss.log')).toEqual(await logged(whole.store, 'train/epoch-2/Loss.log'));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('trains_a_regression_with_mae_on_the_compiled_step', async () => {
    if (skip) return;
    const targets: TensorData = { ...train, y: Float32Array.from(train.y, (c, i) => c + train.x[i * 4]), numClasses: undefined };
    const store = new MemoryStore();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
    const result = await new LearnerBuilder(store)
      .metricTrainNumeric(new LossMetric())
      .metricTrainNumeric(new MaeMetric())
      .renderer(new NoopRenderer())
      .numEpochs(3)
      .devices(['webgpu'])
      .engines([compiledWebGpu(), tfjsStep()])
      .seed(2)
      .build(regression(model), { type: 'sgd', momentum: 0.9 }, 0.05)
      .fit(loader(targets, 16, 1), loader(targets, 16));
    const log = new TextDecoder().decode((await store.read('experiment.log'))!);
    expect(log).toContain('engine compiled');
    const mae = await logged(store, 'train/epoch-3/MAE.log');
    expect(mae.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(mae[mae.length - 1]).toBeLessThan((await logged(store, 'train/epoch-1/MAE.log'))[0]);
    result.model.dispose();
  });

  it('computes_precision_recall_f1_and_top_k_from_class_counts_on_the_gpu', async () => {
    if (skip) return;
    const extra = () => [new PrecisionMetric(), new RecallMetric(), new FBetaScoreMetric(1), new TopKAccuracyMetric(2)];
    const gpu = await fit('webgpu', 'compiled', { extra });
    expect(gpu.log).toContain('engine compiled');
    const cpu = await fit('cpu', 'tfjs', { extra });
    for (const name of ['Precision', 'Recall', 'F1 Score', 'Top-2 Accuracy']) {
      for (const split of ['train', 'valid']) {
        const path = `${split}/epoch-2/${name}.log`;
        const want = await logged(cpu.store, path);
        expect(want.length, path).toBeGreaterThan(0);
        expect(relError(await logged(gpu.store, path), want), path).toBeLessThan(1e-4);
      }
    }
    gpu.model.dispose();
    cpu.model.dispose();
  });

  it('trains_batch_normalization_like_the_tfjs_step_and_hands_back_its_moving_statistics', async () => {
    if (skip) return;
    const bnModel = () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 8, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
          tf.layers.batchNormalization({ momentum: 0.8 }),
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }),
        ],
      });
    const gpu = await fit('webgpu', 'compiled', { model: bnModel() });
    const cpu = await fit('cpu', 'tfjs', { model: bnModel() });
    expect(gpu.log).toContain('engine compiled');
    // Validation normalizes with the moving statistics, which the compiled step moves on the GPU.
    for (const path of ['train/epoch-2/Loss.log', 'valid/epoch-1/Loss.log', 'valid/epoch-2/Loss.log']) {
      expect(relError(await logged(gpu.store, path), await logged(cpu.store, path)), path).toBeLessThan(1e-4);
    }
    // getWeights: kernel, gamma, beta, moving mean, moving variance, kernel, bias; the moving ones are back in the model.
    expect(relError(gpu.weights.flat(), cpu.weights.flat())).toBeLessThan(1e-4);
    expect(Math.max(...gpu.weights[3].map(Math.abs))).toBeGreaterThan(1e-3);
    gpu.model.dispose();
    cpu.model.dispose();
  });

  it('falls_back_to_the_tfjs_step_naming_the_layer_it_cannot_compile', async () => {
    if (skip) return;
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 8 }), tf.layers.layerNormalization({ name: 'norm' }), tf.layers.dense({ units: 3 })],
    });
    const run = await fit('webgpu', 'compiled', { model });
    expect(run.log).toMatch(/WARN.*engine tfjs \(not compiled: layer norm: LayerNormalization is not compiled yet/);
    run.model.dispose();
  });

  it('falls_back_to_the_tfjs_step_and_says_why', async () => {
    if (skip) return;
    /** A metric of the model's raw outputs, which the compiled step does not keep. */
    const meanOutput = (): Metric => {
      const state = { sum: 0 };
      return {
        name: 'Mean Output',
        higherIsBetter: true,
        stats: (out) => tf.mean(out.output).reshape([1]),
        update: (values) => (
          (state.sum = values![0]), { name: 'Mean Output', value: state.sum, count: 1, running: state.sum, formatted: state.sum.toFixed(3) }
        ),
        clear: () => void (state.sum = 0),
      };
    };
    const run = await fit('webgpu', 'compiled', { extra: () => [meanOutput()] });
    expect(run.log).toMatch(/WARN.*engine tfjs \(not compiled: metric Mean Output is not computed by the compiled step\)/);
    run.model.dispose();
  });
});

describe('the compiled engine without a validation split', () => {
  it('trains_when_the_valid_loader_is_empty', async () => {
    if (skip) return;
    const store = new MemoryStore();
    const empty = selectRows(data, new Int32Array(0));
    const result = await new LearnerBuilder(store)
      .metricTrainNumeric(new LossMetric())
      .renderer(new NoopRenderer())
      .numEpochs(1)
      .devices(['webgpu'])
      .engines([compiledWebGpu(), tfjsStep()])
      .seed(1)
      .build(smallModel(2), { type: 'adam' }, 0.01)
      .fit(loader(train, 16, 3), loader(empty, 16));
    expect(new TextDecoder().decode((await store.read('experiment.log'))!)).toContain('engine compiled');
    expect((await logged(store, 'train/epoch-1/Loss.log')).length).toBe(5); // 70 items in batches of 16
    result.model.dispose();
  });
});

describe('the compiled engine on a split larger than its GPU buffer', () => {
  it('submits_the_steps_it_recorded_before_loading_the_next_chunk', async () => {
    if (skip) return;
    await tf.setBackend('webgpu');
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    // Five batches of 16 per epoch, recorded 8 to a submit: without chunks nothing is submitted
    // mid-epoch; with chunks of two batches (5 words × 4 bytes × 32 rows) the engine must submit
    // before each new chunk, or the steps still recorded would read it.
    const run = async (maxResidentBytes?: number) => {
      const step = classification(smallModel(4));
      const optimizer = createOptimizer({ type: 'adam' });
      const made = await CompiledStepEngine.create({
        device,
        step,
        optimizer,
        metrics: { train: [new LossMetric()], valid: [] },
        batchSize: 16,
        seed: 3,
        maxResidentBytes,
      });
      if ('reason' in made) throw new Error(made.reason);
      const data = loader(train, 16, 5);
      for (const epoch of [1, 2]) {
        await made.engine.beginEpoch('train', data, epoch);
        for (let i = 0; i < data.numBatches; i++) made.engine.train(null, i, { lr: 0.01 });
      }
      const state = await made.engine.checkpointState();
      made.engine.dispose();
      optimizer.dispose();
      step.model.dispose();
      return state.model.map((r) => Array.from(r.data as Float32Array));
    };
    const whole = await run();
    const chunked = await run(640);
    await tf.setBackend('cpu');
    expect(chunked).toEqual(whole);
  });
});
