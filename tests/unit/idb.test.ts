import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readText } from '../../src/store/base';
import { idbProfiles } from '../../src/worker/engine-check';
import { DB_NAME, KilnDb, StorageFullError, type RunRecord } from '../../src/store/idb';
import { LearnerBuilder, LossMetric, AccuracyMetric, type MetricsRenderer } from '../../src/train/index';
import { blobs, loader, smallModel, weights } from './fixtures';

const kiln = await KilnDb.open();
let n = 0;

/** A fresh run record in the database. */
async function newRun(patch: Partial<RunRecord> = {}): Promise<RunRecord> {
  const run: RunRecord = {
    id: `run-${n++}`,
    name: 'test run',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    status: 'running',
    dataset: 'mnist',
    model: 'MLP 16',
    config: {},
    epochs: 4,
    epochsDone: 0,
    checkpoints: [],
    ...patch,
  };
  await kiln.putRun(run);
  return run;
}

const quiet = (): MetricsRenderer => ({ update() {}, epochEnd() {}, log() {}, end() {} });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('IndexedDB store', () => {
  it('records_and_forgets_checkpoints_in_the_run_index_with_their_files', async () => {
    const run = await newRun();
    const store = kiln.store(run.id);
    const files = (e: number) => ['model', 'optim', 'scheduler'].map((k) => ({ path: `checkpoint/${k}-${e}.mpk.gz`, data: new Uint8Array([e]) }));
    await store.commit({ write: [...files(1), ...files(2)] });
    expect((await kiln.run(run.id))!.checkpoints).toEqual([1, 2]);
    await store.commit({ delete: files(1).map((f) => f.path) });
    expect((await kiln.run(run.id))!.checkpoints).toEqual([2]);
    expect(await store.list('checkpoint/')).toEqual(
      files(2)
        .map((f) => f.path)
        .sort(),
    );
  });

  it('appends_in_chunks_and_reads_them_back_in_order', async () => {
    const store = kiln.store((await newRun()).id);
    for (let i = 0; i < 50; i++) await store.append('train/epoch-1/Loss.log', `${i},64\n`);
    const lines = (await readText(store, 'train/epoch-1/Loss.log'))!.trim().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[49]).toBe('49,64');
    await store.write('train/epoch-1/Loss.log', 'replaced\n');
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('replaced\n');
  });

  it('deleting_a_run_removes_every_file_and_touches_no_other_run', async () => {
    const [a, b] = [await newRun(), await newRun()];
    await kiln.store(a.id).write('experiment.log', 'a');
    await kiln.store(b.id).write('experiment.log', 'b');
    await kiln.deleteRun(a.id);
    expect(await kiln.run(a.id)).toBeUndefined();
    expect(await kiln.store(a.id).list()).toEqual([]);
    expect(await readText(kiln.store(b.id), 'experiment.log')).toBe('b');
    expect(await kiln.runBytes(b.id)).toBe(1);
  });

  it('sizes_files_from_their_chunks_without_reading_any_file', async () => {
    const { id } = await newRun();
    const store = kiln.store(id);
    await store.write('checkpoint/model-1.mpk.gz', new Uint8Array(3000));
    for (let i = 0; i < 3; i++) await store.append('train/epoch-1/Loss.log', `${i},64\n`);
    await store.write('experiment.log', 'abc');
    // Any read of a chunk's value (a get, a value cursor) fails from here: only keys may be read.
    const patched = [IDBObjectStore.prototype, IDBIndex.prototype].flatMap((proto) =>
      (['get', 'getAll', 'openCursor'] as const).map((m) => {
        const original = proto[m];
        Object.defineProperty(proto, m, {
          configurable: true,
          writable: true,
          value: () => {
            throw new Error(`read ${m}`);
          },
        });
        return () => Object.defineProperty(proto, m, { configurable: true, writable: true, value: original });
      }),
    );
    try {
      expect(await kiln.fileSizes(id)).toEqual([
        { path: 'checkpoint/model-1.mpk.gz', bytes: 3000 },
        { path: 'experiment.log', bytes: 3 },
        { path: 'train/epoch-1/Loss.log', bytes: 15 },
      ]);
    } finally {
      patched.forEach((restore) => restore());
    }
  });

  it('an_import_lands_whole_or_not_at_all', async () => {
    const existing = await newRun();
    const copy = { ...existing, name: 'copy' };
    await expect(kiln.addRun(copy, [{ path: 'experiment.log', data: new Uint8Array([1]) }])).rejects.toThrow(/already exists/);
    expect((await kiln.run(existing.id))!.name).toBe('test run');
    await expect(
      kiln.addRun({ ...existing, id: 'bad-path' }, [
        { path: 'experiment.log', data: new Uint8Array([1]) },
        { path: '../x', data: new Uint8Array([1]) },
      ]),
    ).rejects.toThrow(/invalid artifact path/);
    expect(await kiln.run('bad-path')).toBeUndefined();
    expect(await kiln.store('bad-path').list()).toEqual([]);
  });

  it('stores_an_imported_file_that_views_a_larger_buffer_as_only_its_own_bytes', async () => {
    const archive = new Uint8Array(100_000).fill(7);
    const run = { ...(await newRun()), id: 'viewed' };
    await kiln.addRun(run, [{ path: 'experiment.log', data: archive.subarray(10, 15) }]);
    const back = (await kiln.store('viewed').read('experiment.log'))!;
    expect([...back]).toEqual([7, 7, 7, 7, 7]);
    expect(back.buffer.byteLength).toBe(5);
  });

  it('reports_a_full_quota_as_storage_full_and_keeps_what_was_stored', async () => {
    const store = kiln.store((await newRun()).id);
    await store.write('experiment.log', 'kept\n');
    // fake-indexeddb's object store, as the browser's would fail when the origin is over quota.
    const storeProto = IDBObjectStore.prototype as { put: (...a: unknown[]) => unknown };
    const put = storeProto.put;
    storeProto.put = () => {
      throw new DOMException('over quota', 'QuotaExceededError');
    };
    try {
      await expect(store.append('experiment.log', 'lost\n')).rejects.toBeInstanceOf(StorageFullError);
      await expect(store.append('experiment.log', 'lost\n')).rejects.toThrow(/storage is full: could not save experiment.log/);
    } finally {
      storeProto.put = put;
    }
    expect(await readText(store, 'experiment.log')).toBe('kept\n');
  });

  it('resumed_run_in_indexeddb_logs_what_an_uninterrupted_run_logs', async () => {
    const train = async (runId: string, epochs: number, checkpoint?: number) => {
      const b = new LearnerBuilder(kiln.store(runId))
        .renderer(quiet())
        .devices(['cpu'])
        .seed(3)
        .metricTrainNumeric(new LossMetric())
        .metricValidNumeric(new LossMetric())
        .metricValidNumeric(new AccuracyMetric())
        .withFileCheckpointer()
        .numEpochs(epochs);
      if (checkpoint) b.checkpoint(checkpoint);
      const model = smallModel(1, 0.2);
      await b.build(model, { type: 'adam' }, 0.02).fit(loader(blobs(60), 10, 4), loader(blobs(20, 2), 10));
      return model;
    };
    const [a, b] = [await newRun(), await newRun()];
    const straight = await train(a.id, 4);
    await train(b.id, 2);
    const resumed = await train(b.id, 4, 2);
    expect(weights(resumed)).toEqual(weights(straight));
    for (const f of ['valid/epoch-3/Loss.log', 'valid/epoch-4/Accuracy.log', 'train/epoch-4/Loss.log']) {
      expect(await readText(kiln.store(b.id), f)).toBe(await readText(kiln.store(a.id), f));
    }
    expect((await kiln.run(b.id))!.checkpoints).toEqual((await kiln.run(a.id))!.checkpoints);
  });
});

describe('IndexedDB schema', () => {
  it('migrates_a_version_1_database_so_its_files_are_sized', async () => {
    const global = globalThis as { indexedDB: IDBFactory };
    const real = global.indexedDB;
    global.indexedDB = new IDBFactory();
    try {
      // A version 1 database as the studio wrote it: chunks without their size.
      await new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore('runs', { keyPath: 'id' }).put({ id: 'old', createdAt: 1 });
          const chunks = open.result.createObjectStore('chunks', { keyPath: ['runId', 'path', 'seq'] });
          chunks.put({ runId: 'old', path: 'experiment.log', seq: 0, data: new Uint8Array(5) });
          chunks.put({ runId: 'old', path: 'experiment.log', seq: 1, data: new Uint8Array(7) });
        };
        open.onsuccess = () => (open.result.close(), resolve());
        open.onerror = () => reject(open.error);
      });
      const migrated = await KilnDb.open();
      expect(await migrated.fileSizes('old')).toEqual([{ path: 'experiment.log', bytes: 12 }]);
      expect(await readText(migrated.store('old'), 'experiment.log')).toHaveLength(12);
      // Version 3 keeps GPU profiles by adapter, beside the runs.
      const profiles = idbProfiles(migrated);
      expect(await profiles.load('nvidia | hopper')).toBeNull();
      await profiles.save('nvidia | hopper', { tilings: {}, workgroups: 132 });
      expect(await (await KilnDb.open()).gpuProfile('nvidia | hopper')).toEqual({ tilings: {}, workgroups: 132 });
    } finally {
      global.indexedDB = real;
    }
  });
});
