import * as tf from '@tensorflow/tfjs';
import { isClassification, numItems, targetSize, type TensorData } from './dataset';

/** A batch of device tensors; the learner disposes it after the step. */
export interface Batch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly size: number;
}

/** Turns item indices into a batch (Burn's Batcher). */
export interface Batcher<B> {
  batch(indices: Int32Array): B;
  dispose(): void;
}

/**
 * Uploads the whole TensorData to the current tfjs backend once (lazily on first batch, so it
 * lands on the backend the learner chose), then gathers each batch on the device with tf.gather —
 * no per-batch host copy of features. y is int32 for classification, float32 otherwise.
 */
export class TensorBatcher implements Batcher<Batch> {
  private x: tf.Tensor | null = null;
  private y: tf.Tensor | null = null;

  constructor(private readonly data: TensorData) {}

  /** Gathers the rows at `indices`; x is [b, ...itemShape], y is [b] (int32) or [b, targetSize]. */
  batch(indices: Int32Array): Batch {
    const { x, y } = this.upload();
    return tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      return { x: tf.gather(x, idx), y: tf.gather(y, idx), size: indices.length };
    });
  }

  /** Frees the uploaded tensors; a later batch uploads again. */
  dispose(): void {
    this.x?.dispose();
    this.y?.dispose();
    this.x = null;
    this.y = null;
  }

  private upload(): { x: tf.Tensor; y: tf.Tensor } {
    if (this.x === null || this.y === null) {
      const n = numItems(this.data);
      this.x = tf.tensor(this.data.x, [n, ...this.data.itemShape], 'float32');
      this.y = isClassification(this.data)
        ? tf.tensor1d(this.data.y, 'int32')
        : tf.tensor2d(this.data.y, [n, targetSize(this.data)], 'float32');
    }
    return { x: this.x, y: this.y };
  }
}
