import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/batcher';
import type { ArtifactStore } from '../../store/base';
import type { ConfusionRecording } from './confusion';
import { LearnerCheckpointer } from '../checkpoint/learner';
import { ComposedCheckpointingStrategy } from '../checkpoint/strategy/composed';
import type { CheckpointingStrategy } from '../checkpoint/strategy/base';
import { KeepLastNCheckpoints } from '../checkpoint/strategy/last-n';
import { MetricCheckpointingStrategy } from '../checkpoint/strategy/metric';
import { FileMetricLogger } from '../logger/file';
import type { MetricLogger } from '../logger/base';
import type { Metric, Split } from '../metric/base';
import type { TrainStep } from '../model/base';
import { classification } from '../model/layers';
import type { OptimizerConfigInput } from '../optim/config';
import { createOptimizer } from '../optim/create';
import type { Optimizer } from '../optim/base';
import type { MetricsRenderer } from '../renderer/base';
import { ConsoleRenderer, NoopRenderer } from '../renderer/console';
import type { LrScheduler } from '../schedule/base';
import { createScheduler } from '../schedule/scheduler';
import type { SchedulerConfigInput } from '../schedule/config';
import type { StepEngineFactory } from '../step/factory';
import { tfjsStep } from '../step/tfjs';
import type { EarlyStoppingStrategy } from './early-stopping';
import { ExperimentLog } from './experiment-log';
import { TrainingInterrupter } from './interrupter';
import { Learner } from './learner';
import type { EngineChoice } from './engine';
import type { RegisteredMetric } from './processor';
import type { OnNonFinite } from './non-finite';

/** Burn's default: keep the last two checkpoints and the one with the best valid loss. */
export function defaultCheckpointingStrategy(): CheckpointingStrategy {
  return new ComposedCheckpointingStrategy(new KeepLastNCheckpoints(2), new MetricCheckpointingStrategy('Loss', 'lowest', 'valid'));
}

/** Node's stdout when there is one (the default console renderer), else nothing. */
function defaultRenderer(): MetricsRenderer {
  const stdout = (globalThis as { process?: { stdout?: { write(s: string): void; isTTY?: boolean; columns?: number } } }).process?.stdout;
  if (!stdout) return new NoopRenderer();
  return new ConsoleRenderer({
    write: (s) => stdout.write(s),
    get isTTY() {
      return Boolean(stdout.isTTY);
    },
    get columns() {
      return stdout.columns;
    },
  });
}

/**
 * Wires a Learner (Burn's LearnerBuilder): metrics, loggers, renderer, checkpointing, epochs,
 * devices, step engines, resume. Artifacts go to an ArtifactStore (in Node, `new DirectoryStore(path)`).
 */
export class LearnerBuilder {
  private readonly metrics: Record<Split, RegisteredMetric[]> = { train: [], valid: [] };
  private loggers: Record<Split, MetricLogger>;
  private rendererValue: MetricsRenderer | null = null;
  private gradAccumulation = 1;
  private engineChoice: EngineChoice = 'auto';
  private engineFactories: readonly StepEngineFactory[] = [tfjsStep()];
  private useCheckpointer = false;
  private strategy: CheckpointingStrategy = defaultCheckpointingStrategy();
  private epochs = 1;
  private backends: string[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
  private resumeFrom: number | null = null;
  private stopping: EarlyStoppingStrategy[] = [];
  private interrupterValue = new TrainingInterrupter();
  private withSummary = false;
  private seedValue = 0;
  private confusion: ConfusionRecording | null = null;
  private nonFiniteChoice: OnNonFinite = 'stop';

  readonly store: ArtifactStore;

  constructor(store: ArtifactStore) {
    this.store = store;
    this.loggers = { train: new FileMetricLogger(store, 'train'), valid: new FileMetricLogger(store, 'valid') };
  }

  private register(split: Split, metric: Metric, numeric: boolean): this {
    if (this.metrics[split].some((m) => m.metric.name === metric.name)) throw new Error(`metric '${metric.name}' is already registered for ${split}`);
    this.metrics[split].push({ metric, numeric });
    return this;
  }

  /** Registers a train metric shown as text. */
  metricTrain(metric: Metric): this {
    return this.register('train', metric, false);
  }

  /** Registers a valid metric shown as text. */
  metricValid(metric: Metric): this {
    return this.register('valid', metric, false);
  }

  /** Registers a train metric that is also plotted. */
  metricTrainNumeric(metric: Metric): this {
    return this.register('train', metric, true);
  }

  /** Registers a valid metric that is also plotted. */
  metricValidNumeric(metric: Metric): this {
    return this.register('valid', metric, true);
  }

  /** Replaces the default file loggers. */
  metricLoggers(train: MetricLogger, valid: MetricLogger): this {
    this.loggers = { train, valid };
    return this;
  }

  /** Replaces the default renderer (console in Node). */
  renderer(renderer: MetricsRenderer): this {
    this.rendererValue = renderer;
    return this;
  }

  /** Steps the optimizer every n batches with their mean gradient. */
  gradsAccumulation(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new Error(`gradsAccumulation: expected a positive integer, got ${n}`);
    this.gradAccumulation = n;
    return this;
  }

  /**
   * Which step engine trains: 'auto' (default) takes the first registered engine that builds for
   * this fit (the compiled WebGPU step when the model, optimizer and metrics allow it, when the host
   * registered it); 'tfjs' always runs the tfjs step; 'compiled' is 'auto' that logs a warning when
   * it cannot compile.
   */
  engine(choice: EngineChoice): this {
    this.engineChoice = choice;
    return this;
  }

  /**
   * The step engines, in order of preference (default: the tfjs step alone). A host with the
   * compiled WebGPU step registers it first: `.engines([compiledWebGpu(), tfjsStep()])`.
   */
  engines(factories: readonly StepEngineFactory[]): this {
    if (!factories.length) throw new Error('engines: register at least one step engine');
    this.engineFactories = [...factories];
    return this;
  }

  /** Saves model, optimizer and scheduler records under checkpoint/ after epochs, as the strategy decides. */
  withFileCheckpointer(): this {
    this.useCheckpointer = true;
    return this;
  }

  /**
   * Records the valid split's confusion matrix after every epoch (`valid/epoch-N/ConfusionMatrix.json`,
   * classification only), from a forward pass with the epoch's final weights; `classNames` go into the file.
   */
  validConfusion(classNames?: readonly string[]): this {
    this.confusion = { store: this.store, ...(classNames ? { classNames } : {}) };
    return this;
  }

  /** Which checkpoints to keep (default: the last two and the best valid loss). */
  checkpointingStrategy(strategy: CheckpointingStrategy): this {
    this.strategy = strategy;
    return this;
  }

  /** The number of epochs to train (counting the ones a resumed checkpoint already did). */
  numEpochs(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new Error(`numEpochs: expected a positive integer, got ${n}`);
    this.epochs = n;
    return this;
  }

  /** tfjs backends in order of preference; the first that initializes is used. */
  devices(backends: string[]): this {
    if (!backends.length) throw new Error('devices: name at least one backend');
    this.backends = [...backends];
    return this;
  }

  /** Resumes from checkpoint n: training continues at epoch n + 1. */
  checkpoint(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new Error(`checkpoint: expected an epoch ≥ 1, got ${n}`);
    this.resumeFrom = n;
    this.useCheckpointer = true;
    return this;
  }

  /** Adds an early-stopping strategy; training stops when any says so. */
  earlyStopping(strategy: EarlyStoppingStrategy): this {
    this.stopping.push(strategy);
    return this;
  }

  /** Uses an interrupter made elsewhere (a worker that takes Stop before the learner exists). */
  withInterrupter(interrupter: TrainingInterrupter): this {
    this.interrupterValue = interrupter;
    return this;
  }

  /** The handle that stops training cleanly at the next iteration. */
  interrupter(): TrainingInterrupter {
    return this.interrupterValue;
  }

  /**
   * What a loss that goes NaN or infinite does: 'stop' (default) fails the fit naming the split,
   * epoch and iteration, before that epoch is checkpointed; 'warn' logs a warning once per epoch
   * and split with how many iterations it hit, tells the renderer, and trains on (the summary
   * counts them).
   */
  onNonFinite(choice: OnNonFinite): this {
    this.nonFiniteChoice = choice;
    return this;
  }

  /** Writes Burn's learner summary (per metric min/max and their epochs) at the end. */
  summary(): this {
    this.withSummary = true;
    return this;
  }

  /** Seed of the learner's RNG (dropout masks); data order is seeded by the DataLoader. */
  seed(seed: number): this {
    this.seedValue = seed >>> 0;
    return this;
  }

  /**
   * Builds the Learner. A tf.LayersModel trains as a classifier; wrap it with `regression(model)`
   * or pass any TrainStep for other losses. The learning rate is a number or a schedule.
   */
  build<B = Batch, M = tf.LayersModel>(
    model: TrainStep<B, M> | tf.LayersModel,
    optimizer: Optimizer | OptimizerConfigInput,
    lr: LrScheduler | SchedulerConfigInput | number,
  ): Learner<B, M> {
    const step = (model instanceof tf.LayersModel ? classification(model) : model) as TrainStep<B, M>;
    const ownsOptimizer = !('apply' in optimizer);
    const optim = 'apply' in optimizer ? optimizer : createOptimizer(optimizer);
    const scheduler = typeof lr === 'object' && 'next' in lr ? lr : createScheduler(lr);
    const renderer = this.rendererValue ?? defaultRenderer();
    return new Learner<B, M>(
      {
        metrics: { train: [...this.metrics.train], valid: [...this.metrics.valid] },
        loggers: this.loggers,
        renderer,
        log: new ExperimentLog(this.store, (line) => renderer.log(line)),
        checkpointer: this.useCheckpointer ? new LearnerCheckpointer(this.store, this.strategy) : null,
        gradAccumulation: this.gradAccumulation,
        engine: this.engineChoice,
        engines: this.engineFactories,
        numEpochs: this.epochs,
        devices: this.backends,
        checkpoint: this.resumeFrom,
        earlyStopping: [...this.stopping],
        interrupter: this.interrupterValue,
        onNonFinite: this.nonFiniteChoice,
        summary: this.withSummary,
        seed: this.seedValue,
        confusion: this.confusion,
        ownsOptimizer,
      },
      step,
      optim,
      scheduler,
    );
  }
}
