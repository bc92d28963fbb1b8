import { writeArray, type GpuContext } from './device';
import type { ModelPlan } from './plan';
import { rowWords } from './program';

/**
 * Packs a dataset into the rows the gather kernel copies: each item's features (float bits), then
 * its label (u32; a negative label becomes an out-of-range one) or its regression targets.
 * Returns the rows and the number of items; throws when the arrays do not fit the plan.
 */
export function packDataset(plan: ModelPlan, x: Float32Array, y: Int32Array | Float32Array): { rows: Uint32Array; items: number } {
  const words = rowWords(plan);
  const targets = plan.loss === 'mse' ? plan.outputs : 1;
  if (plan.loss === 'mse' && !(y instanceof Float32Array)) throw new Error('regression targets must be a Float32Array');
  if (plan.loss !== 'mse' && !(y instanceof Int32Array)) throw new Error('class labels must be an Int32Array');
  if (y.length % targets !== 0) throw new Error(`y has ${y.length} values, not a multiple of the ${targets} targets per item`);
  const items = y.length / targets;
  if (x.length !== items * plan.inputSize) throw new Error(`x has ${x.length} values, expected ${items} items × ${plan.inputSize} features`);
  const rows = new Uint32Array(items * words);
  const asFloat = new Float32Array(rows.buffer);
  const labels = y instanceof Int32Array ? new Uint32Array(y.buffer, y.byteOffset, y.length) : null;
  for (let i = 0; i < items; i++) {
    asFloat.set(x.subarray(i * plan.inputSize, (i + 1) * plan.inputSize), i * words);
    if (labels) rows[i * words + plan.inputSize] = labels[i];
    else asFloat.set((y as Float32Array).subarray(i * targets, (i + 1) * targets), i * words + plan.inputSize);
  }
  return { rows, items };
}

/** A chunked split's host side: all packed rows, the epoch's order, and which chunk the GPU holds. */
interface Chunks {
  readonly rows: Uint32Array;
  /** Rows a chunk holds: a whole number of batches. */
  readonly capacity: number;
  readonly staging: Uint32Array;
  epochOrder: Int32Array;
  loaded: number;
}

/**
 * A split's rows on the GPU and the order an epoch visits them in. When the rows fit one buffer
 * (the device's binding and buffer limits, or `maxBytes`) they are uploaded once and the order
 * buffer holds the epoch's permutation. Otherwise the GPU holds a chunk of whole batches at a time,
 * filled on the host in the epoch's order, and the order buffer maps each epoch position to its
 * row in the chunk (position mod capacity), the same for every epoch. A chunk is written with
 * queue.writeBuffer, which the queue orders after earlier submits: load one only after submitting
 * every step that reads the chunk before it.
 */
export class ResidentSplit {
  readonly data: GPUBuffer;
  readonly order: GPUBuffer;
  readonly items: number;
  orderLength = 0;
  private readonly chunks: Chunks | null;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    packed: { rows: Uint32Array; items: number },
    private readonly rowWords: number,
    batchSize: number,
    maxBytes: number,
  ) {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const limit = Math.min(maxBytes, ctx.limits.maxStorageBindingSize, ctx.limits.maxBufferSize);
    this.items = packed.items;
    const rowBytes = rowWords * 4;
    if (packed.rows.byteLength <= limit) {
      this.chunks = null;
      this.data = ctx.createBuffer(`${label} data`, packed.rows.byteLength, usage);
      writeArray(ctx.device.queue, this.data, 0, packed.rows);
    } else {
      const capacity = Math.floor(limit / rowBytes / batchSize) * batchSize;
      if (capacity < batchSize)
        throw new Error(`${label}: a batch of ${batchSize} rows takes ${batchSize * rowBytes} bytes, more than the ${limit} one GPU buffer may hold`);
      this.chunks = { rows: packed.rows, capacity, staging: new Uint32Array(capacity * rowWords), epochOrder: new Int32Array(0), loaded: -1 };
      this.data = ctx.createBuffer(`${label} data (chunks of ${capacity} rows)`, capacity * rowBytes, usage);
    }
    this.order = ctx.createBuffer(`${label} order`, packed.items * 4, usage);
    if (this.chunks)
      writeArray(
        ctx.device.queue,
        this.order,
        0,
        Int32Array.from({ length: packed.items }, (_, p) => p % this.chunks!.capacity),
      );
  }

  /** Rows a chunk holds, or null when the whole split is resident. */
  get chunkRows(): number | null {
    return this.chunks?.capacity ?? null;
  }

  /** Sets the epoch's order (indices already checked against `items`). */
  setOrder(indices: Int32Array): void {
    this.orderLength = indices.length;
    if (!this.chunks) writeArray(this.ctx.device.queue, this.order, 0, indices);
    else {
      this.chunks.epochOrder = indices.slice();
      this.chunks.loaded = -1;
    }
  }

  /** The chunk that epoch position `position` needs and the GPU does not hold, or null. */
  pendingChunk(position: number): number | null {
    if (!this.chunks) return null;
    const k = Math.floor(position / this.chunks.capacity);
    return k === this.chunks.loaded ? null : k;
  }

  /** Writes chunk `k` of the epoch (its rows in epoch order) into the data buffer. */
  loadChunk(k: number): void {
    const c = this.chunks;
    if (!c) return;
    const from = k * c.capacity;
    const count = Math.min(c.capacity, this.orderLength - from);
    if (count < 1) throw new Error(`chunk ${k} is past the epoch's ${this.orderLength} items`);
    const w = this.rowWords;
    for (let r = 0; r < count; r++) {
      const item = c.epochOrder[from + r];
      c.staging.set(c.rows.subarray(item * w, (item + 1) * w), r * w);
    }
    writeArray(this.ctx.device.queue, this.data, 0, c.staging.subarray(0, count * w));
    c.loaded = k;
  }

  destroy(): void {
    this.data.destroy();
    this.order.destroy();
  }
}
