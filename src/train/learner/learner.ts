import * as tf from '@tensorflow/tfjs';
import type { DataLoader } from '../../data/dataloader';
import type { LearnerCheckpointer, TrainingProgressState } from '../checkpoint/learner';
import type { CheckpointingAction } from '../checkpoint/strategy/base';
import type { Split } from '../metric/base';
import type { TrainStep } from '../model/base';
import type { Optimizer, Param } from '../optim/base';
import type { MetricsRenderer } from '../renderer/base';
import { Rng } from '../../util/rng';
import { yieldToEventLoop } from '../../util/yield';
import type { LrScheduler, SchedulerRecord } from '../schedule/base';
import { useFastKernels } from '../step/kernels';
import type { StepEngine } from '../step/base';
import type { StepEngineFactory } from '../step/factory';
import { recordConfusion, type ConfusionRecording } from './confusion';
import { chooseEngine, type EngineChoice } from './engine';
import { checkShape, fromTensorRecord, toTensorRecord, type TensorRecord } from '../tensor-record';
import { selectBackend } from './devices';
import type { EarlyStoppingStrategy } from './early-stopping';
import { Backlog, runEpoch, type EpochContext } from './epoch';
import type { ExperimentLog } from './experiment-log';
import { MetricHistory } from './history';
import type { TrainingInterrupter } from './interrupter';
import { EventProcessor, type EpochMeans, type RegisteredMetric } from './processor';
import type { OnNonFinite } from './non-finite';
import { formatSummary, learnerSummary, type LearnerSummary } from './summary';
import { epochBatchRows, formatStartup, StartupClock, type StartupTimes } from './startup';
import type { MetricLogger } from '../logger/base';

/** Everything the builder wired (plain fields, no behaviour). */
export interface LearnerConfig {
  readonly metrics: Record<Split, readonly RegisteredMetric[]>;
  readonly loggers: Record<Split, MetricLogger>;
  readonly renderer: MetricsRenderer;
  readonly log: ExperimentLog;
  readonly checkpointer: LearnerCheckpointer | null;
  readonly gradAccumulation: number;
  readonly engine: EngineChoice;
  /** The step engines this learner may use, in order of preference. */
  readonly engines: readonly StepEngineFactory[];
  readonly numEpochs: number;
  readonly devices: readonly string[];
  readonly checkpoint: number | null;
  readonly earlyStopping: readonly EarlyStoppingStrategy[];
  readonly interrupter: TrainingInterrupter;
  /** A loss that goes NaN or infinite stops the fit, or is warned about once per epoch. */
  readonly onNonFinite: OnNonFinite;
  readonly summary: boolean;
  readonly seed: number;
  /** Record the valid confusion matrix after every epoch (classification steps). */
  readonly confusion: ConfusionRecording | null;
  /** The builder made the optimizer from a config, so fit frees its state when it ends. */
  readonly ownsOptimizer: boolean;
}

/** What an epoch's end keeps for its bookkeeping, taken before the next epoch's first step is queued. */
interface EpochEnd {
  readonly progress: TrainingProgressState;
  readonly scheduler: SchedulerRecord;
  /** The engine's weights and optimizer state, being read; null: read from tfjs when the checkpoint is made. */
  readonly state: ReturnType<NonNullable<StepEngine<unknown>['checkpointState']>> | null;
  /** Records the epoch's confusion matrix, where one is recorded. */
  readonly confusion: (() => Promise<void>) | null;
  /** Whether the next epoch trains while this one's end is processed. */
  readonly overlaps: boolean;
}

/** What `fit` resolves to. */
export interface FitResult<M> {
  readonly model: M;
  readonly summary: LearnerSummary;
  /** Why training ended: completed, early stopping, or interrupted. */
  readonly reason: string;
  /** Last epoch that completed. */
  readonly epoch: number;
  /** Where the time from `fit()` to the first step went (null when no step was trained). */
  readonly startup: StartupTimes | null;
}

/** Copies checkpoint weights into the params; the first mismatch is named in the error. */
export function loadParams(params: readonly Param[], weights: readonly TensorRecord[], source: string): void {
  if (weights.length !== params.length) {
    const first = params[Math.min(params.length, weights.length)] ?? weights[params.length];
    throw new Error(`${source}: the record has ${weights.length} weights, the model ${params.length} (first unmatched: '${first?.name}')`);
  }
  params.forEach((p, i) => checkShape(`${source}: weight ${i} '${p.name}'`, p.variable.shape, weights[i]));
  params.forEach((p, i) => tf.tidy(() => p.variable.assign(fromTensorRecord(weights[i]))));
}

/** Trains a model (Burn's Learner): built by LearnerBuilder, run with `fit`. */
export class Learner<B, M> {
  constructor(
    private readonly config: LearnerConfig,
    private readonly step: TrainStep<B, M>,
    private readonly optimizer: Optimizer,
    private readonly scheduler: LrScheduler,
  ) {}

  /** Trains on `train`, validates on `valid` after every epoch, and resolves to the trained model. */
  async fit(train: DataLoader<B>, valid: DataLoader<B>): Promise<FitResult<M>> {
    const { config: c, step, optimizer, scheduler } = this;
    const history = new MetricHistory();
    const processor = new EventProcessor(c.metrics, c.loggers, c.renderer, history, c.onNonFinite);
    const rng = new Rng(c.seed);
    let epoch = 0;
    let engine: StepEngine<B> | null = null;
    let startup: StartupTimes | null = null;
    const clock = new StartupClock((times) => {
      startup = times;
      void c.log.info('learner', formatStartup(times));
    });
    const backlog = new Backlog();
    /** The last ended epoch's bookkeeping (its log line, confusion matrix, checkpoint), which may still run. */
    let ended: Promise<void> = Promise.resolve();
    try {
      const device = await selectBackend(c.devices);
      clock.mark('backend');
      for (const s of device.skipped) await c.log.write('WARN', 'learner', `backend skipped: ${s}`);
      for (const k of useFastKernels(device.backend)) await c.log.info('learner', `kernel speed-up: ${k}`);
      await c.log.info('learner', `model: ${step.describe()}`);
      await c.log.info('learner', `optimizer ${JSON.stringify(optimizer.config)}; lr schedule ${JSON.stringify(scheduler.config)}`);
      await c.log.info(
        'learner',
        `epochs ${c.numEpochs}, batch size ${train.batchSize}, train ${train.numItems} items, valid ${valid.numItems} items, gradient accumulation ${c.gradAccumulation}, seed ${c.seed}`,
      );
      const ctx: EpochContext<B> = {
        engine: null!,
        step,
        scheduler,
        processor,
        rng,
        interrupter: c.interrupter,
        gradAccumulation: c.gradAccumulation,
        epochTotal: c.numEpochs,
        epochStart: 1,
        globalStep: 0,
        startup: null,
        backlog,
      };
      if (c.checkpoint !== null) {
        c.renderer.phase?.({ name: 'restore', epoch: c.checkpoint });
        ctx.globalStep = await this.restore(c.checkpoint, rng, train);
        await processor.restoreHistory(c.checkpoint);
        ctx.epochStart = c.checkpoint + 1;
      }
      // After the restore: a compiled engine starts from the restored weights and optimizer state.
      clock.mark('setup');
      c.renderer.phase?.({ name: 'compile' });
      const note = (line: string) => void c.log.info('learner', line);
      const metrics = { train: processor.registered('train'), valid: processor.registered('valid') };
      const statsFn = { train: processor.statsFn('train'), valid: processor.statsFn('valid') };
      const chosen = await chooseEngine(c.engine, c.engines, {
        backend: device.backend,
        step,
        optimizer,
        metrics,
        statsFn,
        batchSize: train.batchSize,
        batches: { train: epochBatchRows(train), valid: epochBatchRows(valid) },
        seed: c.seed,
        note,
      });
      clock.mark('engine');
      clock.engineParts = chosen.timings ?? {};
      ctx.startup = clock;
      if (chosen.stats) processor.useStats(chosen.stats.source, chosen.stats.sizes);
      engine = ctx.engine = chosen.engine;
      await c.log.write(chosen.warn ? 'WARN' : 'INFO', 'learner', `backend ${device.backend}, engine ${chosen.engine.name} (${chosen.why})`);
      c.renderer.engine?.(chosen.engine.name, chosen.why);
      epoch = ctx.epochStart - 1;
      let reason = 'completed';
      for (let e = ctx.epochStart; e <= c.numEpochs; e++) {
        await processor.beginEpoch(e);
        // The next epoch's order is made while this one's steps keep the device busy.
        if (e < c.numEpochs && train.prepare)
          void ctx.backlog
            .wait()
            .then(yieldToEventLoop)
            .then(() => train.prepare!(e + 1));
        const done = (await runEpoch(ctx, 'train', train, e)) && (await runEpoch(ctx, 'valid', valid, e));
        // No more steps after the last epoch or a stop: background work starts at once.
        if (!done || e === c.numEpochs) backlog.close();
        if (!done) {
          // The epochs before this one end first (their checkpoints are kept), then what this one logged.
          await processor.drain();
          await ended;
          this.failIfDiverged(processor, epoch);
          processor.warnNonFinite(e);
          await this.logWarnings(processor);
          reason = `interrupted: ${c.interrupter.stopReason} (epoch ${e} not checkpointed)`;
          break;
        }
        // The last epoch's bookkeeping ran while this epoch trained, and ends before this one's
        // starts (checkpoints decided and log lines written in epoch order): its failure stops the
        // fit here (a failed write, at a later checkpoint).
        await processor.settle();
        await ended;
        const end = this.captureEnd(e, ctx, rng, train, valid);
        ended = processor.endEpoch(e).then(({ diverged, means }) => {
          // A loss that went NaN or infinite fails the fit before its epoch is checkpointed: the
          // checkpoints of the epochs before it stay the last good ones.
          if (diverged) this.failIfDiverged(processor, e - 1);
          epoch = e;
          return this.afterEpoch(e, means, end, history, processor, ctx);
        });
        ended.catch(() => {}); // awaited at the next epoch's end, or below
        // An engine that hands its state over in queue order trains the next epoch while this one's
        // end is processed; otherwise (or to decide early stopping) the loop waits for it here.
        if (end.overlaps && e < c.numEpochs) continue;
        await processor.drain();
        await ended;
        const stop = c.earlyStopping.map((s) => s.shouldStop(e, history)).find((r) => r !== null);
        if (stop) {
          reason = `early stopping: ${stop}`;
          break;
        }
      }
      backlog.close();
      await Promise.all([processor.flushLogs(), c.checkpointer?.flush()]);
      await engine.sync();
      const summary = learnerSummary(history, processor.nonFinite);
      await c.log.info('learner', `training ended after epoch ${epoch}: ${reason}`);
      // The renderer shows the summary itself, so the log line is not echoed.
      if (c.summary) await c.log.write('INFO', 'learner', `summary\n${formatSummary(summary)}`, false);
      c.renderer.end(c.summary ? summary : undefined, reason);
      return { model: step.model, summary, reason, epoch, startup };
    } catch (e) {
      // A checkpoint still being written lands before the fit ends (its own error, if any, is this one or secondary).
      backlog.close();
      processor.abandon();
      await ended.catch(() => {});
      await c.checkpointer?.flush().catch(() => {});
      const message = (e as Error).message;
      await c.log.write('ERROR', 'learner', `training failed after epoch ${epoch}: ${message}`).catch(() => {});
      c.renderer.end(undefined, `failed: ${message}`);
      throw e;
    } finally {
      processor.dispose();
      engine?.dispose();
      if (c.ownsOptimizer) optimizer.dispose();
    }
  }

  /**
   * What an epoch's end keeps, taken as its last step is queued, before any step of the next: the
   * progress, the scheduler, and where the engine hands it over, the weights, optimizer state and
   * confusion counts (read in queue order, so later steps do not change them).
   */
  private captureEnd(epoch: number, ctx: EpochContext<B>, rng: Rng, train: DataLoader<B>, valid: DataLoader<B>): EpochEnd {
    const c = this.config;
    const { engine } = ctx;
    const recording = this.step.task !== 'regression' && valid.numBatches > 0 ? c.confusion : null;
    const counted = recording ? (engine.validConfusion?.() ?? null) : null;
    const state = c.checkpointer ? (engine.checkpointState?.() ?? null) : null;
    for (const read of [counted, state]) read?.catch(() => {}); // awaited where used; unused when the fit stops first
    return {
      progress: { epoch, globalStep: ctx.globalStep, dataOrder: train.state(), rng: rng.state() },
      scheduler: this.scheduler.save(),
      state,
      confusion: recording && (() => recordConfusion(recording, this.step, engine, valid, epoch, counted)),
      overlaps: engine.checkpointState !== undefined && !c.earlyStopping.length && (!recording || counted !== null),
    };
  }

  /** Throws the loss's divergence, naming the last epoch checkpointed. */
  private failIfDiverged(processor: EventProcessor, lastEpoch: number): void {
    if (!processor.diverged) return;
    const kept = lastEpoch >= 1 ? `the checkpoints of epochs up to ${lastEpoch} are kept` : 'no checkpoint was written';
    throw new Error(`${processor.diverged}: training stopped (try a lower learning rate, or check the data); ${kept}`);
  }

  private async logWarnings(processor: EventProcessor): Promise<void> {
    for (const warning of processor.takeWarnings()) await this.config.log.write('WARN', 'learner', warning);
  }

  /**
   * An epoch's bookkeeping, once the processor reached its end: the confusion matrix, the log
   * line, and the checkpoint as the strategy decides, written in the background.
   */
  private async afterEpoch(
    epoch: number,
    means: EpochMeans,
    end: EpochEnd,
    history: MetricHistory,
    processor: EventProcessor,
    ctx: EpochContext<B>,
  ): Promise<void> {
    const c = this.config;
    // Non-finite losses the user chose to be warned of (the renderer heard at the epoch's end).
    await this.logWarnings(processor);
    await processor.flushLogs();
    await end.confusion?.();
    // JSON would write a NaN or infinite mean as null: it is written as the number it is.
    const json = (m: Record<string, number>) => JSON.stringify(m, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
    await c.log.info('learner', `epoch ${epoch}/${c.numEpochs} train ${json(means.train)} valid ${json(means.valid)}`);
    if (!c.checkpointer) return;
    // The records are read now and written in the background: the log and renderer hear of each action as it lands.
    const landed = (a: CheckpointingAction) => {
      const action = a.type === 'save' ? 'saved' : 'deleted';
      void c.log.info('checkpoint', `${action} checkpoint ${a.epoch}`);
      c.renderer.checkpoint?.(a.epoch, action);
    };
    const collect = async () => {
      // While the next epoch trains, the read does not hold anything up: no phase to show.
      if (!end.overlaps) c.renderer.phase?.({ name: 'checkpoint', epoch, epochs: c.numEpochs });
      // A compiled engine hands its state over directly; the tfjs one lives in the model and optimizer.
      const records = (p: readonly Param[]) => Promise.all(p.map((v) => toTensorRecord(v.name, v.variable)));
      const direct = await end.state;
      // State the engine does not hand over (moving statistics) is read from tfjs, made current first.
      if (direct && !direct.state && this.step.state?.length) await ctx.engine.sync();
      const held = direct ?? { model: await records(this.step.params), optim: await this.optimizer.save() };
      return {
        ...held,
        state: held.state ?? (await records(this.step.state ?? [])),
        scheduler: end.scheduler,
        progress: end.progress,
        layout: this.step.burnLayout,
      };
    };
    await c.checkpointer.checkpoint(epoch, history, collect, landed, () => ctx.backlog.wait());
  }

  /** Loads checkpoint n into model, optimizer, scheduler and RNG; returns the global step. */
  private async restore(n: number, rng: Rng, train: DataLoader<B>): Promise<number> {
    const c = this.config;
    if (!c.checkpointer) throw new Error(`checkpoint(${n}) needs a checkpointer: call withFileCheckpointer()`);
    if (n >= c.numEpochs) throw new Error(`checkpoint ${n} is at or past numEpochs (${c.numEpochs}): nothing left to train`);
    const r = await c.checkpointer.load(n);
    loadParams(this.step.params, r.model, `checkpoint/model-${n}.mpk.gz`);
    loadParams(this.step.state ?? [], r.state ?? [], `checkpoint/model-${n}.mpk.gz: state`);
    this.optimizer.load(r.optim, this.step.params);
    this.scheduler.load(r.scheduler);
    rng.load(r.progress.rng);
    const order = train.state();
    if (order.seed !== r.progress.dataOrder.seed || order.shuffle !== r.progress.dataOrder.shuffle) {
      await c.log.write(
        'WARN',
        'learner',
        `data order differs from checkpoint ${n} (${JSON.stringify(r.progress.dataOrder)} vs ${JSON.stringify(order)}): the resumed run will not match an uninterrupted one`,
      );
    }
    await c.log.info('learner', `resumed from checkpoint ${n} (global step ${r.progress.globalStep})`);
    return r.progress.globalStep;
  }
}
