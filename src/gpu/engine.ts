import * as tf from '@tensorflow/tfjs';
import type { DataLoader, ResidentRows } from '../data/dataloader';
import type { Split } from '../train/metric/base';
import type { TrainStep } from '../train/model/base';
import type { Optimizer, OptimizerRecord, Param } from '../train/optim/base';
import type { TensorRecord } from '../train/tensor-record';
import type { StepEngine } from '../train/step/base';
import { planModel, type PlanResult } from './plan';
import type { OptimizerConfig } from '../train/optim/config';
import { writeModelState, writeModelWeights } from './weights';
import { CompiledTrainer } from './runtime';
import { DEFAULT_TUNE, type TuneResult } from './autotune';
import { GpuContext, kernelLimits, softwareAdapter } from './device';
import { chooseTiling, tilingPolicy } from './kernels/gemm-tiling';
import { probeWorkgroups } from './probe';
import { adapterKey, applyProfile, saveProfile, type GpuProfileStore } from './profile';
import { lossThreads, lossWorkgroupBytes } from './kernels/losses';
import { compiledLayout, CompiledStatsSource, needsClassStats, type CompiledStats } from './stats';
import type { Metric } from '../train/metric/base';
import type { ConfusionMatrix } from '../train/metric/confusion-matrix';

/** Steps recorded into one command buffer (the statistics ring holds 256, so any number up to that works). */
export const STEPS_PER_SUBMIT = 8;

/** What the compiled engine is built from: the learner's step, optimizer and metrics, on tfjs's WebGPU device. */
export interface CompiledEngineInput {
  readonly device: GPUDevice;
  readonly step: TrainStep<unknown>;
  readonly optimizer: Optimizer;
  readonly metrics: Record<Split, readonly Metric[]>;
  readonly batchSize: number;
  readonly seed: number;
  /** Bytes of a split kept on the GPU at once (default: the device's buffer limits); larger splits stream in chunks. */
  readonly maxResidentBytes?: number;
  /** Where to say that a wait is coming (the autotuner's first timing on this device), or that a profile could not be saved. */
  readonly note?: (line: string) => void;
  /** Time the large GEMMs' tilings on this device before training (default: off; tilings found earlier still apply). */
  readonly autotune?: boolean;
  /** Where this GPU's profile (the tilings tuning found) is kept between runs. */
  readonly profiles?: GpuProfileStore;
  /** Rows of each split's batches (full, last): their pipelines compile with the trainer's, all at once. */
  readonly batches?: Partial<Record<Split, readonly number[]>>;
}

/** The engine, with its statistics source and each metric's share of a step's values; or why not. */
export type CompiledEngineResult =
  | {
      readonly engine: CompiledStepEngine;
      readonly stats: CompiledStatsSource;
      readonly sizes: Record<Split, number[]>;
      /** What the GEMM autotuner did (or why it did not run), for the experiment log; '' when it had nothing to do. */
      readonly tuning: string;
      /** Milliseconds building the engine took, by part: tuning, pipelines, weights (their upload). */
      readonly timings: Record<string, number>;
    }
  | { readonly reason: string };

/** Workgroups at once each device was measured to run, for the fits after the first in a process. */
const measured = new WeakMap<GPUDevice, number>();

/** The compiled plan of a step's model and optimizer, or why there is none (before any GPU work). */
export function planStep(step: TrainStep<unknown>, optimizer: OptimizerConfig): PlanResult {
  const model = step.model as tf.LayersModel;
  if (!(model instanceof tf.LayersModel) || !step.task)
    return { ok: false, reason: 'the model is not a tf.LayersModel trained by classification() or regression()' };
  const planned = planModel(model, step.task);
  if (!planned.ok) return planned;
  if (optimizer.type === 'rmsprop') return { ok: false, reason: 'RMSProp is not compiled yet (SGD, Adam and AdamW are)' };
  return planned;
}

/** What the experiment log says of the autotuner ('' when it had nothing to do). */
function tuningNote(software: string | null, asked: boolean, tuned: TuneResult | null): string {
  if (software && asked) return `software adapter (${software}): GEMM tiles not autotuned`;
  if (!tuned || tuned.timed === 0) return '';
  if (tuned.failed) return `GEMM autotuning failed (${tuned.failed}): default tiles`;
  if (tuned.timed === tuned.remembered) return `${tuned.timed} GEMM tilings remembered for this GPU, ${tuned.best.size} retiled`;
  const remembered = tuned.remembered ? ` (${tuned.remembered} remembered)` : '';
  return `${tuned.timed} GEMMs autotuned in ${(tuned.ms / 1000).toFixed(1)} s${remembered}, ${tuned.best.size} retiled`;
}

/** The stored profile of the device's adapter, where there is a store and the adapter says what it is (never for software adapters). */
function profileOf(input: CompiledEngineInput, software: string | null): { store: GpuProfileStore; adapter: string } | null {
  const adapter = adapterKey(input.device);
  return input.profiles && adapter && !software ? { store: input.profiles, adapter } : null;
}

/**
 * The compiled WebGPU step behind the learner's StepEngine: the model's layers planned onto a few
 * fused kernels, its weights and the optimizer's state copied in, the data uploaded once, batches
 * gathered on the GPU by the epoch's order, STEPS_PER_SUBMIT steps to a submit. Weights and optimizer state go
 * back into the tfjs model and optimizer at `sync` (checkpoints, epoch ends, the end of fit).
 */
export class CompiledStepEngine implements StepEngine<unknown, CompiledStats> {
  readonly name = 'compiled';
  private readonly uploaded: Record<Split, ResidentRows['data'] | null> = { train: null, valid: null };
  /** Steps recorded but not yet submitted: several go in one command buffer. */
  private encoder: GPUCommandEncoder | null = null;
  private encoded = 0;
  /** The training epoch being run (for dropout seeds). */
  private epoch = 0;
  /** Why the device was lost, once it is (then every step throws instead of recording into a dead device). */
  private lost: string | null = null;

  private constructor(
    private readonly trainer: CompiledTrainer,
    private readonly input: CompiledEngineInput,
  ) {
    void input.device.lost.then((info) => {
      this.lost = `the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); the run can resume from its last checkpoint`;
    });
  }

  /** Throws once the device is lost, naming why. */
  private alive(): void {
    if (this.lost) throw new Error(this.lost);
  }

  /** A GPU read's outcome; one that failed because the device was lost (the read fails first, the loss is told after) says so. */
  async read<T>(reading: Promise<T>): Promise<T> {
    try {
      return await reading;
    } catch (e) {
      await Promise.race([this.input.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
      throw this.lost ? new Error(this.lost) : e;
    }
  }

  /**
   * A read whose data is kept (a checkpoint, a confusion matrix): a device lost before it came back
   * may have handed back zeros, so the loss, told a turn later, is waited for and named instead.
   */
  private async readKept<T>(reading: Promise<T>): Promise<T> {
    const value = await this.read(reading);
    await Promise.race([this.input.device.lost, new Promise((resolve) => setTimeout(resolve, 0))]);
    this.alive();
    return value;
  }

  /** Builds the engine for the learner's model, or says why it cannot (the tfjs step runs then). */
  static async create(input: CompiledEngineInput): Promise<CompiledEngineResult> {
    const { optimizer } = input;
    const planned = planStep(input.step, optimizer.config);
    if (!planned.ok) return { reason: planned.reason };
    const plan = planned.plan;
    const classStats = plan.loss !== 'mse' && (needsClassStats(input.metrics.train) || needsClassStats(input.metrics.valid));
    // The loss kernel counts in workgroup memory, beside its sums.
    const limits = kernelLimits(input.device);
    const countBytes = lossWorkgroupBytes(plan.outputs, lossThreads(limits.maxInvocations), true);
    if (classStats && countBytes > limits.maxWorkgroupStorage) {
      return {
        reason: `per-class metrics over ${plan.outputs} classes need ${countBytes} bytes of workgroup memory, the device has ${limits.maxWorkgroupStorage}`,
      };
    }
    const layouts = {
      train: compiledLayout(input.metrics.train, plan.outputs, classStats),
      valid: compiledLayout(input.metrics.valid, plan.outputs, classStats),
    };
    if ('reason' in layouts.train) return layouts.train;
    if ('reason' in layouts.valid) return layouts.valid;
    // Tiles are tuned on GPUs where asked; on a software adapter the timings would only cost the wait.
    const software = softwareAdapter(input.device);
    const autotune = (input.autotune ?? false) && !software;
    const profile = profileOf(input, software);
    const policyStart = performance.now();
    const stored = profile ? await applyProfile(input.device, limits, profile.store, profile.adapter) : null;
    // The tiling policy is sized to the GPU: its workgroups at once, stored, measured earlier in this process, or measured now.
    const known = stored ?? measured.get(input.device) ?? null;
    const workgroups = software ? null : (known ?? (await probeWorkgroups(new GpuContext(input.device))));
    if (workgroups) measured.set(input.device, workgroups);
    const policyMs = performance.now() - policyStart;
    // The ring keeps the statistics of the last 256 steps: more than the source leaves unread (lag + group).
    const trainer = await CompiledTrainer.create(input.device, plan, {
      batchSize: input.batchSize,
      optimizer: optimizer.config,
      seed: input.seed,
      statsSlots: 256,
      autotune: autotune && DEFAULT_TUNE,
      classStats,
      maxResidentBytes: input.maxResidentBytes,
      batches: input.batches,
      tiling: workgroups ? (m, n, k, l) => chooseTiling(m, n, k, l, tilingPolicy(workgroups)) : undefined,
      onTuning: (gemms, budgetMs) =>
        input.note?.(`timing GEMM tile sizes on this GPU: ${gemms} GEMMs, up to ${budgetMs / 1000} s, once for this GPU${profile ? '' : ' in this session'}`),
    });
    const engine = new CompiledStepEngine(trainer, input);
    const loadStart = performance.now();
    try {
      await engine.load();
    } catch (e) {
      trainer.destroy();
      throw e;
    }
    const timings = {
      policy: policyMs,
      tuning: trainer.startup.tuningMs,
      pipelines: trainer.startup.pipelinesMs,
      weights: performance.now() - loadStart,
    };
    const tuned = trainer.tuned;
    // A workgroup count or search result (a default kept included) new to the profile is stored, so that no later run measures or searches again.
    const searched = tuned !== null && !tuned.failed && tuned.timed > tuned.remembered;
    if (profile && (searched || stored !== workgroups)) {
      await saveProfile(input.device, profile.store, profile.adapter, workgroups).catch((e: Error) =>
        input.note?.(`this GPU's profile was not saved: ${e.message}`),
      );
    }
    const read = (from: number, count: number) => (engine.submit(), engine.read(trainer.readStats(from, count)));
    const stats = new CompiledStatsSource(read, { train: layouts.train.write, valid: layouts.valid.write }, trainer.statsStride);
    const sized = workgroups ? `tiles sized for ${workgroups} workgroups at once${known ? '' : ' (measured now)'}` : '';
    const tuning = [sized, tuningNote(software, input.autotune ?? false, tuned)].filter(Boolean).join('; ');
    return { engine, stats, sizes: { train: layouts.train.sizes, valid: layouts.valid.sizes }, tuning, timings };
  }

  /** Copies the model's weights and the optimizer's state (a resumed run's) into the trainer. */
  private async load(): Promise<void> {
    const { step, optimizer } = this.input;
    this.trainer.writeWeights(await Promise.all(step.params.map(async (p) => (await p.variable.data()) as Float32Array)));
    const moving = (step.model as tf.LayersModel).nonTrainableWeights;
    this.trainer.writeState(await Promise.all(moving.map(async (w) => (await w.read().data()) as Float32Array)));
    if (optimizer.step === 0) return;
    const record = await optimizer.save();
    const slots = Object.fromEntries(Object.entries(record.slots).map(([name, list]) => [name, list.map((t) => t.data as Float32Array)]));
    this.trainer.writeOptimizerState({ step: record.step, slots });
  }

  /** Uploads a split's rows the first time (and when they change), then the epoch's order. */
  async beginEpoch(split: Split, loader: DataLoader<unknown>, epoch: number): Promise<boolean> {
    this.alive();
    if (loader.numBatches === 0) return true; // nothing to serve (no validation split)
    const rows = loader.resident?.();
    if (!rows) throw new Error(`the compiled step needs the ${split} loader's rows (a BatchDataLoader over a TensorData)`);
    if (loader.batchSize !== this.input.batchSize)
      throw new Error(`the compiled step was built for batch ${this.input.batchSize}, the ${split} loader has ${loader.batchSize}`);
    this.submit(); // the last epoch's steps read the order buffer that is about to change
    if (this.uploaded[split] !== rows.data) {
      await this.trainer.uploadDataset(split, rows.data.x, rows.data.y);
      this.uploaded[split] = rows.data;
    }
    await this.trainer.setEpochOrder(rows.order(epoch), split);
    if (split === 'train') this.epoch = epoch;
    else this.trainer.clearConfusion();
    return true;
  }

  train(_batch: unknown, index: number, apply: { lr: number } | null): CompiledStats {
    this.alive();
    // Masks from (seed, epoch, step of the epoch): a run resumed from a checkpoint draws the ones an unbroken run draws.
    const seed = (this.input.seed + Math.imul(this.epoch, 0x9e3779b1) + index) >>> 0;
    this.holdChunk('train', index);
    const id = this.trainer.encodeTrainStep(this.recording(), index, apply, seed);
    this.recorded();
    return { id, split: 'train' };
  }

  valid(_batch: unknown, index: number): CompiledStats {
    this.alive();
    this.holdChunk('valid', index);
    const id = this.trainer.encodeValidStep(this.recording(), index);
    this.recorded();
    return { id, split: 'valid' };
  }

  /** A split too large for one GPU buffer comes in chunks: the steps recorded so far read the old one, so they go first. */
  private holdChunk(split: Split, index: number): void {
    const chunk = this.trainer.pendingChunk(split, index);
    if (chunk === null) return;
    this.submit();
    this.trainer.loadChunk(split, chunk);
  }

  private recording(): GPUCommandEncoder {
    return (this.encoder ??= this.input.device.createCommandEncoder());
  }

  /** Submits every STEPS_PER_SUBMIT steps: one submit costs about as much host time as a small step. */
  private recorded(): void {
    if (++this.encoded >= STEPS_PER_SUBMIT) this.submit();
  }

  /** Submits the recorded steps (before any read, an order change, or the end). */
  submit(): void {
    if (!this.encoder) return;
    this.input.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.encoded = 0;
  }

  /**
   * The weights, the moving statistics and the optimizer's state as checkpoint records, read from
   * the GPU as they are when this is called (the copies are queued before any later step).
   */
  async checkpointState(): Promise<{ model: TensorRecord[]; optim: OptimizerRecord; state: TensorRecord[] }> {
    const { step, optimizer } = this.input;
    this.alive();
    this.submit();
    const held = step.state ?? [];
    const [weights, slots, moving] = await this.readKept(
      Promise.all([this.trainer.readWeights(), this.trainer.readOptimizerState(), held.length ? this.trainer.readState() : []]),
    );
    const record = (p: Param, data: Float32Array): TensorRecord => ({ name: p.name, shape: [...p.variable.shape], dtype: 'float32', data });
    return {
      model: weights.map((data, i) => record(step.params[i], data)),
      optim: {
        type: optimizer.config.type,
        config: optimizer.config,
        step: slots.step,
        slots: Object.fromEntries(Object.entries(slots.slots).map(([slot, list]) => [slot, list.map((data, i) => record(step.params[i], data))])),
      },
      state: moving.map((data, i) => record(held[i], data)),
    };
  }

  /**
   * The confusion matrix of the validation steps queued so far, read as they are when this is called
   * (the copy is queued before any later step); null where the GPU does not count it (regression, too many classes).
   */
  validConfusion(): Promise<ConfusionMatrix> | null {
    this.alive();
    if (!this.trainer.countsConfusion) return null;
    this.submit();
    const c = this.trainer.plan.outputs;
    return this.readKept(this.trainer.readConfusion()).then((counts) =>
      Array.from({ length: c }, (_, row) => Array.from(counts.subarray(row * c, (row + 1) * c))),
    );
  }

  /** Copies the weights, the moving statistics and the optimizer's state back into the tfjs model and optimizer. */
  async sync(): Promise<void> {
    const { step, optimizer } = this.input;
    const { model, optim, state } = await this.checkpointState();
    const layers = step.model as tf.LayersModel;
    const values = (records: readonly TensorRecord[]) => records.map((r) => r.data as Float32Array);
    writeModelWeights(layers, values(model));
    writeModelState(layers, values(state));
    optimizer.load(optim, step.params);
  }

  dispose(): void {
    this.submit();
    this.trainer.destroy();
  }
}
