import type { ArtifactStore } from '../../store/base';
import type { MetricHistory } from '../learner/history';
import type { OptimizerRecord } from '../optim/base';
import type { SchedulerRecord } from '../schedule/base';
import type { TensorRecord } from '../tensor-record';
import { type BurnLayout, genericLayout } from './burn/layout';
import type { BurnPlacement } from './burn/record';
import { FileCheckpointer } from './file';
import { checkModelPayload, checkOptimPayload, checkSchedulerPayload, recordCeilings } from './payload';
import { packTensor, unpackTensor, type CheckpointStamp } from './record';
import { checkpointingActions, type CheckpointingAction, type CheckpointingStrategy } from './strategy/base';
import { yieldToEventLoop } from '../../util/yield';

/** Where training stood when a checkpoint was made: what exact resume needs besides weights. */
export interface TrainingProgressState {
  readonly epoch: number;
  readonly globalStep: number;
  /** Data order: the train loader's shuffle seed (the order of epoch e is a function of it). */
  readonly dataOrder: { seed: number | null; shuffle: boolean };
  /** The learner's RNG (dropout masks), so resumed epochs draw what an uninterrupted run would. */
  readonly rng: { s: number };
}

/** The three records of one checkpoint, unpacked. */
export interface CheckpointRecords {
  readonly model: TensorRecord[];
  /** The model's state without gradients (BatchNormalization's moving statistics), in order; absent: none. */
  readonly state?: TensorRecord[];
  readonly optim: OptimizerRecord;
  readonly scheduler: SchedulerRecord;
  readonly progress: TrainingProgressState;
  /** Where the weights go in Burn's module tree (the model's layers); without it, a module per weight-name prefix. */
  readonly layout?: BurnLayout;
}

type Packed = ReturnType<typeof packTensor>;
type ModelPayload = { weights: Packed[]; state?: Packed[] };
type OptimPayload = Omit<OptimizerRecord, 'slots'> & { slots: { [slot: string]: Packed[] } };
type SchedulerPayload = { scheduler: SchedulerRecord; progress: TrainingProgressState };

/** A model record's payload: `state` only when the model has some, so records of other models stay as they were. */
export function modelPayload(weights: readonly TensorRecord[], state: readonly TensorRecord[]): ModelPayload {
  return state.length ? { weights: weights.map(packTensor), state: state.map(packTensor) } : { weights: weights.map(packTensor) };
}

const randomId = () =>
  Array.from({ length: 4 }, () =>
    Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0'),
  ).join('');

/** How much background work a LearnerCheckpointer lets build up. */
export interface InFlightLimits {
  /** Checkpoints whose work has not landed. */
  readonly checkpoints: number;
  /** Bytes of records they may hold, beyond a first one of any size. */
  readonly bytes: number;
}

/**
 * Two checkpoints, the second only while both hold 128 MiB at most: epochs shorter than a write (a
 * 22 MB checkpoint landed 70–160 ms after its epoch's end, which took 34 ms of an H200) do not wait
 * for the one before, and a process that dies loses at most the two.
 */
export const IN_FLIGHT: InFlightLimits = { checkpoints: 2, bytes: 128 * 2 ** 20 };

/** Bytes of tensor data a checkpoint's records hold. */
function recordBytes(r: CheckpointRecords): number {
  const tensors = [...r.model, ...(r.state ?? []), ...Object.values(r.optim.slots).flat()];
  return tensors.reduce((n, t) => n + t.data.byteLength, 0);
}

/**
 * Saves model, optimizer and scheduler records together and prunes old ones as the strategy
 * decides (Burn's LearnerCheckpointer). The three files share a random id, so a checkpoint
 * whose files come from different saves — a crash mid-save — is detected instead of loaded.
 * Like Burn's AsyncCheckpointer, the records are encoded and written in the background while
 * training goes on, in order; several checkpoints may be in flight ({@link IN_FLIGHT}). An error
 * surfaces at a later checkpoint or at `flush`, which the run's end awaits.
 */
export class LearnerCheckpointer {
  private readonly model: FileCheckpointer<ModelPayload>;
  private readonly optim: FileCheckpointer<OptimPayload>;
  private readonly scheduler: FileCheckpointer<SchedulerPayload>;
  /** The last checkpoint's work: each begins once the one before it has landed, and none after a failure. */
  private tail: Promise<void> = Promise.resolve();
  /** Checkpoints whose work has not landed, oldest first, with the bytes of records they hold. */
  private readonly inFlight: { readonly done: Promise<void>; readonly bytes: number }[] = [];
  /** The first failure of a checkpoint's work. */
  private failure: { readonly error: unknown } | null = null;
  /** The epochs the store holds once the work in flight has landed (listed at the first checkpoint). */
  private planned: number[] | null = null;

  constructor(
    private readonly store: ArtifactStore,
    readonly strategy: CheckpointingStrategy,
    private readonly limits: InFlightLimits = IN_FLIGHT,
  ) {
    this.model = new FileCheckpointer(store, 'model');
    this.optim = new FileCheckpointer(store, 'optim');
    this.scheduler = new FileCheckpointer(store, 'scheduler');
  }

  /**
   * Applies the strategy after `epoch`: waits while too many checkpoints are in flight, throws an
   * earlier checkpoint's error, reads the state with `collect` when a save is due, and returns the
   * actions while they are carried out in the background, after those in flight and once `start`
   * resolves (the learner's: once the next epoch has steps queued); `landed` hears of each once it is done.
   */
  async checkpoint(
    epoch: number,
    history: MetricHistory,
    collect: () => Promise<CheckpointRecords>,
    landed: (action: CheckpointingAction) => void = () => {},
    start: () => Promise<void> = yieldToEventLoop,
  ): Promise<CheckpointingAction[]> {
    const last = this.inFlight.at(-1)?.bytes ?? 0; // the next save's size, as the last one's
    const held = () => this.inFlight.reduce((n, c) => n + c.bytes, 0);
    const full = () => this.inFlight.length >= this.limits.checkpoints || (this.inFlight.length > 0 && held() + last > this.limits.bytes);
    while (full()) await this.inFlight[0].done;
    if (this.failure) throw this.failure.error;
    this.planned ??= await this.epochs();
    const actions = checkpointingActions(this.strategy, epoch, history, this.planned);
    for (const a of actions) this.planned = [...this.planned.filter((e) => e !== a.epoch), ...(a.type === 'save' ? [a.epoch] : [])];
    const records = actions.some((a) => a.type === 'save') ? await collect() : null;
    const work = this.tail.then(async () => {
      await start();
      for (const a of actions) {
        await yieldToEventLoop(); // a task of its own, between records too
        if (a.type === 'save') await this.save(epoch, records!);
        else await this.delete(a.epoch);
        landed(a);
      }
    });
    this.tail = work;
    const entry = { done: work.catch((error: unknown) => void (this.failure ??= { error })), bytes: records ? recordBytes(records) : 0 };
    this.inFlight.push(entry);
    void entry.done.then(() => this.inFlight.splice(this.inFlight.indexOf(entry), 1));
    return actions;
  }

  /** Waits for the checkpoints in flight to be written; throws the first one's error (the work after a failure rejects with it). */
  flush(): Promise<void> {
    return this.tail;
  }

  /**
   * Writes one checkpoint's three records in one commit (one transaction in IndexedDB); where
   * files land one by one, the scheduler record, written last, completes it.
   */
  async save(epoch: number, r: CheckpointRecords): Promise<void> {
    const checkpoint: CheckpointStamp = { id: randomId(), epoch, globalStep: r.progress.globalStep };
    const slots = Object.fromEntries(Object.entries(r.optim.slots).map(([k, v]) => [k, v.map(packTensor)]));
    const placement: BurnPlacement = { layout: r.layout ?? genericLayout([...r.model, ...(r.state ?? [])].map((w) => w.name)), weights: r.model };
    // Each record is encoded in tasks of a few milliseconds, so that training gets turns in between.
    const model = await this.model.encode(epoch, { kind: 'model', checkpoint, payload: modelPayload(r.model, r.state ?? []) }, placement, yieldToEventLoop);
    await yieldToEventLoop();
    const optim = await this.optim.encode(epoch, { kind: 'optim', checkpoint, payload: { ...r.optim, slots } }, placement, yieldToEventLoop);
    const scheduler = await this.scheduler.encode(
      epoch,
      { kind: 'scheduler', checkpoint, payload: { scheduler: r.scheduler, progress: r.progress } },
      placement,
      yieldToEventLoop,
    );
    await this.store.commit({ write: [model, optim, scheduler] });
  }

  /**
   * Reads checkpoint `epoch`; throws when a file is missing, unreadable, from another save, or holds
   * what training cannot resume from (non-finite weights or slots, a garbled schedule or progress),
   * naming the file and the tensor or field. The optimizer record may unpack to no more than its
   * slots of the model record's weights.
   */
  async load(epoch: number): Promise<CheckpointRecords> {
    const modelRecord = await this.model.restore(epoch);
    const { weights, state } = checkModelPayload(modelRecord.payload, this.model.path(epoch));
    const optimRecord = await this.optim.restore(epoch, recordCeilings(weights).optim);
    const schedulerRecord = await this.scheduler.restore(epoch);
    const ids = new Set([modelRecord.checkpoint.id, optimRecord.checkpoint.id, schedulerRecord.checkpoint.id]);
    if (ids.size !== 1) throw new Error(`checkpoint ${epoch} is incomplete: its model, optim and scheduler records come from different saves`);
    const optim = checkOptimPayload(optimRecord.payload, this.optim.path(epoch));
    const scheduler = checkSchedulerPayload(schedulerRecord.payload, this.scheduler.path(epoch), epoch);
    const slots = Object.fromEntries(Object.entries(optim.slots).map(([k, v]) => [k, v.map(unpackTensor)]));
    return {
      model: weights.map(unpackTensor),
      state: state.map(unpackTensor),
      optim: { ...optim, slots },
      scheduler: scheduler.scheduler,
      progress: scheduler.progress,
    };
  }

  /** Removes a checkpoint's records in one commit (scheduler first, so a half-deleted one reads as incomplete). */
  async delete(epoch: number): Promise<void> {
    await this.store.commit({ delete: [this.scheduler.path(epoch), this.optim.path(epoch), this.model.path(epoch)] });
  }

  /** Epochs with a model record. */
  epochs(): Promise<number[]> {
    return this.model.epochs();
  }
}
