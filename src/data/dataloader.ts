import { Rng } from '../util/rng';
import { TensorBatcher, type Batch, type Batcher } from './batcher';
import { isClassification, numItems, selectRows, type TensorData } from './dataset';
import { randomSplit, stratifiedSplit } from './split';

/** Iterates batches of an epoch (Burn's DataLoader). */
export interface DataLoader<B> {
  readonly numItems: number;
  readonly numBatches: number;
  readonly batchSize: number;
  /**
   * Batches of epoch `epoch` (1-based). The order is a pure function of (seed, epoch): resuming at
   * epoch k reproduces exactly the order an uninterrupted run would see.
   */
  batches(epoch: number): Iterable<B>;
  /** The data-order state saved in checkpoints. */
  state(): { seed: number | null; shuffle: boolean };
  /** Makes epoch `epoch`'s order ahead of it (the learner does, while the device works), so that the epoch starts without the wait. */
  prepare?(epoch: number): void;
  /**
   * The rows and each epoch's order, for an engine that keeps the data on the device and gathers
   * batches itself; null when the loader's batches are not rows of one TensorData.
   */
  resident?(): ResidentRows | null;
  dispose(): void;
}

/** A loader's rows and its per-epoch order (batch b is order[b·batchSize, (b+1)·batchSize)). */
export interface ResidentRows {
  readonly data: TensorData;
  order(epoch: number): Int32Array;
}

/** Options of a {@link BatchDataLoader}. */
export interface DataLoaderOptions {
  batchSize: number;
  /** Shuffle each epoch; defaults to true when a seed is given. */
  shuffle?: boolean;
  seed?: number;
  /** Skip the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
}

/** Throws unless `batchSize` is an integer ≥ 1. */
export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  }
}

/** Serves `length` items in batches, reshuffled per epoch from a seed rather than a running state. */
export class BatchDataLoader<B> implements DataLoader<B> {
  /** Number of items per epoch, before dropLast. */
  readonly numItems: number;
  /** Number of batches per epoch. */
  readonly numBatches: number;
  /** Items per full batch. */
  readonly batchSize: number;
  private readonly shuffle: boolean;
  /** An epoch's order made ahead (`prepare`), handed out once. */
  private ahead: { readonly epoch: number; readonly order: Int32Array } | null = null;
  private readonly seed: number | null;
  private readonly dropLast: boolean;

  constructor(
    length: number,
    private readonly batcher: Batcher<B>,
    options: DataLoaderOptions,
  ) {
    checkBatchSize(options.batchSize);
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`length must be a non-negative integer, got ${length}`);
    }
    this.shuffle = options.shuffle ?? options.seed !== undefined;
    if (this.shuffle && options.seed === undefined) {
      // An unseeded shuffle could not be reproduced on resume.
      throw new Error('shuffle needs a seed so that a resumed run sees the same order');
    }
    this.numItems = length;
    this.batchSize = options.batchSize;
    this.seed = options.seed ?? null;
    this.dropLast = options.dropLast ?? false;
    this.numBatches = this.dropLast ? Math.floor(length / this.batchSize) : Math.ceil(length / this.batchSize);
  }

  /** Batches of epoch `epoch` (1-based), built lazily one at a time. */
  *batches(epoch: number): Iterable<B> {
    if (!Number.isInteger(epoch) || epoch < 1) {
      throw new RangeError(`epoch must be an integer >= 1, got ${epoch}`);
    }
    const order = this.order(epoch);
    for (let b = 0; b < this.numBatches; b++) {
      const start = b * this.batchSize;
      // slice, not subarray: a batcher may keep the indices it was given.
      yield this.batcher.batch(order.slice(start, Math.min(start + this.batchSize, order.length)));
    }
  }

  /** The data-order state saved in checkpoints. */
  state(): { seed: number | null; shuffle: boolean } {
    return { seed: this.seed, shuffle: this.shuffle };
  }

  /** Frees the batcher's resources. */
  dispose(): void {
    this.batcher.dispose();
  }

  /** The rows and per-epoch order when the batcher batches one TensorData. */
  resident(): ResidentRows | null {
    if (!(this.batcher instanceof TensorBatcher)) return null;
    const { data } = this.batcher;
    // dropLast: the epoch's order stops at the last full batch.
    const items = this.numBatches * this.batchSize;
    return { data, order: (epoch) => (items < this.numItems ? this.order(epoch).slice(0, items) : this.order(epoch)) };
  }

  prepare(epoch: number): void {
    this.ahead = { epoch, order: this.order(epoch) };
  }

  private order(epoch: number): Int32Array {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead?.epoch === epoch) return ahead.order;
    const order = new Int32Array(this.numItems);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) Rng.derive(this.seed!, epoch).shuffle(order);
    return order;
  }
}

/** Options of {@link dataLoaders}. */
export interface DataLoadersOptions {
  batchSize: number;
  /** Share of rows held out for validation, in [0, 1). */
  validFraction: number;
  /** Seeds both the split and the per-epoch shuffle. */
  seed: number;
  /** Keep only the first `limit` rows before splitting. */
  limit?: number;
  /** Drop the last partial training batch. */
  dropLast?: boolean;
}

/** Train and validation loaders over `data`, plus the rows each side received. */
export interface DataLoaders {
  readonly train: DataLoader<Batch>;
  readonly valid: DataLoader<Batch>;
  readonly trainData: TensorData;
  readonly validData: TensorData;
}

/** Applies `limit`, splits (stratified for classification), and builds loaders; only train shuffles. */
export function dataLoaders(data: TensorData, opts: DataLoadersOptions): DataLoaders {
  checkBatchSize(opts.batchSize);
  const { train, valid } = splitData(data, opts);
  return splitLoaders(train, valid, opts);
}

/** The rows `dataLoaders` trains and validates on: the first `limit` rows, split (stratified for classification). */
export function splitData(data: TensorData, opts: Pick<DataLoadersOptions, 'validFraction' | 'seed' | 'limit'>): { train: TensorData; valid: TensorData } {
  let rows = data;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) {
      throw new RangeError(`limit must be an integer >= 1, got ${opts.limit}`);
    }
    const n = Math.min(opts.limit, numItems(data));
    rows = selectRows(
      data,
      Int32Array.from({ length: n }, (_, i) => i),
    );
  }
  const split = isClassification(rows) ? stratifiedSplit(rows.y, opts.validFraction, opts.seed) : randomSplit(numItems(rows), opts.validFraction, opts.seed);
  return { train: selectRows(rows, split.train), valid: selectRows(rows, split.valid) };
}

/** Loaders over a split made already (a dataset prepared with its split, or train/ and valid/ folders); only train shuffles. */
export function splitLoaders(trainData: TensorData, validData: TensorData, opts: Pick<DataLoadersOptions, 'batchSize' | 'seed' | 'dropLast'>): DataLoaders {
  checkBatchSize(opts.batchSize);
  const train = new BatchDataLoader(numItems(trainData), new TensorBatcher(trainData), {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    dropLast: opts.dropLast,
  });
  const valid = new BatchDataLoader(numItems(validData), new TensorBatcher(validData), {
    batchSize: opts.batchSize,
    shuffle: false,
  });
  return { train, valid, trainData, validData };
}
