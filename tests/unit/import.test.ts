import 'fake-indexeddb/auto';
import { decode, encode } from '@msgpack/msgpack';
import { gunzipSync, gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeDataset } from '../../src/data/stored';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/protocol/run-config';
import { zipArchive, type ArchivedRun, type ArchiveFile } from '../../src/store/archive';
import { KilnDb } from '../../src/store/idb';
import { MemoryStore } from '../../src/store/memory';
import { LearnerCheckpointer } from '../../src/train/checkpoint';
import { paramShapes } from '../../src/train/model/params';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { importArchive } from '../../src/worker/artifacts';

const kiln = await KilnDb.open();

/** A table run: 4 features, 3 classes, a logistic model, Adam. */
const config: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  dataset: { type: 'table', file: 't.csv', label: 'y', task: 'classification', missing: 'drop', encoding: 'utf-8' },
  model: { type: 'logistic' },
  epochs: 3,
};
const shape = { inputShape: [4], outputs: 3 };
const split = (n: number) => ({ x: new Float32Array(4 * n).fill(0.5), itemShape: [4], y: new Int32Array(n).fill(1), numClasses: 3 });
const meta = { version: 1, task: 'classification', inputShape: [4], outputs: 3, card: { task: 'classification' } };

/** The files of a good run with checkpoint 2; `patch` edits them before they are zipped. */
async function runFiles(): Promise<Map<string, Uint8Array>> {
  const store = new MemoryStore();
  const w = (name: string, s: readonly number[]) => ({
    name,
    shape: [...s],
    dtype: 'float32' as const,
    data: new Float32Array(s.reduce((a, b) => a * b, 1)).fill(0.1),
  });
  const weights = paramShapes(config.model, shape).trainable.map((p) => w(p.name, p.shape));
  await new LearnerCheckpointer(store, { keep: () => [2] }).save(2, {
    model: weights,
    optim: { type: 'adam', config: parseOptimizerConfig(config.optimizer), step: 8, slots: { m: weights, v: weights } },
    scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.001 }), step: 8 },
    progress: { epoch: 2, globalStep: 8, dataOrder: { seed: 0, shuffle: true }, rng: { s: 7 } },
  });
  const files = new Map<string, Uint8Array>();
  for (const p of await store.list()) files.set(p, (await store.read(p))!);
  files.set('config.json', strToU8(JSON.stringify(config)));
  files.set('dataset/dataset.json', strToU8(JSON.stringify(meta)));
  files.set('dataset/data.mpk.gz', encodeDataset({ train: split(8), valid: split(2) }));
  files.set('train/epoch-2/Loss.log', strToU8('0.5,4\n'));
  return files;
}

async function archive(files: Map<string, Uint8Array>, run?: ArchivedRun): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const list: ArchiveFile[] = [...files].map(([path, data]) => ({ path, data }));
  await zipArchive({ format: 'kiln.archive', version: 1, kind: 'run', name: 'r', createdAt: '2026-01-01T00:00:00Z', run }, list, (c) => parts.push(c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** A record as msgpack decodes it: Burn's item and Kiln's state. */
type RawRecord = { item: { [k: string]: { [k: string]: { param: { bytes: Uint8Array } } } }; kiln: { [k: string]: unknown } };

/** Rewrites a record's msgpack through `edit`. */
function editRecord(files: Map<string, Uint8Array>, path: string, edit: (r: RawRecord) => void): void {
  const r = decode(gunzipSync(files.get(path)!)) as RawRecord;
  edit(r);
  files.set(path, gzipSync(encode(r)));
}

/** Imports after `patch`, expecting a refusal that leaves the stored runs as they were. */
async function refused(patch: (files: Map<string, Uint8Array>) => void, message: string | RegExp): Promise<void> {
  const files = await runFiles();
  patch(files);
  const before = (await kiln.runs()).length;
  await expect(importArchive(kiln, 'bad.zip', await archive(files))).rejects.toThrow(message);
  expect((await kiln.runs()).length).toBe(before);
}

describe('importing a run archive', () => {
  it('imports_a_good_run_with_its_checkpoint_and_epochs', async () => {
    const run = await importArchive(kiln, 'good.zip', await archive(await runFiles()));
    expect(run.checkpoints).toEqual([2]);
    expect(run.epochsDone).toBe(2);
    expect(await kiln.store(run.id).list('dataset/')).toEqual(['dataset/data.mpk.gz', 'dataset/dataset.json']);
  });

  it('keeps_the_original_status_dates_and_best_and_says_where_it_came_from', async () => {
    const best = { metric: 'valid Accuracy', value: 75, epoch: 2 };
    const listed: ArchivedRun = {
      status: 'done',
      createdAt: '2026-03-04T05:06:07.000Z',
      updatedAt: '2026-03-04T05:09:00.000Z',
      best,
      message: 'completed; 3 epochs done',
    };
    const before = Date.now();
    const run = await importArchive(kiln, 'done.zip', await archive(await runFiles(), listed));
    expect(run).toMatchObject({ name: 'r', status: 'done', best, message: 'completed; 3 epochs done' });
    expect(new Date(run.createdAt).toISOString()).toBe('2026-03-04T05:06:07.000Z');
    expect(new Date(run.updatedAt).toISOString()).toBe('2026-03-04T05:09:00.000Z');
    expect(run.imported?.from).toBe('done.zip');
    expect(run.imported!.at).toBeGreaterThanOrEqual(before);
    expect((await kiln.runs()).find((r) => r.id === run.id)).toEqual(run);
  });

  it('dates_an_older_archive_by_its_log_and_calls_it_stopped_before_its_last_epoch', async () => {
    const files = await runFiles();
    files.set('experiment.log', strToU8('2026-02-01T10:00:00.500Z INFO kiln::learner: model: …\n'));
    const run = await importArchive(kiln, 'old.zip', await archive(files));
    expect(run.status).toBe('stopped'); // 2 of 3 epochs
    expect(new Date(run.createdAt).toISOString()).toBe('2026-02-01T10:00:00.500Z');
    expect(run.imported?.from).toBe('old.zip');
  });

  it('finds_the_best_epoch_in_the_valid_logs_of_an_archive_that_does_not_say_it', async () => {
    const files = await runFiles();
    files.set('valid/epoch-1/Accuracy.log', strToU8('60,4\n80,4\n')); // mean 70
    files.set('valid/epoch-2/Accuracy.log', strToU8('90,2\n70,6\n')); // count-weighted mean 75
    const run = await importArchive(kiln, 'lightning.zip', await archive(files));
    expect(run.best).toEqual({ metric: 'valid Accuracy', value: 75, epoch: 2 });
    expect((await kiln.runs()).find((r) => r.id === run.id)?.best).toEqual(run.best);
  });

  it('imports_a_runs_initial_model_and_refuses_one_of_another_model_naming_the_weight', async () => {
    const files = await runFiles();
    files.set('init/model.mpk.gz', files.get('checkpoint/model-2.mpk.gz')!);
    const run = await importArchive(kiln, 'init.zip', await archive(files));
    expect(await kiln.store(run.id).list('init/')).toEqual(['init/model.mpk.gz']);
    await refused((f) => {
      f.set('init/model.mpk.gz', f.get('checkpoint/model-2.mpk.gz')!);
      editRecord(f, 'init/model.mpk.gz', (r) => (r.kiln.params as unknown[]).reverse());
    }, "bad.zip: init/model.mpk.gz: weight 0 'output/bias' has shape [3], the model's 'output/kernel' is [4,3]");
  });

  it('refuses_a_stored_dataset_that_is_not_gzip_naming_the_entry', async () => {
    await refused((f) => f.set('dataset/data.mpk.gz', strToU8('not gzip at all, sorry')), /^bad\.zip: dataset\/data\.mpk\.gz: .*not gzip data/);
  });

  it('refuses_a_dataset_json_of_another_version', async () => {
    await refused(
      (f) => f.set('dataset/dataset.json', strToU8(JSON.stringify({ ...meta, version: 2 }))),
      'bad.zip: dataset/dataset.json: dataset record version 2; this version of Kiln reads version 1',
    );
  });

  it('refuses_an_input_shape_the_stored_data_does_not_hold_before_building_a_model', async () => {
    await refused(
      (f) => f.set('dataset/dataset.json', strToU8(JSON.stringify({ ...meta, inputShape: [2_000_000] }))),
      'bad.zip: dataset/dataset.json says items are [2000000], dataset/data.mpk.gz holds items of [4]',
    );
  });

  it('refuses_sgd_state_under_an_adam_config', async () => {
    await refused(
      (f) =>
        editRecord(f, 'checkpoint/optim-2.mpk.gz', (r) => Object.assign(r.kiln, { type: 'sgd', config: parseOptimizerConfig({ type: 'sgd', momentum: 0.9 }) })),
      "bad.zip: checkpoint/optim-2.mpk.gz: holds 'sgd' optimizer state, the run's config trains with 'adam'",
    );
  });

  it('refuses_a_scheduler_record_without_progress', async () => {
    await refused(
      (f) => editRecord(f, 'checkpoint/scheduler-2.mpk.gz', (r) => delete r.kiln.progress),
      /^bad\.zip: checkpoint\/scheduler-2\.mpk\.gz: invalid scheduler record \(progress/,
    );
  });

  it('refuses_nan_weights_naming_the_entry_and_tensor', async () => {
    await refused(
      (f) => editRecord(f, 'checkpoint/model-2.mpk.gz', (r) => (r.item.output.bias.param.bytes = new Uint8Array(new Float32Array([0, NaN, 0]).buffer))),
      "bad.zip: checkpoint/model-2.mpk.gz: weights[1] 'output/bias': value 1 is not finite",
    );
  });

  it('refuses_an_epoch_folder_past_the_runs_epochs', async () => {
    await refused(
      (f) => f.set('train/epoch-999999999/Loss.log', strToU8('1,1\n')),
      "bad.zip: train/epoch-999999999/Loss.log: is of epoch 999999999, past the run's 3 epochs",
    );
  });

  it('refuses_weights_that_do_not_fit_the_model_naming_the_first', async () => {
    await refused(
      (f) => f.set('config.json', strToU8(JSON.stringify({ ...config, model: { type: 'mlp', hidden: [5] } }))),
      'bad.zip: checkpoint/model-2.mpk.gz: weight has 2 tensors, the model 4',
    );
  });
});
