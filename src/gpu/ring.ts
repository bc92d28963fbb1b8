import type { GpuContext } from './device';
import { STEP_BYTES } from './kernels/common';

/**
 * The per-step records: one uniform buffer of `slots` records, each at a multiple of the device's
 * uniform offset alignment, bound once with a dynamic offset. A step writes its record with one
 * queue.writeBuffer from a preallocated array; since writes land in queue order before the next
 * submit, up to `slots` steps can share one command buffer.
 */
export class StepRing {
  readonly buffer: GPUBuffer;
  /** Byte offset of each slot, for setBindGroup's dynamic offsets. */
  readonly offsets: Uint32Array;
  private readonly record = new ArrayBuffer(STEP_BYTES);
  private readonly words = new Uint32Array(this.record);
  private readonly floats = new Float32Array(this.record);

  constructor(
    private readonly ctx: GpuContext,
    readonly slots: number,
  ) {
    const stride = Math.ceil(STEP_BYTES / ctx.limits.uniformAlignment) * ctx.limits.uniformAlignment;
    this.offsets = Uint32Array.from({ length: slots }, (_, i) => i * stride);
    this.buffer = ctx.createBuffer('step records', slots * stride, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  }

  /** The binding kernels use (one record; the slot comes as the dynamic offset). */
  get binding(): { buffer: GPUBuffer; size: number } {
    return { buffer: this.buffer, size: STEP_BYTES };
  }

  /**
   * Queues the write of a slot's record (the fields of STEP_STRUCT, in order). Plain arguments,
   * not an object, so that the per-step path allocates nothing.
   */
  write(slot: number, row0: number, seed: number, accumulate: boolean, lr: number, gradScale: number): void {
    const w = this.words;
    w[0] = row0;
    w[1] = slot;
    w[2] = seed >>> 0;
    w[3] = accumulate ? 1 : 0;
    this.floats[4] = lr;
    this.floats[5] = gradScale;
    this.ctx.device.queue.writeBuffer(this.buffer, this.offsets[slot], this.record);
  }
}

/**
 * Each step's statistics (`stride` floats) in a ring of `slots`, read back in groups: one
 * copy (two when the group wraps) and one mapAsync per group, into staging buffers that are
 * reused once their read is done.
 */
export class StatsRing {
  readonly buffer: GPUBuffer;
  private readonly idle: GPUBuffer[] = [];

  constructor(
    private readonly ctx: GpuContext,
    readonly slots: number,
    readonly stride: number,
  ) {
    this.buffer = ctx.createBuffer('step statistics', slots * stride * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
  }

  /**
   * The statistics of steps [from, from + count) (step ids as the runtime numbers them), once the
   * GPU has run them; `newest` is the next id to be given, to refuse steps the ring overwrote.
   */
  async read(from: number, count: number, newest: number): Promise<Float32Array> {
    if (count < 1 || from < 0 || from + count > newest)
      throw new Error(`statistics of steps ${from}..${from + count - 1} asked for, steps 0..${newest - 1} were encoded`);
    if (from < newest - this.slots) throw new Error(`statistics of step ${from} were overwritten: the ring holds the last ${this.slots} steps`);
    const bytes = this.stride * 4;
    const staging =
      this.idle.pop() ??
      this.ctx.device.createBuffer({ label: 'statistics read-back', size: this.slots * bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.ctx.device.createCommandEncoder();
    const first = from % this.slots;
    const head = Math.min(count, this.slots - first);
    encoder.copyBufferToBuffer(this.buffer, first * bytes, staging, 0, head * bytes);
    if (head < count) encoder.copyBufferToBuffer(this.buffer, 0, staging, head * bytes, (count - head) * bytes);
    this.ctx.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, count * bytes);
      const values = new Float32Array(staging.getMappedRange(0, count * bytes).slice(0));
      staging.unmap();
      this.idle.push(staging);
      return values;
    } catch (e) {
      staging.destroy();
      throw e;
    }
  }

  /** Frees the ring and its staging buffers. */
  destroy(): void {
    this.buffer.destroy();
    for (const b of this.idle.splice(0)) b.destroy();
  }
}

/**
 * Reads buffers back whole (weights, optimizer state, confusion counts: checkpoints, not the hot
 * loop) through staging buffers kept per size once their read is done: a mappable buffer of tens of
 * MB takes milliseconds of the host to create, at every checkpoint.
 */
export class ReadBack {
  private readonly idle = new Map<number, GPUBuffer[]>();

  constructor(private readonly ctx: GpuContext) {}

  /** The first `bytes` of `buffer`, as the GPU has it once the work queued before this call ran. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging =
      this.idle.get(size)?.pop() ?? this.ctx.device.createBuffer({ label: 'read-back', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.ctx.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.ctx.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      const data = staging.getMappedRange().slice(0);
      staging.unmap();
      const idle = this.idle.get(size) ?? [];
      idle.push(staging);
      this.idle.set(size, idle);
      return data;
    } catch (e) {
      staging.destroy();
      throw e;
    }
  }

  /** Frees the staging buffers. */
  destroy(): void {
    for (const list of this.idle.values()) for (const b of list) b.destroy();
    this.idle.clear();
  }
}
