import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNodeBackends } from '../../src/cli/backends-node';
import {
  BatchDataLoader,
  TensorBatcher,
  TensorDataset,
  dataLoaders,
  numItems,
  randomSplit,
  selectRows,
  stratifiedSplit,
  type Batcher,
  type TensorData,
} from '../../src/data';
import { MNIST_DIGITS, MNIST_PIXELS, packMnist, unpackMnist } from '../../src/data/mnist';
import { loadMnist, readMnistDigits } from '../../src/data/mnist-node';

/** A batcher that hands back the indices themselves, so loader tests need no tensors. */
class IndexBatcher implements Batcher<number[]> {
  batch(indices: Int32Array): number[] {
    return Array.from(indices);
  }
  dispose(): void {}
}

function epochOrder(loader: BatchDataLoader<number[]>, epoch: number): number[][] {
  return [...loader.batches(epoch)];
}

/** n items of shape [2, 3]; row r holds r*100 + k, label r % classes. */
function toyData(n: number, classes = 3): TensorData {
  const x = new Float32Array(n * 6);
  for (let r = 0; r < n; r++) for (let k = 0; k < 6; k++) x[r * 6 + k] = r * 100 + k;
  const y = Int32Array.from({ length: n }, (_, r) => r % classes);
  return { x, itemShape: [2, 3], y, numClasses: classes };
}

describe('BatchDataLoader', () => {
  it('covers_every_index_exactly_once_per_epoch', () => {
    const loader = new BatchDataLoader(103, new IndexBatcher(), { batchSize: 10, seed: 7 });
    for (const epoch of [1, 2, 3]) {
      const seen = epochOrder(loader, epoch)
        .flat()
        .sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 103 }, (_, i) => i));
    }
  });

  it('includes_last_partial_batch', () => {
    const loader = new BatchDataLoader(23, new IndexBatcher(), { batchSize: 5, seed: 1 });
    expect(loader.numBatches).toBe(5);
    expect(epochOrder(loader, 1).map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
  });

  it('drop_last_skips_partial_batch', () => {
    const loader = new BatchDataLoader(23, new IndexBatcher(), { batchSize: 5, seed: 1, dropLast: true });
    expect(loader.numBatches).toBe(4);
    expect(epochOrder(loader, 1).map((b) => b.length)).toEqual([5, 5, 5, 5]);
  });

  it('order_differs_between_epochs', () => {
    const loader = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 8, seed: 42 });
    expect(epochOrder(loader, 1)).not.toEqual(epochOrder(loader, 2));
  });

  it('resumed_epoch_order_equals_uninterrupted', () => {
    const a = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 8, seed: 42 });
    const uninterrupted = [1, 2, 3, 4].map((e) => epochOrder(a, e));
    // A fresh loader, as after a restart, starting straight at epoch 3.
    const b = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 8, seed: 42 });
    expect(epochOrder(b, 3)).toEqual(uninterrupted[2]);
    expect(epochOrder(b, 4)).toEqual(uninterrupted[3]);
    expect(b.state()).toEqual({ seed: 42, shuffle: true });
  });

  it('an_order_made_ahead_is_the_epochs_own_and_serves_only_that_epoch', () => {
    const plain = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 8, seed: 42 });
    const ahead = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 8, seed: 42 });
    ahead.prepare(2);
    expect(epochOrder(ahead, 2)).toEqual(epochOrder(plain, 2));
    // Made for epoch 4 but asked for epoch 3 (a stop and resume in between): epoch 3's order all the same.
    ahead.prepare(4);
    expect(epochOrder(ahead, 3)).toEqual(epochOrder(plain, 3));
    expect(epochOrder(ahead, 4)).toEqual(epochOrder(plain, 4));
  });

  it('different_seeds_give_different_orders', () => {
    const a = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 50, seed: 1 });
    const b = new BatchDataLoader(50, new IndexBatcher(), { batchSize: 50, seed: 2 });
    expect(epochOrder(a, 1)).not.toEqual(epochOrder(b, 1));
  });

  it('no_shuffle_is_identity_order', () => {
    const loader = new BatchDataLoader(12, new IndexBatcher(), { batchSize: 5, seed: 3, shuffle: false });
    for (const epoch of [1, 2]) {
      expect(epochOrder(loader, epoch).flat()).toEqual(Array.from({ length: 12 }, (_, i) => i));
    }
    expect(loader.state()).toEqual({ seed: 3, shuffle: false });
    const unseeded = new BatchDataLoader(4, new IndexBatcher(), { batchSize: 4 });
    expect(epochOrder(unseeded, 1)).toEqual([[0, 1, 2, 3]]);
    expect(unseeded.state()).toEqual({ seed: null, shuffle: false });
  });

  it('rejects_bad_batch_size_and_epoch', () => {
    for (const batchSize of [0, -1, 2.5, Number.NaN]) {
      expect(() => new BatchDataLoader(10, new IndexBatcher(), { batchSize })).toThrow(/batchSize/);
    }
    expect(() => new BatchDataLoader(10, new IndexBatcher(), { batchSize: 2, shuffle: true })).toThrow(/seed/);
    const loader = new BatchDataLoader(10, new IndexBatcher(), { batchSize: 2 });
    expect(() => [...loader.batches(0)]).toThrow(/epoch/);
  });
});

describe('splits', () => {
  // 60 of class 0, 30 of class 1, 10 of class 2.
  const labels = Int32Array.from([...Array(60).fill(0), ...Array(30).fill(1), ...Array(10).fill(2)]);

  it('stratified_split_keeps_class_proportions', () => {
    const { train, valid } = stratifiedSplit(labels, 0.2, 5);
    const count = (rows: Int32Array, c: number) => Array.from(rows).filter((r) => labels[r] === c).length;
    expect([0, 1, 2].map((c) => count(valid, c))).toEqual([12, 6, 2]);
    expect([0, 1, 2].map((c) => count(train, c))).toEqual([48, 24, 8]);
  });

  it('stratified_split_is_disjoint_covering_sorted_and_seeded', () => {
    const { train, valid } = stratifiedSplit(labels, 0.3, 9);
    const all = [...train, ...valid].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(train)).toEqual([...train].sort((a, b) => a - b));
    expect(Array.from(valid)).toEqual([...valid].sort((a, b) => a - b));
    expect(stratifiedSplit(labels, 0.3, 9)).toEqual({ train, valid });
    expect(stratifiedSplit(labels, 0.3, 10).valid).not.toEqual(valid);
  });

  it('small_classes_keep_one_valid_and_one_train_row', () => {
    const tiny = Int32Array.from([0, 0, 1, 1, 1, 2]);
    const { train, valid } = stratifiedSplit(tiny, 0.01, 1);
    expect(
      Array.from(valid)
        .map((r) => tiny[r])
        .sort(),
    ).toEqual([0, 1]);
    expect(train.length).toBe(4);
    expect(stratifiedSplit(tiny, 0.9, 1).train.length).toBe(3);
    expect(stratifiedSplit(tiny, 0, 1).valid.length).toBe(0);
  });

  it('random_split_is_disjoint_and_covers_all', () => {
    const { train, valid } = randomSplit(40, 0.25, 3);
    expect(valid.length).toBe(10);
    expect([...train, ...valid].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('rejects_fraction_outside_zero_to_one', () => {
    for (const f of [-0.1, 1, 1.5, Number.NaN]) {
      expect(() => stratifiedSplit(labels, f, 0)).toThrow(/validFraction/);
      expect(() => randomSplit(10, f, 0)).toThrow(/validFraction/);
    }
  });
});

describe('TensorDataset and selectRows', () => {
  it('get_returns_views_of_row_and_label', () => {
    const data = toyData(5);
    const ds = new TensorDataset(data);
    expect(ds.length).toBe(5);
    const item = ds.get(3);
    expect(Array.from(item.x)).toEqual([300, 301, 302, 303, 304, 305]);
    expect(item.y).toBe(0);
    expect(item.x.buffer).toBe(data.x.buffer);
    expect(() => ds.get(5)).toThrow(RangeError);
  });

  it('select_rows_copies_chosen_rows_including_regression_targets', () => {
    const data: TensorData = { x: toyData(4).x, itemShape: [6], y: Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]) };
    const picked = selectRows(data, [2, 0]);
    expect(numItems(picked)).toBe(2);
    expect(Array.from(picked.x.subarray(0, 6))).toEqual([200, 201, 202, 203, 204, 205]);
    expect(Array.from(picked.y)).toEqual([20, 21, 0, 1]);
    expect(new TensorDataset(picked).get(1).y).toEqual(Float32Array.from([0, 1]));
  });
});

/**
 * cpu and wasm copy rows on the host (cpu into a fresh array per batch, wasm into one reused
 * buffer); 'device' is the cpu backend registered under another name, so the batcher takes the
 * GPU path: upload once, gather per batch.
 */
describe.each(['cpu', 'wasm', 'device'])('TensorBatcher on %s', (backend) => {
  beforeAll(async () => {
    registerNodeBackends();
    if (!tf.findBackendFactory('device')) {
      tf.registerBackend('device', tf.findBackendFactory('cpu')!);
      tf.copyRegisteredKernels('cpu', 'device');
    }
    await tf.setBackend(backend);
    await tf.ready();
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gathers_the_requested_rows', () => {
    const data = toyData(10);
    const batcher = new TensorBatcher(data);
    const batch = batcher.batch(Int32Array.from([7, 2, 9]));
    expect(batch.size).toBe(3);
    expect(batch.x.shape).toEqual([3, 2, 3]);
    expect(batch.y.dtype).toBe('int32');
    expect(Array.from(batch.x.dataSync())).toEqual([7, 2, 9].flatMap((r) => [0, 1, 2, 3, 4, 5].map((k) => r * 100 + k)));
    expect(Array.from(batch.y.dataSync())).toEqual([1, 2, 0]);
    tf.dispose([batch.x, batch.y]);
    batcher.dispose();
  });

  it('regression_targets_are_float32_rows', () => {
    const data: TensorData = { x: toyData(3).x, itemShape: [6], y: Float32Array.from([0.5, 1.5, 2.5]) };
    const batcher = new TensorBatcher(data);
    const batch = batcher.batch(Int32Array.from([2, 0]));
    expect(batch.y.dtype).toBe('float32');
    expect(batch.y.shape).toEqual([2, 1]);
    expect(Array.from(batch.y.dataSync())).toEqual([2.5, 0.5]);
    tf.dispose([batch.x, batch.y]);
    batcher.dispose();
  });

  it('a_later_batch_never_changes_an_earlier_one_whatever_its_size', () => {
    const batcher = new TensorBatcher(toyData(10));
    const rows = (b: { x: tf.Tensor }) =>
      Array.from(b.x.dataSync())
        .filter((_, i) => i % 6 === 0)
        .map((v) => v / 100);
    const batches = [
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9, 0],
    ].map((r) => batcher.batch(Int32Array.from(r)));
    expect(batches.map(rows)).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9, 0],
    ]);
    batches.forEach((b) => tf.dispose([b.x, b.y]));
    batcher.dispose();
  });

  it('tensor_count_does_not_grow_across_epochs', () => {
    const { train, valid } = dataLoaders(toyData(90), { batchSize: 8, validFraction: 0.2, seed: 1 });
    const runEpoch = (epoch: number) => {
      for (const loader of [train, valid]) {
        for (const b of loader.batches(epoch)) tf.dispose([b.x, b.y]);
      }
    };
    runEpoch(1);
    const after = tf.memory().numTensors;
    for (const epoch of [2, 3, 4]) runEpoch(epoch);
    expect(tf.memory().numTensors).toBe(after);
    train.dispose();
    valid.dispose();
    // Only the device path keeps anything between batches: x and y of each loader.
    expect(tf.memory().numTensors).toBe(after - (backend === 'device' ? 4 : 0));
  });
});

describe('dataLoaders', () => {
  it('data_loaders_limit_split_and_shuffle_train_only', () => {
    const { train, valid, trainData, validData } = dataLoaders(toyData(100), {
      batchSize: 16,
      validFraction: 0.25,
      seed: 3,
      limit: 60,
    });
    expect(numItems(trainData) + numItems(validData)).toBe(60);
    expect(numItems(validData)).toBe(15);
    expect(Math.max(...trainData.x) < 6000).toBe(true);
    expect(train.state()).toEqual({ seed: 3, shuffle: true });
    expect(valid.state().shuffle).toBe(false);
    expect(train.numBatches).toBe(3);
    train.dispose();
    valid.dispose();
  });
});

describe('MNIST', () => {
  const counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

  it('loads_ten_thousand_balanced_digits', () => {
    const data = loadMnist();
    expect(numItems(data)).toBe(10_000);
    expect(data.itemShape).toEqual([28, 28, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const y = data.y as Int32Array;
    const perClass = new Array(10).fill(0);
    for (const c of y) perClass[c]++;
    expect(perClass).toEqual(counts);
    expect(Array.from(y.subarray(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of data.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.5);
  });

  it('ships_the_digits_as_bytes_that_read_back_to_exactly_the_packages_values', () => {
    const fromJson = loadMnist();
    const packed = packMnist(readMnistDigits());
    expect(packed.length).toBe(MNIST_DIGITS * (1 + MNIST_PIXELS)); // 7.8 MB raw, against 21 MB of JSON
    const shipped = unpackMnist(packed);
    expect(shipped.itemShape).toEqual(fromJson.itemShape);
    expect(shipped.classNames).toEqual(fromJson.classNames);
    expect(Array.from(shipped.y)).toEqual(Array.from(fromJson.y));
    expect(shipped.x.length).toBe(fromJson.x.length);
    // Bit for bit, so the studio (bytes) and the CLI (JSON) train on the same numbers.
    expect(shipped.x.findIndex((v, i) => v !== fromJson.x[i])).toBe(-1);
  });

  it('keeps_a_packed_copy_in_the_cache_folder_and_remakes_a_damaged_one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cache-'));
    try {
      const fromJson = loadMnist();
      const same = (d: ReturnType<typeof loadMnist>) =>
        Array.from(d.y).every((v, i) => v === fromJson.y[i]) && d.x.findIndex((v, i) => v !== fromJson.x[i]) === -1;
      expect(same(loadMnist(dir))).toBe(true); // made from the JSON, and written
      const [file] = readdirSync(dir);
      expect(file).toMatch(/^mnist-\d+\.\d+\.\d+\.bin$/);
      expect(statSync(join(dir, file)).size).toBe(MNIST_DIGITS * (1 + MNIST_PIXELS));
      expect(same(loadMnist(dir))).toBe(true); // read from the copy
      writeFileSync(join(dir, file), new Uint8Array(1000)); // cut short: not whole digits
      expect(same(loadMnist(dir))).toBe(true);
      expect(statSync(join(dir, file)).size).toBe(MNIST_DIGITS * (1 + MNIST_PIXELS)); // made again
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses_packed_digits_that_are_cut_short', () => {
    const packed = packMnist(readMnistDigits());
    expect(() => unpackMnist(packed.subarray(0, packed.length - 1))).toThrow(/not a whole number of digits/);
  });
});
