import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs, runConfigFromArgs } from '../../src/cli/args';
import type { TensorData } from '../../src/data/dataset';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { bestMetric, bestSoFar, learnerFromConfig, retention, type BestEpoch, type RecipeInput } from '../../src/recipe/learner';
import { checkpointingActions } from '../../src/train/checkpoint';
import { MetricHistory } from '../../src/train/learner/history';
import { readText } from '../../src/store/base';
import { MemoryStore } from '../../src/store/memory';
import { TensorMemoryMetric } from '../../src/train/metric/memory';
import { NoopRenderer } from '../../src/train/renderer/console';
import { blobs, loader } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const train = blobs(64, 1);
const valid = blobs(32, 2);

/** A studio config (as the form or a saved run gives it) for the blobs. */
const studio = (over: Partial<RunConfig> = {}): RunConfig =>
  RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, dataset: { type: 'iris' }, model: { type: 'mlp', hidden: [8] }, batchSize: 16, epochs: 3, lr: 0.01, ...over });

/** Trains `config` through the recipe on `data` (batches of 16) and returns the run's store. */
async function run(config: RunConfig, o: Partial<RecipeInput> & { data?: TensorData } = {}): Promise<MemoryStore> {
  const store = new MemoryStore();
  const data = o.data ?? train;
  const task = data.numClasses ? 'classification' : 'regression';
  const trainLoader = loader(data, config.batchSize, config.seed);
  const { learner, model } = await learnerFromConfig({
    config,
    store,
    shape: { inputShape: data.itemShape, outputs: data.numClasses ?? 1 },
    task,
    targetScale: 1,
    trainBatches: trainLoader.numBatches,
    backend: 'cpu',
    renderer: new NoopRenderer(),
    ...o,
  });
  await learner.fit(trainLoader, loader(o.data ? data : valid, config.batchSize));
  model.dispose();
  return store;
}

/** A metric log's batch values, in order. */
const values = async (store: MemoryStore, path: string) =>
  ((await readText(store, path)) ?? '')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.split(',')[0]));

describe('the run recipe', () => {
  it('logs_loss_accuracy_learning_rate_and_speed_on_train_and_loss_accuracy_and_the_confusion_matrix_on_valid', async () => {
    const store = await run(studio(), { extraTrainMetrics: [new TensorMemoryMetric('tensors')] });
    const files = await store.list();
    for (let e = 1; e <= 3; e++) {
      for (const m of ['Loss', 'Accuracy', 'Learning_Rate', 'Iteration_Speed', 'Tensor_Count']) expect(files).toContain(`train/epoch-${e}/${m}.log`);
      expect(files.filter((f) => f.startsWith(`valid/epoch-${e}/`)).sort()).toEqual([
        `valid/epoch-${e}/Accuracy.log`,
        `valid/epoch-${e}/ConfusionMatrix.json`,
        `valid/epoch-${e}/Loss.log`,
      ]);
    }
    expect(await values(store, 'train/epoch-1/Loss.log')).toHaveLength(4); // 64 items in batches of 16
    expect(await readText(store, 'experiment.log')).toContain('Learner Summary');
  });

  it('keeps_the_last_keep_checkpoints_and_the_best_valid_accuracy_the_runs_list_shows', async () => {
    for (const keep of [1, 2]) {
      const store = await run(studio({ epochs: 4, keepCheckpoints: keep }));
      // Two valid batches of 16: the epoch's accuracy is their mean; the earliest of equals is the best.
      const accuracy = await Promise.all([1, 2, 3, 4].map(async (e) => (await values(store, `valid/epoch-${e}/Accuracy.log`)).reduce((a, b) => a + b, 0)));
      const best = accuracy.indexOf(Math.max(...accuracy)) + 1;
      const kept = new Set([...Array.from({ length: keep }, (_, i) => 4 - i), best]);
      const saved = (await store.list('checkpoint/')).filter((f) => f.startsWith('checkpoint/model-')).map((f) => Number(/model-(\d+)/.exec(f)![1]));
      expect(saved.sort()).toEqual([...kept].sort());
    }
  });

  it('reports_regression_mae_in_the_labels_units', async () => {
    const target: TensorData = { x: train.x, itemShape: [4], y: Float32Array.from(train.y, (c, i) => c + train.x[i * 4]) };
    const config = studio({ epochs: 1 });
    const [unit, scaled] = [await run(config, { data: target }), await run(config, { data: target, targetScale: 10 })];
    expect(await values(scaled, 'train/epoch-1/Loss.log')).toEqual(await values(unit, 'train/epoch-1/Loss.log'));
    const [maeUnit, maeScaled] = [await values(unit, 'valid/epoch-1/MAE.log'), await values(scaled, 'valid/epoch-1/MAE.log')];
    expect(maeUnit.length).toBeGreaterThan(0);
    maeScaled.forEach((v, i) => expect(v).toBeCloseTo(10 * maeUnit[i], 3));
    expect(await scaled.list('valid/epoch-1/')).not.toContain('valid/epoch-1/Accuracy.log');
  });

  it('a_non_finite_loss_stops_the_run_or_is_warned_about_as_the_config_says', async () => {
    const x = train.x.slice();
    x[0] = Number.NaN; // one bad feature: the loss of its batch is NaN, and the weights after it
    const data: TensorData = { ...train, x };
    await expect(run(studio({ epochs: 2 }), { data })).rejects.toThrow(/^the train loss is NaN at epoch 1, iteration \d: training stopped/);
    const store = await run(studio({ epochs: 2, onNonFinite: 'warn' }), { data });
    const log = (await readText(store, 'experiment.log'))!;
    expect(log).toMatch(/WARN kiln::learner: the train loss was NaN or infinite in \d of 4 iterations of epoch 1 \(first at iteration \d\)/);
    expect(log).toContain('training ended after epoch 2: completed');
  });

  it('warms_up_the_cli_run_over_the_first_tenth_as_the_studio_run_with_one_warmup_epoch_of_ten', async () => {
    const args = parseTrainArgs([
      '--dataset',
      'iris',
      '--model',
      'mlp',
      '--schedule',
      'warmup-cosine',
      '--epochs',
      '10',
      '--lr',
      '0.01',
      '--batch-size',
      '16',
      '--out',
      '/unused',
    ]);
    const cli = runConfigFromArgs(args, { type: 'iris' });
    const worker = studio({
      ...cli,
      model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 },
      schedule: { type: 'warmup-cosine', warmupEpochs: 1, minLr: 0 },
      epochs: 10,
    });
    const lr = async (config: RunConfig) => {
      const store = await run(config);
      return (await Promise.all(Array.from({ length: 10 }, (_, e) => values(store, `train/epoch-${e + 1}/Learning_Rate.log`)))).flat();
    };
    const [fromCli, fromStudio] = [await lr(cli), await lr(worker)];
    expect(fromCli).toEqual(fromStudio);
    // 4 optimizer steps an epoch, 40 in all: the rate rises over the first 4 and falls after.
    const peak = fromCli.indexOf(Math.max(...fromCli));
    expect(peak).toBe(4);
    expect(fromCli[0]).toBeLessThan(fromCli[3]);
    expect(fromCli[39]).toBeLessThan(fromCli[20]);
  });
});

describe('a run from imported weights', () => {
  /** A layer list for the blobs whose first layer's weights come from a file; the head's do not fit. */
  const layers = {
    type: 'layers',
    version: 1,
    initial: { source: 'net/model.json' },
    layers: [
      { type: 'Dense', name: 'body', units: 5, activation: 'relu' },
      { type: 'Dense', name: 'head', units: 3 },
    ],
  };
  const imported = [
    { name: 'body/kernel', shape: [4, 5], dtype: 'float32' as const, data: new Float32Array(20).fill(0.25) },
    { name: 'body/bias', shape: [5], dtype: 'float32' as const, data: new Float32Array(5).fill(-0.5) },
    { name: 'head/kernel', shape: [5, 2], dtype: 'float32' as const, data: new Float32Array(10) },
  ];
  const start = (store: MemoryStore, o: Partial<RecipeInput> = {}) =>
    learnerFromConfig({
      config: studio({ model: layers as RunConfig['model'], epochs: 1 }),
      store,
      shape: { inputShape: [4], outputs: 3 },
      task: 'classification',
      targetScale: 1,
      trainBatches: 4,
      backend: 'cpu',
      renderer: new NoopRenderer(),
      ...o,
    });

  it('starts_from_the_imported_weights_that_fit_stores_them_and_restarts_from_them_without_the_file', async () => {
    const store = new MemoryStore();
    const first = await start(store, { imported });
    expect(Array.from(first.model.getLayer('body').getWeights()[1]!.dataSync())).toEqual(Array(5).fill(-0.5));
    expect(await store.list('init/')).toEqual(['init/model.mpk.gz']);
    expect(await readText(store, 'experiment.log')).toContain(
      "initial weights from net/model.json: 1 layer loaded (body); fresh: head ('head/kernel' is [5,2] in the file, [5,3] here)",
    );
    const again = await start(store);
    expect(again.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(first.model.getWeights().map((w) => Array.from(w.dataSync())));
    first.model.dispose();
    again.model.dispose();
    await expect(start(new MemoryStore())).rejects.toThrow(
      'the run starts from the weights of net/model.json, which it has not stored (init/model.mpk.gz): import net/model.json again',
    );
  });
});

describe('the CLI flags', () => {
  const error = (...argv: string[]) => {
    try {
      parseTrainArgs([...argv, '--out', '/unused']);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('refuse_a_cnn_on_a_table_and_a_csv_without_a_file', () => {
    expect(error('--dataset', 'iris', '--model', 'cnn')).toMatch(/^--model: the small CNN needs images/);
    expect(error('--dataset', 'csv')).toBe('--file: name the CSV or TSV file to train on');
  });

  it('take_stop_or_warn_for_a_non_finite_loss_and_stop_by_default', () => {
    expect(runConfigFromArgs(parseTrainArgs(['--out', '/unused']), { type: 'mnist', samples: 100 }).onNonFinite).toBe('stop');
    expect(error('--on-non-finite', 'ignore')).toMatch(/^--on-non-finite: .*"stop"\|"warn".* \(got 'ignore'\)$/);
  });

  it('become_the_studios_config_for_the_same_run', () => {
    const args = parseTrainArgs([
      '--dataset',
      'iris',
      '--model',
      'logistic',
      '--optimizer',
      'sgd',
      '--epochs',
      '7',
      '--keep-checkpoints',
      '3',
      '--grad-accumulation',
      '2',
      '--on-non-finite',
      'warn',
      '--out',
      '/unused',
    ]);
    const config = runConfigFromArgs(args, { type: 'iris' });
    expect(RunConfigSchema.parse(config)).toEqual(config);
    expect(config).toMatchObject({
      model: { type: 'logistic' },
      optimizer: { type: 'sgd' },
      epochs: 7,
      keepCheckpoints: 3,
      gradAccumulation: 2,
      onNonFinite: 'warn',
      batchSize: 64,
      seed: 0,
      backend: 'cpu',
    });
  });
});

describe('retention and the best epoch', () => {
  /** Runs `retention(keep, task)` over epochs with these valid means, as the checkpointer would; returns the checkpoints left and the best the runs list shows. */
  function epochs(keep: number, task: 'classification' | 'regression', means: Record<string, number>[]) {
    const history = new MetricHistory();
    const strategy = retention(keep, task);
    let kept: number[] = [];
    let best: BestEpoch | undefined;
    means.forEach((valid, i) => {
      const e = i + 1;
      for (const [name, v] of Object.entries(valid)) history.record('valid', name, e, v);
      const actions = checkpointingActions(strategy, e, history, kept);
      for (const a of actions) kept = a.type === 'save' ? [...kept, a.epoch].sort((x, y) => x - y) : kept.filter((k) => k !== a.epoch);
      best = bestSoFar(best, e, valid, bestMetric(task));
    });
    return { kept, best };
  }

  it('keeps_the_checkpoint_of_the_best_valid_accuracy_when_one_is_kept_over_three_epochs', () => {
    // Valid loss is lowest at epoch 3, accuracy highest at epoch 2: the runs list shows accuracy, so epoch 2 is kept.
    const { kept, best } = epochs(1, 'classification', [
      { Loss: 1.0, Accuracy: 50 },
      { Loss: 0.9, Accuracy: 80 },
      { Loss: 0.8, Accuracy: 60 },
    ]);
    expect(kept).toEqual([2, 3]);
    expect(best).toEqual({ metric: 'valid Accuracy', value: 80, epoch: 2 });
  });

  it('ranks_by_the_earliest_of_equals_and_never_by_nan_in_both', () => {
    const { kept, best } = epochs(1, 'classification', [{ Accuracy: Number.NaN }, { Accuracy: 50 }, { Accuracy: 50 }, { Accuracy: 40 }]);
    expect(kept).toEqual([2, 4]);
    expect(best?.epoch).toBe(2);
  });

  it('ranks_regression_by_the_lowest_valid_loss', () => {
    const { kept, best } = epochs(2, 'regression', [
      { Loss: 0.5, MAE: 3 },
      { Loss: 0.7, MAE: 2 },
      { Loss: 0.6, MAE: 1 },
      { Loss: 0.9, MAE: 1 },
    ]);
    expect(kept).toEqual([1, 3, 4]);
    expect(best).toEqual({ metric: 'valid Loss', value: 0.5, epoch: 1 });
  });
});
