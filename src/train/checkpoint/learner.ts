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

/**
 * Saves model, optimizer and scheduler records together and prunes old ones as the strategy
 * decides (Burn's LearnerCheckpointer). The three files share a random id, so a checkpoint
 * whose files come from different saves — a crash mid-save — is detected instead of loaded.
 * Like Burn's AsyncCheckpointer, the records are encoded and written in the background while
 * training goes on: one checkpoint at a time, in order; an error surfaces at the next checkpoint
 * or at `flush`, which the run's end awaits.
 */
export class LearnerCheckpointer {
  private readonly model: FileCheckpointer<ModelPayload>;
  private readonly optim: FileCheckpointer<OptimPayload>;
  private readonly scheduler: FileCheckpointer<SchedulerPayload>;
  /** The last checkpoint's writes and deletes, in flight. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    readonly strategy: CheckpointingStrategy,
  ) {
    this.model = new FileCheckpointer(store, 'model');
    this.optim = new FileCheckpointer(store, 'optim');
    this.scheduler = new FileCheckpointer(store, 'scheduler');
  }

  /**
   * Applies the strategy after `epoch`: waits for the previous checkpoint's writes (throwing their
   * error), reads the state with `collect` when a save is due, and returns the actions while they
   * are carried out in the background, once `start` resolves (the learner's: once the next epoch
   * has steps queued); `landed` hears of each once it is done.
   */
  async checkpoint(
    epoch: number,
    history: MetricHistory,
    collect: () => Promise<CheckpointRecords>,
    landed: (action: CheckpointingAction) => void = () => {},
    start: () => Promise<void> = yieldToEventLoop,
  ): Promise<CheckpointingAction[]> {
    await this.pending;
    const actions = checkpointingActions(this.strategy, epoch, history, await this.epochs());
    const records = actions.some((a) => a.type === 'save') ? await collect() : null;
    this.pending = (async () => {
      await start();
      for (const a of actions) {
        await yieldToEventLoop(); // a task of its own, between records too
        if (a.type === 'save') await this.save(epoch, records!);
        else await this.delete(a.epoch);
        landed(a);
      }
    })();
    this.pending.catch(() => {}); // handled where it is awaited: the next checkpoint, or flush
    return actions;
  }

  /** Waits for the checkpoint in flight to be written; throws its error. */
  flush(): Promise<void> {
    return this.pending;
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
