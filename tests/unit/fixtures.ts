import * as tf from '@tensorflow/tfjs';
import { BatchDataLoader } from '../../src/data/dataloader';
import { TensorBatcher } from '../../src/data/batcher';
import type { TensorData } from '../../src/data/dataset';
import type { StoreBatch } from '../../src/store/base';
import { MemoryStore } from '../../src/store/memory';
import { Rng } from '../../src/util/rng';

/** A separable 3-class problem: 4 features, the class is the index of the largest of the first 3. */
export function blobs(n: number, seed = 1): TensorData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.next() * 2 - 1;
    const a = x[i * 4];
    const b = x[i * 4 + 1];
    const c = x[i * 4 + 2];
    y[i] = a >= b && a >= c ? 0 : b >= c ? 1 : 2;
  }
  return { x, itemShape: [4], y, numClasses: 3 };
}

/** A loader over `data`; shuffled with `seed` when given. */
export function loader(data: TensorData, batchSize: number, seed?: number) {
  return new BatchDataLoader(data.y.length, new TensorBatcher(data), { batchSize, shuffle: seed !== undefined, seed });
}

/** A small seeded MLP for `blobs`, optionally with dropout. */
export function smallModel(seed = 1, dropout = 0): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu', name: 'hidden', kernelInitializer: init(1) }));
  if (dropout) m.add(tf.layers.dropout({ rate: dropout, name: 'drop' }));
  m.add(tf.layers.dense({ units: 3, name: 'out', kernelInitializer: init(2) }));
  return m;
}

/** The model's weights as plain arrays, for exact comparison. */
export function weights(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** A memory store whose commits that write a checkpoint of epoch 2 fail, as on a full disk. */
export class FullAtEpoch2Store extends MemoryStore {
  override async commit(batch: StoreBatch): Promise<void> {
    if (batch.write?.some((f) => f.path.endsWith('-2.mpk.gz'))) throw new Error('disk full');
    return super.commit(batch);
  }
}
