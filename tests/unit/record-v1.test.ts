import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decode } from '@msgpack/msgpack';
import * as tf from '@tensorflow/tfjs';
import { gunzipSync, strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitLoaders } from '../../src/data/dataloader';
import { decodeDataset } from '../../src/data/stored';
import { RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { learnerFromConfig } from '../../src/recipe/learner';
import { zipArchive } from '../../src/store/archive';
import { readText } from '../../src/store/base';
import { KilnDb } from '../../src/store/idb';
import { MemoryStore } from '../../src/store/memory';
import { LearnerCheckpointer, type MetricsRenderer } from '../../src/train/index';
import { burnLayoutOf } from '../../src/train/model/burn-layout';
import { createModel } from '../../src/train/model/build';
import { importArchive, importFolder } from '../../src/worker/artifacts';
import { burnRecord, linear, struct } from './burn-serde';
import { weights } from './fixtures';

/** An Iris run whose checkpoint 2 was written by Kiln at record format version 1 (see its README). */
const FIXTURE = join(import.meta.dirname, '../fixtures/kiln-v1-iris');
const quiet = (): MetricsRenderer => ({ update() {}, epochEnd() {}, log() {}, end() {} });

/** The fixture's files by path (its README is not part of the run). */
function fixtureFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name !== 'README.md') files.set(relative(FIXTURE, path), new Uint8Array(readFileSync(path)));
    }
  };
  walk(FIXTURE);
  return files;
}

async function fixtureStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const [path, data] of fixtureFiles()) await store.write(path, data);
  return store;
}

const config = (): RunConfig => RunConfigSchema.parse(JSON.parse(strFromU8(fixtureFiles().get('config.json')!)));

/** Resumes the fixture's run from checkpoint 2 for a third epoch; resolves to the trained weights. */
async function resume(store: MemoryStore): Promise<number[][]> {
  const c = { ...config(), epochs: 3 };
  const { train, valid } = decodeDataset((await store.read('dataset/data.mpk.gz'))!);
  const loaders = splitLoaders(train, valid, { batchSize: c.batchSize, seed: c.seed });
  const shape = { inputShape: train.itemShape, outputs: train.numClasses! };
  const { learner, model } = await learnerFromConfig({
    config: c,
    store,
    shape,
    task: 'classification',
    targetScale: 1,
    trainBatches: loaders.train.numBatches,
    backend: 'cpu',
    resumeFrom: 2,
    renderer: quiet(),
  });
  await learner.fit(loaders.train, loaders.valid);
  const out = weights(model);
  model.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkpoints of record format version 1', () => {
  it('load_with_the_weights_and_state_they_hold', async () => {
    const raw = decode(gunzipSync(fixtureFiles().get('checkpoint/model-2.mpk.gz')!)) as {
      version: number;
      payload: { weights: { name: string; data: Uint8Array }[] };
    };
    expect(raw.version).toBe(1);
    const r = await new LearnerCheckpointer(await fixtureStore(), { keep: () => [] }).load(2);
    expect(r.model.map((t) => t.name)).toEqual(['dense1/kernel', 'dense1/bias', 'output/kernel', 'output/bias']);
    r.model.forEach((t, i) => expect(new Uint8Array(t.data.buffer)).toEqual(raw.payload.weights[i].data));
    expect(r.optim).toMatchObject({ type: 'adam', step: 8 });
    expect(Object.keys(r.optim.slots).sort()).toEqual(['m', 'v']);
    expect(r.progress).toMatchObject({ epoch: 2, globalStep: 8 });
  });

  it('resume_exactly_as_the_same_checkpoint_rewritten_in_burns_form', async () => {
    const fromV1 = await fixtureStore();
    const rewritten = await fixtureStore();
    const c = config();
    const checkpointer = new LearnerCheckpointer(rewritten, { keep: () => [2] });
    const model = createModel(c.model, { inputShape: [4], outputs: 3 }, c.seed);
    await checkpointer.save(2, { ...(await checkpointer.load(2)), layout: burnLayoutOf(model) });
    model.dispose();
    expect((decode(gunzipSync((await rewritten.read('checkpoint/model-2.mpk.gz'))!)) as { kiln: { version: number } }).kiln.version).toBe(2);
    expect(await resume(fromV1)).toEqual(await resume(rewritten));
    expect(await readText(fromV1, 'train/epoch-3/Loss.log')).toBe(await readText(rewritten, 'train/epoch-3/Loss.log'));
    // The resumed run's new checkpoint is Burn's record.
    const { item } = burnRecord(struct({ dense1: linear, output: linear }), (await fromV1.read('checkpoint/model-3.mpk.gz'))!);
    expect(item.dense1.weight.tensor.shape).toEqual([4, 8]);
  });

  it('import_in_an_archive_and_resume', async () => {
    const parts: Uint8Array[] = [];
    const files = [...fixtureFiles()].map(([path, data]) => ({ path, data }));
    await zipArchive({ format: 'kiln.archive', version: 1, kind: 'run', name: 'iris v1', createdAt: '2026-01-01T00:00:00Z' }, files, (p) => parts.push(p));
    const zip = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (zip.set(p, at), at + p.length), 0);
    const kiln = await KilnDb.open();
    const run = await importArchive(kiln, 'iris-v1.zip', zip);
    expect(run.checkpoints).toEqual([2]);
    expect((await new LearnerCheckpointer(kiln.store(run.id), { keep: () => [] }).load(2)).optim.step).toBe(8);
    // The same archive unzipped and dropped as a folder.
    const folder = Object.entries(unzipSync(zip)).map(([path, data]) => ({ path: `iris v1/${path}`, file: new Blob([data]) }));
    expect((await importFolder(kiln, 'iris v1', folder)).checkpoints).toEqual([2]);
  });
});
