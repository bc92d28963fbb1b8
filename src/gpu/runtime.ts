import type { OptimizerConfig } from '../train/optim/config';
import { encodeDispatches, GpuContext, writeArray, type BufferBinding, type Dispatch, type KernelLimits } from './device';
import { packDataset, ResidentSplit } from './dataset';
import { chooseTiling, type GemmTiling } from './kernels/gemm-tiling';
import { OPTIM_HEAD, optimizerKernels, type OptimizerKernels } from './kernels/optim';
import type { ModelPlan, WeightSlot } from './plan';
import { DEFAULT_TUNE, rememberedTilings, tuneProgram, type TuneAnnouncer, type TuneOptions, type TuneResult } from './autotune';
import { buildProgram, rowWords, type BufferName, type ProgramKernel } from './program';
import { ReadBack, StatsRing, StepRing } from './ring';
import { statsStride } from './kernels/common';
import { layerSteps } from './layers';

/** Classifiers of up to 1,024 classes count their validation's confusion matrix on the GPU (4 MiB of counts at most). */
const countsConfusion = (plan: ModelPlan) => plan.loss !== 'mse' && plan.outputs <= 1024;

/** Which data a step reads: the training set (in the epoch's order) or the validation set (in order). */
export type Split = 'train' | 'valid';

/** How the compiled step is built. */
export interface TrainerOptions {
  /** The largest batch; an epoch's last, shorter batch gets its own kernels, made once. */
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  /** Steps whose statistics the ring holds (and the most steps one submit may hold); default 256. */
  readonly statsSlots?: number;
  /** Bytes of a split the GPU holds at once (default: all, within the device's buffer limits); larger splits go in chunks. */
  readonly maxResidentBytes?: number;
  /** Per-class counts and label ranks in each step's statistics (classification only); see `statsStride`. */
  readonly classStats?: boolean;
  /** Seeds the dropout masks (with the step number). */
  readonly seed?: number;
  /** GEMM tilings; default `chooseTiling`. */
  readonly tiling?: (m: number, n: number, k: number, limits: KernelLimits) => GemmTiling;
  /**
   * Times the large GEMMs over candidate tilings on this device while the trainer is created, and
   * keeps the fastest. Off (the default), tilings found earlier on this device (in this process, or
   * from a stored profile) still apply, and nothing is timed.
   */
  readonly autotune?: TuneOptions | boolean;
  /** Rows of the batches each split's epochs will have (full, last): their pipelines compile while the trainer is created, all at once. */
  readonly batches?: Partial<Record<Split, readonly number[]>>;
  /** Called when the autotuner is about to time GEMMs this device has not seen (not when all are remembered). */
  readonly onTuning?: TuneAnnouncer;
}

/** The optimizer's state as plain arrays: its step count and its slots per weight (plan weight order). */
export interface OptimizerState {
  readonly step: number;
  readonly slots: Readonly<Record<string, readonly Float32Array[]>>;
}

/**
 * The compiled training step for a plan (a graph of dense, convolution, pooling, batch
 * normalization, global pooling and add layers) on a caller's GPUDevice.
 * Every buffer, pipeline and bind group is made up front (or once per new batch size); a step is a
 * step record written with one queue.writeBuffer and a compute pass of 10 to about 23 recorded
 * dispatches (more for convolutions, pooling and split-K sums): gather, forward GEMMs with
 * fused bias, activation and dropout, the fused loss, backward GEMMs with fused activation masks
 * and bias gradients, and the optimizer. Statistics go into a ring read back in groups.
 *
 * In Node, keep the GPU object from the `webgpu` package's `create` referenced while the device
 * lives: Dawn aborts the process when it is garbage-collected under a live device.
 */
export class CompiledTrainer {
  /** Floats per step in `readStats`. */
  readonly statsStride: number;
  private readonly shared = new Map<BufferName, GPUBuffer>();
  private readonly owned: GPUBuffer[] = [];
  private readonly datasets = new Map<Split, ResidentSplit>();
  /** Compiled steps by split, then batch size (number keys: the per-step lookup allocates nothing). */
  private readonly programs = new Map<Split, Map<number, Dispatch[]>>([
    ['train', new Map()],
    ['valid', new Map()],
  ]);
  private readonly steps: StepRing;
  private readonly stats: StatsRing;
  private readonly readBack: ReadBack;
  private nextId = 0;
  private pendingItems = 0;
  /** What the autotuner found (or applied from memory), or null when it had nothing to do. */
  private tuning: TuneResult | null = null;
  /** Milliseconds `create` spent tuning and compiling pipelines (those of `batches` included). */
  readonly startup = { tuningMs: 0, pipelinesMs: 0 };

  private constructor(
    readonly ctx: GpuContext,
    readonly plan: ModelPlan,
    private readonly options: TrainerOptions,
    private readonly optim: OptimizerKernels,
    private optimizer: Dispatch[],
  ) {
    const slots = options.statsSlots ?? 256;
    this.statsStride = statsStride(plan.outputs, (options.classStats ?? false) && plan.loss !== 'mse');
    this.steps = new StepRing(ctx, slots);
    this.stats = new StatsRing(ctx, slots, this.statsStride);
    this.readBack = new ReadBack(ctx);
  }

  /** Builds the trainer: allocates params, gradients, activations and optimizer state, compiles the optimizer. */
  static async create(device: GPUDevice, plan: ModelPlan, options: TrainerOptions): Promise<CompiledTrainer> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    const ctx = new GpuContext(device);
    const optim = optimizerKernels(options.optimizer, plan.paramCount, ctx.limits.maxInvocations);
    const t = new CompiledTrainer(ctx, plan, options, optim, []);
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const b = options.batchSize;
    t.allocate('batch', b * rowWords(plan), storage);
    t.allocate('params', plan.storedCount, storage);
    t.allocate('grads', plan.paramCount, storage);
    plan.layers.forEach((layer, l) => {
      t.allocate(`h${l}`, b * layer.outputs, storage);
      t.allocate(`g${l}`, b * layer.outputs, storage);
      const scratch = layerSteps(layer).scratch?.(layer, b, ctx.limits.maxInvocations) ?? 0;
      if (scratch > 0) t.allocate(`s${l}`, scratch, storage);
    });
    if (countsConfusion(plan)) t.allocate('confusion', plan.outputs * plan.outputs, storage);
    const state = t.allocate('state', optim.stateFloats, storage);
    const bound = { params: t.shared.get('params')!, grads: t.shared.get('grads')!, state, step: t.steps.binding };
    const tuneStart = performance.now();
    if (options.autotune) await t.autotune(options.autotune === true ? DEFAULT_TUNE : options.autotune);
    else if (rememberedTilings(device).size > 0) await t.autotune({ ...DEFAULT_TUNE, minFlops: 0, budgetMs: 0 }); // whatever is remembered applies
    const compileStart = performance.now();
    t.startup.tuningMs = compileStart - tuneStart;
    // Every pipeline of the step compiles at once: the optimizer's and each split's at each batch size.
    const [dispatches] = await Promise.all([
      Promise.all([optim.norm, optim.prep, optim.update].filter((k) => k !== null).map((k) => ctx.prepare(k, bound))),
      ...Object.entries(options.batches ?? {}).flatMap(([split, sizes]) => sizes.map((rows) => t.compile(split as Split, rows))),
    ]);
    t.optimizer = dispatches;
    t.startup.pipelinesMs = performance.now() - compileStart;
    return t;
  }

  /** Compiles the pipelines of a split's step at a batch size (bound once the split's data is uploaded). */
  private async compile(split: Split, rows: number): Promise<void> {
    const p = this.build(split, rows, (m, n, k, label) => this.tiling(m, n, k, label));
    await Promise.all(p.kernels.map((k) => this.ctx.pipeline(k.kernel)));
  }

  private allocate(name: BufferName, floats: number, usage: number): GPUBuffer {
    const buffer = this.ctx.createBuffer(name, floats * 4, usage);
    this.shared.set(name, buffer);
    this.owned.push(buffer);
    return buffer;
  }

  /**
   * Uploads a split's data once (x: items × inputSize; y: class indices, or items × outputs
   * targets), replacing any earlier upload, with the identity order; compiles the kernels for the
   * full and the last batch size of an epoch over all items.
   */
  async uploadDataset(split: Split, x: Float32Array, y: Int32Array | Float32Array): Promise<void> {
    const { rows, items } = packDataset(this.plan, x, y);
    if (items === 0) throw new Error(`the ${split} set is empty`);
    const old = this.datasets.get(split);
    if (old) {
      old.destroy();
      this.programs.get(split)!.clear();
    }
    this.datasets.set(
      split,
      new ResidentSplit(this.ctx, split, { rows, items }, rowWords(this.plan), this.options.batchSize, this.options.maxResidentBytes ?? Infinity),
    );
    await this.setEpochOrder(
      Int32Array.from({ length: items }, (_, i) => i),
      split,
    );
  }

  /** Sets the order the next epoch visits items in (once per epoch); compiles a new last-batch size once. */
  async setEpochOrder(indices: Int32Array, split: Split = 'train'): Promise<void> {
    const d = this.dataset(split);
    if (indices.length < 1 || indices.length > d.items)
      throw new Error(`epoch order has ${indices.length} indices, the ${split} set has room for 1..${d.items}`);
    for (const i of indices) if (i < 0 || i >= d.items) throw new Error(`epoch order names item ${i}, the ${split} set has ${d.items}`);
    d.setOrder(indices);
    const b = this.options.batchSize;
    const sizes = new Set([Math.min(b, indices.length), indices.length % b || b]);
    await Promise.all([...sizes].map((rows) => this.program(split, rows)));
  }

  /**
   * The data chunk step `step` of the split needs and the GPU does not hold yet, or null (always
   * null when the split fits the GPU whole). Submit every recorded step, then `loadChunk`.
   */
  pendingChunk(split: Split, step: number): number | null {
    return this.dataset(split).pendingChunk(step * this.options.batchSize);
  }

  /** Loads a chunk `pendingChunk` named (after every step recorded before it was submitted). */
  loadChunk(split: Split, chunk: number): void {
    this.dataset(split).loadChunk(chunk);
  }

  /** Rows of the split a chunk holds, or null when it is resident whole. */
  chunkRows(split: Split): number | null {
    return this.dataset(split).chunkRows;
  }

  /** Steps in an epoch of the split (the last may be short). */
  stepsPerEpoch(split: Split): number {
    return Math.ceil(this.dataset(split).orderLength / this.options.batchSize);
  }

  /** The dispatches of a split's step at a batch size, compiled on first use (the optimizer's are apart). */
  async program(split: Split, rows: number): Promise<readonly Dispatch[]> {
    const done = this.programs.get(split)!.get(rows);
    if (done) return done;
    const p = this.build(split, rows, (m, n, k, label) => this.tiling(m, n, k, label));
    const part = p.partFloats > 0 ? this.ctx.createBuffer(`split-K scratch (${split}, ${rows} rows)`, p.partFloats * 4, GPUBufferUsage.STORAGE) : null;
    if (part) this.owned.push(part);
    const dispatches = await Promise.all(p.kernels.map((k) => this.ctx.prepare(k.kernel, this.resolve(k, split, part))));
    this.programs.get(split)!.set(rows, dispatches);
    return dispatches;
  }

  /** What the autotuner found (or applied from memory): tilings that beat the default, by GEMM label; null when it had nothing to do. */
  get tuned(): TuneResult | null {
    return this.tuning;
  }

  /** A GEMM's tiling: the tuner's where it found one, else the policy's. */
  private tiling(m: number, n: number, k: number, label: string): GemmTiling {
    return this.tuning?.best.get(label) ?? this.fallbackTiling(m, n, k);
  }

  private fallbackTiling(m: number, n: number, k: number): GemmTiling {
    return (this.options.tiling ?? chooseTiling)(m, n, k, this.ctx.limits);
  }

  /** A split's program for a batch size, with each GEMM's tiling as `pick` says. */
  private build(split: Split, rows: number, pick: (m: number, n: number, k: number, label: string) => GemmTiling) {
    return buildProgram(this.plan, {
      rows,
      rowWords: rowWords(this.plan),
      training: split === 'train',
      limits: this.ctx.limits,
      classStats: this.options.classStats ?? false,
      confusion: countsConfusion(this.plan),
      tiling: pick,
    });
  }

  /** Tunes the full-batch training step's GEMMs (validation's forward GEMMs share their labels and tilings). */
  private async autotune(options: TuneOptions): Promise<void> {
    const step = { binding: this.steps.binding, offsets: this.steps.offsets };
    const build = (pick: (m: number, n: number, k: number, label: string) => GemmTiling) => this.build('train', this.options.batchSize, pick);
    this.tuning = await tuneProgram(
      this.ctx,
      build,
      (m, n, k) => this.fallbackTiling(m, n, k),
      (name) => this.shared.get(name)!.size,
      step,
      options,
      this.options.onTuning,
    );
  }

  /** The optimizer's dispatches (norm when clipping by norm, step factors, update). */
  get optimizerDispatches(): readonly Dispatch[] {
    return this.optimizer;
  }

  /** Byte offsets of the step-record slots, for encoding dispatches outside a step (profiling). */
  get stepOffsets(): Uint32Array {
    return this.steps.offsets;
  }

  /** Binds each role of a program kernel to the buffer it names. */
  private resolve(k: ProgramKernel, split: Split, part: GPUBuffer | null): Record<string, BufferBinding> {
    const d = this.dataset(split);
    const named = (name: BufferName): BufferBinding | null | undefined => {
      switch (name) {
        case 'data':
          return d.data;
        case 'order':
          return d.order;
        case 'stats':
          return this.stats.buffer;
        case 'step':
          return this.steps.binding;
        case 'part':
          return part;
        default:
          return this.shared.get(name);
      }
    };
    const out: Record<string, BufferBinding> = {};
    for (const [role, name] of Object.entries(k.roles)) {
      const buffer = named(name);
      if (buffer) out[role] = buffer;
    }
    return out;
  }

  private dataset(split: Split): ResidentSplit {
    const d = this.datasets.get(split);
    if (!d) throw new Error(`no ${split} data: call uploadDataset('${split}', x, y) first`);
    return d;
  }

  /** Rows of step `step` of the split's epoch; throws outside the epoch. */
  private stepRows(split: Split, step: number): number {
    const b = this.options.batchSize;
    const rows = Math.min(b, this.dataset(split).orderLength - step * b);
    if (!Number.isInteger(step) || step < 0 || rows < 1) throw new Error(`${split} step ${step} is outside the epoch's ${this.stepsPerEpoch(split)} steps`);
    return rows;
  }

  /** Throws when the step's data chunk is not on the GPU. */
  private chunkHeld(split: Split, step: number): void {
    const k = this.pendingChunk(split, step);
    if (k !== null)
      throw new Error(`${split} step ${step} reads data chunk ${k}, which is not loaded: submit the recorded steps, then loadChunk('${split}', ${k})`);
  }

  /** The compiled step for that many rows. */
  private compiled(split: Split, rows: number): Dispatch[] {
    const dispatches = this.programs.get(split)!.get(rows);
    if (!dispatches) throw new Error(`no kernels for ${split} batches of ${rows}: set the epoch order first`);
    return dispatches;
  }

  /**
   * Records training step `step` of the epoch (gather, forward, loss, backward) into `encoder`;
   * its gradients add to those held since the last update. With `apply`, the optimizer then
   * takes one step with their mean weighted by batch size (as the tfjs engine) at `apply.lr`.
   * Dropout masks come from `dropoutSeed` (default: the trainer's seed plus the step's id).
   * Returns the step's id for `readStats`. Submit at most `statsSlots` steps per command buffer.
   */
  encodeTrainStep(encoder: GPUCommandEncoder, step: number, apply: { readonly lr: number } | null, dropoutSeed?: number): number {
    const rows = this.stepRows('train', step);
    this.chunkHeld('train', step);
    const dispatches = this.compiled('train', rows);
    if (apply && !(Number.isFinite(apply.lr) && apply.lr >= 0)) throw new Error(`learning rate must be a finite number >= 0, got ${apply.lr}`);
    const id = this.nextId++;
    const slot = id % this.steps.slots;
    const accumulate = this.pendingItems > 0;
    this.pendingItems += rows;
    const gradScale = apply ? 1 / this.pendingItems : 0;
    this.steps.write(slot, step * this.options.batchSize, dropoutSeed ?? (this.options.seed ?? 0) + id, accumulate, apply ? apply.lr : 0, gradScale);
    const pass = encoder.beginComputePass();
    encodeDispatches(pass, dispatches, this.steps.offsets, slot);
    if (apply) {
      encodeDispatches(pass, this.optimizer, this.steps.offsets, slot);
      this.pendingItems = 0;
    }
    pass.end();
    return id;
  }

  /** Records validation step `step` (gather, forward, loss statistics); returns its id for `readStats`. */
  encodeValidStep(encoder: GPUCommandEncoder, step: number): number {
    const dispatches = this.compiled('valid', this.stepRows('valid', step));
    this.chunkHeld('valid', step);
    const id = this.nextId++;
    const slot = id % this.steps.slots;
    this.steps.write(slot, step * this.options.batchSize, 0, false, 0, 0);
    const pass = encoder.beginComputePass();
    encodeDispatches(pass, dispatches, this.steps.offsets, slot);
    pass.end();
    return id;
  }

  /** Encodes and submits one training step on its own; returns its id. */
  trainStep(step: number, apply: { readonly lr: number } | null): number {
    const k = this.pendingChunk('train', step);
    if (k !== null) this.loadChunk('train', k);
    const encoder = this.ctx.device.createCommandEncoder();
    const id = this.encodeTrainStep(encoder, step, apply);
    this.ctx.device.queue.submit([encoder.finish()]);
    return id;
  }

  /** Encodes and submits one validation step on its own; returns its id. */
  validStep(step: number): number {
    const k = this.pendingChunk('valid', step);
    if (k !== null) this.loadChunk('valid', k);
    const encoder = this.ctx.device.createCommandEncoder();
    const id = this.encodeValidStep(encoder, step);
    this.ctx.device.queue.submit([encoder.finish()]);
    return id;
  }

  /**
   * Statistics of `count` consecutive submitted steps from id `from`, `statsStride` floats each
   * (classification: loss sum, correct, rows, then any class statistics; regression: loss sum,
   * absolute error sum, rows).
   */
  readStats(from: number, count: number): Promise<Float32Array> {
    return this.stats.read(from, count, this.nextId);
  }

  /** The weights, one array per model.trainableWeights entry. */
  async readWeights(): Promise<Float32Array[]> {
    const all = new Float32Array(await this.readBack.read(this.shared.get('params')!, this.plan.paramCount * 4));
    return this.plan.weights.map((w) => all.slice(w.offset, w.offset + w.size));
  }

  /** Replaces the weights (one array per model.trainableWeights entry); applies before the next submit. */
  writeWeights(arrays: readonly Float32Array[]): void {
    this.writeSlots('weights', this.plan.weights, arrays);
  }

  /** The non-trainable weights (moving statistics), one array per model.nonTrainableWeights entry. */
  async readState(): Promise<Float32Array[]> {
    const all = new Float32Array(await this.readBack.read(this.shared.get('params')!, this.plan.storedCount * 4));
    return this.plan.state.map((w) => all.slice(w.offset, w.offset + w.size));
  }

  /** Replaces the non-trainable weights (one array per model.nonTrainableWeights entry); applies before the next submit. */
  writeState(arrays: readonly Float32Array[]): void {
    this.writeSlots('non-trainable weights', this.plan.state, arrays);
  }

  private writeSlots(what: string, slots: readonly WeightSlot[], arrays: readonly Float32Array[]): void {
    const params = this.shared.get('params')!;
    this.checkArrays(what, arrays, slots);
    slots.forEach((w, i) => writeArray(this.ctx.device.queue, params, w.offset * 4, arrays[i]));
  }

  /** The optimizer's step count and slots ('m', 'v' or 'momentum'), per weight. */
  async readOptimizerState(): Promise<OptimizerState> {
    const all = new Float32Array(await this.readBack.read(this.shared.get('state')!, this.optim.stateFloats * 4));
    const p = this.plan.paramCount;
    const slots = Object.fromEntries(
      this.optim.slots.map((name, k) => [name, this.plan.weights.map((w) => all.slice(OPTIM_HEAD + k * p + w.offset, OPTIM_HEAD + k * p + w.offset + w.size))]),
    );
    return { step: all[0], slots };
  }

  /** Restores the optimizer's state (a state without slots, at step 0, resets it). */
  writeOptimizerState(state: OptimizerState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`optimizer step must be an integer >= 0, got ${state.step}`);
    const names = Object.keys(state.slots);
    if (names.length > 0 || state.step > 0) {
      const want = this.optim.slots.join(', ');
      if (names.length !== this.optim.slots.length || !this.optim.slots.every((n) => n in state.slots))
        throw new Error(`optimizer state has slots [${names.join(', ')}], this optimizer keeps [${want}]`);
    }
    const all = new Float32Array(this.optim.stateFloats);
    all[0] = state.step;
    const p = this.plan.paramCount;
    this.optim.slots.forEach((name, k) => {
      const arrays = state.slots[name];
      if (!arrays) return;
      this.checkArrays(`optimizer slot '${name}'`, arrays);
      this.plan.weights.forEach((w, i) => all.set(arrays[i], OPTIM_HEAD + k * p + w.offset));
    });
    writeArray(this.ctx.device.queue, this.shared.get('state')!, 0, all);
  }

  private checkArrays(what: string, arrays: readonly Float32Array[], slots: readonly WeightSlot[] = this.plan.weights): void {
    if (arrays.length !== slots.length) throw new Error(`${what}: ${arrays.length} arrays for ${slots.length} weights`);
    slots.forEach((w, i) => {
      if (arrays[i].length !== w.size) throw new Error(`${what}: '${w.name}' has ${arrays[i].length} values, expected ${w.size} [${w.shape}]`);
    });
  }

  /** Zeroes the confusion counts: the next validation steps count from nothing (applies before the next submit). */
  clearConfusion(): void {
    const counts = this.shared.get('confusion');
    if (counts) writeArray(this.ctx.device.queue, counts, 0, new Uint32Array(this.plan.outputs ** 2));
  }

  /** Whether the validation steps count the confusion matrix (classification of up to 1024 classes). */
  get countsConfusion(): boolean {
    return countsConfusion(this.plan);
  }

  /** The confusion counts of the validation steps since `clearConfusion` (row: the label, column: the first arg-max); see `countsConfusion`. */
  async readConfusion(): Promise<Uint32Array> {
    const counts = this.shared.get('confusion');
    if (!counts) throw new Error('this plan counts no confusion matrix (regression, or more than 1024 classes)');
    return new Uint32Array(await this.readBack.read(counts, this.plan.outputs ** 2 * 4));
  }

  /** Frees every buffer the trainer made; it cannot be used afterwards. */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const d of this.datasets.values()) d.destroy();
    this.steps.buffer.destroy();
    this.stats.destroy();
    this.readBack.destroy();
    for (const p of this.programs.values()) p.clear();
    this.datasets.clear();
  }
}
