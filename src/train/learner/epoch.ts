import * as tf from '@tensorflow/tfjs';
import type { DataLoader } from '../../data/dataloader';
import type { MetricMetadata, Split } from '../metric/base';
import type { TrainStep } from '../model/base';
import type { LrScheduler } from '../schedule/base';
import type { Rng } from '../../util/rng';
import { yieldToEventLoop } from '../../util/yield';
import type { StepEngine } from '../step/base';
import type { TrainingInterrupter } from './interrupter';
import type { EventProcessor } from './processor';
import type { StartupClock } from './startup';

/** Everything one epoch of either split needs. */
export interface EpochContext<B> {
  /** Set once the engine is chosen (after a resume's restore). */
  engine: StepEngine<B>;
  readonly step: TrainStep<B>;
  readonly scheduler: LrScheduler;
  readonly processor: EventProcessor;
  readonly interrupter: TrainingInterrupter;
  readonly rng: Rng;
  readonly gradAccumulation: number;
  readonly epochTotal: number;
  /** First epoch of this fit (checkpoint + 1 after a resume). */
  epochStart: number;
  /** Optimizer steps taken so far; the train epoch advances it. */
  globalStep: number;
  /** Until the fit's first step is in: the clock of its start (the epoch marks the upload and the first step). */
  startup: StartupClock | null;
  /** Raised once a train epoch has a backlog of steps queued, and at its end (see {@link Backlog}). */
  readonly backlog: Backlog;
}

/**
 * Background work of the fit (a checkpoint's encoding, the next epoch's order) waits for this, so
 * that it runs while the device works through queued steps rather than between epochs, where the
 * device would wait for it. Waiters resolve at the next `raise`; once the fit queues no more steps
 * (`close`), at once.
 */
export class Backlog {
  private waiters: (() => void)[] = [];
  private closed = false;

  wait(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  raise(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  close(): void {
    this.closed = true;
    this.raise();
  }
}

const now = () => performance.now();

/** The batches of an epoch an engine serves from the device: nothing to build. */
function* served(count: number): Iterable<null> {
  for (let i = 0; i < count; i++) yield null;
}

/** Frees a batch's tensors, whatever object holds them. */
const disposeBatch = (batch: unknown) => tf.dispose(batch as tf.TensorContainer);

/**
 * Runs one epoch of a split (Burn's TrainEpoch / ValidEpoch): queues its steps, leaving the last
 * ones' values in flight for the caller to drain. Returns false when interrupted.
 * Train: gradients accumulate over `gradAccumulation` batches (and whatever is left at the
 * epoch's end), then the optimizer steps at the scheduler's learning rate.
 */
export async function runEpoch<B>(ctx: EpochContext<B>, split: Split, loader: DataLoader<B>, epoch: number): Promise<boolean> {
  const itemsTotal = Math.min(loader.numItems, loader.numBatches * loader.batchSize);
  const epochStart = now();
  let lastYield = epochStart;
  let itemsProcessed = 0;
  let iteration = 0;
  const resident = (await ctx.engine.beginEpoch?.(split, loader, epoch)) ?? false;
  ctx.startup?.mark('upload');
  for (const batch of resident ? served(loader.numBatches) : loader.batches(epoch)) {
    if (ctx.interrupter.isPaused) {
      await ctx.processor.drain(); // show everything up to the pause
      ctx.processor.paused(true);
      await ctx.interrupter.whilePaused();
      ctx.processor.paused(false);
    }
    if (ctx.interrupter.stopRequested) {
      disposeBatch(batch);
      return false;
    }
    iteration++;
    const size = Math.min(loader.batchSize, itemsTotal - itemsProcessed);
    itemsProcessed += size;
    let lr: number | undefined;
    let stats: unknown;
    if (split === 'train') {
      const apply = iteration % ctx.gradAccumulation === 0 || iteration === loader.numBatches;
      lr = ctx.scheduler.current();
      ctx.step.reseed?.(ctx.rng.nextU32());
      stats = ctx.engine.train(batch, iteration - 1, apply ? { lr: ctx.scheduler.next() } : null);
      if (apply) ctx.globalStep++;
    } else {
      stats = ctx.engine.valid(batch, iteration - 1);
    }
    disposeBatch(batch);
    const time = now();
    const meta: MetricMetadata = { epoch, epochTotal: ctx.epochTotal, iteration, itemsProcessed, itemsTotal, lr, time, epochStart };
    const progress = {
      split,
      epoch,
      epochTotal: ctx.epochTotal,
      epochStart: ctx.epochStart,
      iteration,
      iterationsTotal: loader.numBatches,
      itemsProcessed,
      itemsTotal,
      elapsedMs: time - epochStart,
    };
    await ctx.processor.push(split, stats, meta, progress, size);
    if (split === 'train' && ctx.processor.backlogged) ctx.backlog.raise();
    if (ctx.startup) {
      // The fit's first step: its statistics are read before the next is recorded, to time it.
      await ctx.processor.drain();
      ctx.startup.firstStep();
      ctx.startup = null;
    }
    if (ctx.processor.diverged) return false;
    // Timers, messages (a stop request) and background work (a checkpoint's write) get a turn: on
    // the cpu and wasm backends the loop never waits otherwise.
    if (time - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = now();
    }
  }
  // No drain here: the validation epoch's steps queue behind the last training steps, so the device
  // does not wait between them; the caller drains at the epoch's end (`processor.endEpoch`).
  ctx.backlog.raise();
  return true;
}
