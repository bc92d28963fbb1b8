/** A dataset of items addressed by index (Burn's Dataset). */
export interface Dataset<I> {
  readonly length: number;
  get(index: number): I;
}

/** Features and labels as flat typed arrays: the in-memory form every reader produces. */
export interface TensorData {
  /** Features, row-major: length = n * prod(itemShape). */
  readonly x: Float32Array;
  /** Shape of one item, e.g. [28, 28, 1]. */
  readonly itemShape: readonly number[];
  /** Class indices (Int32Array, length n) or regression targets (Float32Array, length n * targetSize). */
  readonly y: Int32Array | Float32Array;
  /** Set for classification. */
  readonly numClasses?: number;
  /** Display names of the classes, index-aligned with the labels. */
  readonly classNames?: readonly string[];
}

/** One item of a {@link TensorDataset}: a class index, or a target vector for regression. */
export interface TensorItem {
  readonly x: Float32Array;
  readonly y: number | Float32Array;
}

/** Number of features in one item. */
export function itemSize(data: Pick<TensorData, 'itemShape'>): number {
  return data.itemShape.reduce((a, b) => a * b, 1);
}

/** Number of items (rows) in `data`. */
export function numItems(data: TensorData): number {
  const size = itemSize(data);
  // A zero-sized item carries no rows we could count from x; the labels still do.
  if (size === 0) return data.y instanceof Int32Array ? data.y.length : 0;
  return data.x.length / size;
}

/** Values per row of y: 1 for class indices, the target width for regression. */
export function targetSize(data: TensorData): number {
  if (data.y instanceof Int32Array) return 1;
  const n = numItems(data);
  return n === 0 ? 1 : data.y.length / n;
}

/** True when y holds class indices rather than regression targets. */
export function isClassification(data: TensorData): data is TensorData & { y: Int32Array } {
  return data.y instanceof Int32Array;
}

/** Items [i] with x as a subarray view (no copy). */
export class TensorDataset implements Dataset<TensorItem> {
  /** Number of items. */
  readonly length: number;
  private readonly size: number;
  private readonly ySize: number;

  constructor(private readonly data: TensorData) {
    this.length = numItems(data);
    this.size = itemSize(data);
    this.ySize = targetSize(data);
  }

  /** The item at `index`; its arrays are views into the dataset's buffers. */
  get(index: number): TensorItem {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} out of range [0, ${this.length})`);
    }
    const x = this.data.x.subarray(index * this.size, (index + 1) * this.size);
    const y = this.data.y instanceof Int32Array ? this.data.y[index] : this.data.y.subarray(index * this.ySize, (index + 1) * this.ySize);
    return { x, y };
  }
}

/** The rows at `indices` copied into a new TensorData (used for splits and --limit). */
export function selectRows(data: TensorData, indices: ArrayLike<number>): TensorData {
  const n = numItems(data);
  const size = itemSize(data);
  const ySize = targetSize(data);
  const x = new Float32Array(indices.length * size);
  const y = data.y instanceof Int32Array ? new Int32Array(indices.length) : new Float32Array(indices.length * ySize);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(`row ${r} out of range [0, ${n})`);
    }
    x.set(data.x.subarray(r * size, (r + 1) * size), i * size);
    y.set(data.y.subarray(r * ySize, (r + 1) * ySize), i * ySize);
  }
  return { ...data, x, y };
}
