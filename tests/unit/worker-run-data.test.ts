import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, RunConfigSchema } from '../../src/protocol/run-config';
import { MemoryStore } from '../../src/store/memory';
import type { TensorData } from '../../src/data/dataset';
import { DATASET_FILES, storedShape, type PreparedDataset } from '../../src/recipe/run-files';
import { runData } from '../../src/worker/run-data';

const config = RunConfigSchema.parse({
  ...DEFAULT_RUN_CONFIG,
  dataset: { type: 'table', file: 'cars.csv', label: 'mpg', task: 'regression', missing: 'drop', encoding: 'utf-8' },
  batchSize: 2,
});

const rows = (n: number, offset: number): TensorData => ({
  x: Float32Array.from({ length: n * 3 }, (_, i) => i + offset),
  itemShape: [3],
  y: Float32Array.from({ length: n }, (_, i) => 10 * i + offset),
});
const prepared: PreparedDataset = {
  train: rows(5, 0),
  valid: rows(2, 100),
  preprocessing: { version: 1, label: { name: 'mpg', task: 'regression', mean: 20, std: 4 } },
  card: {
    source: 'cars.csv',
    kind: 'table',
    task: 'regression',
    items: 7,
    inputShape: [3],
    preview: { kind: 'rows', header: ['a'], rows: [['1']] },
    warnings: [],
    skipped: [],
  },
};

describe("a run's dataset", () => {
  it('is_prepared_once_stored_with_the_run_and_read_back_on_resume', async () => {
    const store = new MemoryStore();
    let prepares = 0;
    const prepare = async () => (prepares++, prepared);
    const first = await runData(config, store, prepare, () => {});
    expect(first.task).toBe('regression');
    expect(first.targetScale).toBe(4); // MAE is reported in miles per gallon, not standard units
    expect(first.shape).toEqual({ inputShape: [3], outputs: 1 });
    expect([...(await store.list())].sort()).toEqual([DATASET_FILES.data, DATASET_FILES.meta]);
    const meta = JSON.parse(new TextDecoder().decode((await store.read(DATASET_FILES.meta))!));
    expect(meta).toMatchObject({ version: 1, task: 'regression', inputShape: [3], outputs: 1, preprocessing: { label: { name: 'mpg' } } });
    expect(meta.card.preview).toBeUndefined();

    // Resumed: the stored split comes back exactly, without preparing again (the file is gone).
    const again = await runData(
      config,
      store,
      () => Promise.reject(new Error('cars.csv is not open')),
      () => {},
    );
    expect(prepares).toBe(1);
    expect(again.targetScale).toBe(4);
    expect(again.trainData.x).toEqual(prepared.train.x);
    expect(again.validData.y).toEqual(prepared.valid.y);
    expect(await storedShape(config, store)).toEqual({ inputShape: [3], outputs: 1 });
    first.train.dispose();
    first.valid.dispose();
    again.train.dispose();
    again.valid.dispose();
  });

  it('says_what_is_missing_when_a_run_has_no_dataset_files', async () => {
    await expect(storedShape(config, new MemoryStore())).rejects.toThrow(/no dataset\/dataset\.json/);
  });
});

describe('dataset record', () => {
  it('round_trips_both_splits_and_refuses_another_version_naming_both', async () => {
    const { decode, encode } = await import('@msgpack/msgpack');
    const { gunzipSync, gzipSync } = await import('fflate');
    const { decodeDataset, encodeDataset } = await import('../../src/data/stored');
    const classes: TensorData = { x: Float32Array.of(1, 2, 3, 4), itemShape: [2], y: Int32Array.of(0, 1), numClasses: 2, classNames: ['no', 'yes'] };
    const back = decodeDataset(encodeDataset({ train: classes, valid: rows(1, 7) }));
    expect(back.train).toEqual(classes);
    expect(back.valid.y).toEqual(Float32Array.of(7));
    const raw = decode(gunzipSync(encodeDataset({ train: classes, valid: classes }))) as Record<string, unknown>;
    expect(() => decodeDataset(gzipSync(encode({ ...raw, version: 9 })))).toThrow('dataset record: version 9 is not supported (this studio reads version 1)');
  });
});
