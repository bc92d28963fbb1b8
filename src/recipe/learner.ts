import type * as tf from '@tensorflow/tfjs';
import { ExperimentLog } from '../train/learner/experiment-log';
import { inferLayers } from '../train/model/infer';
import { INITIAL_MODEL, loadImportedWeights, loadInitialModel, saveInitialModel } from '../train/model/initial';
import type { TensorRecord } from '../train/tensor-record';
import type { Batch } from '../data/batcher';
import type { RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import type { CheckpointingStrategy } from '../train/checkpoint/strategy/base';
import { ComposedCheckpointingStrategy } from '../train/checkpoint/strategy/composed';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { MetricCheckpointingStrategy } from '../train/checkpoint/strategy/metric';
import { LearnerBuilder } from '../train/learner/builder';
import type { EngineChoice } from '../train/learner/engine';
import type { Direction } from '../train/learner/history';
import type { TrainingInterrupter } from '../train/learner/interrupter';
import type { Learner } from '../train/learner/learner';
import { AccuracyMetric } from '../train/metric/accuracy';
import type { Metric } from '../train/metric/base';
import { IterationSpeedMetric } from '../train/metric/iteration-speed';
import { LearningRateMetric } from '../train/metric/learning-rate';
import { LossMetric } from '../train/metric/loss';
import { MaeMetric } from '../train/metric/mae';
import { regression } from '../train/model/layers';
import { createModel } from '../train/model/build';
import type { ModelShape } from '../train/model/infer';
import type { MetricsRenderer } from '../train/renderer/base';
import type { StepEngineFactory } from '../train/step/factory';
import { scheduleFor } from './schedule';

/** What a run needs besides its config: where its artifacts go, what the data looks like, and what the host adds. */
export interface RecipeInput {
  readonly config: RunConfig;
  readonly store: ArtifactStore;
  /** The items' shape and the number of outputs (classes, or regression targets). */
  readonly shape: ModelShape;
  readonly task: 'classification' | 'regression';
  /** Class names in index order (classification): the recorded confusion matrices carry them. */
  readonly classNames?: readonly string[];
  /** Regression on standardized targets: one target unit in the label's units (MAE reports in those). */
  readonly targetScale: number;
  /** Batches in an epoch of the training split: the schedule counts optimizer steps. */
  readonly trainBatches: number;
  /** The backend the host selected (the run trains there). */
  readonly backend: string;
  /** Continue from this checkpoint instead of starting. */
  readonly resumeFrom?: number;
  /** Step engines in order of preference (default: the tfjs step alone); hosts with WebGPU put the compiled one first. */
  readonly engines?: readonly StepEngineFactory[];
  readonly engine?: EngineChoice;
  /** Train metrics the host adds after the recipe's, shown as text (the studio's tensor count). */
  readonly extraTrainMetrics?: readonly Metric[];
  /** Default: the builder's (the console in Node). */
  readonly renderer?: MetricsRenderer;
  /** A handle made before the learner (a worker's Stop, the CLI's Ctrl-C). */
  readonly interrupter?: TrainingInterrupter;
  /**
   * The weights of the model.json the config's layer list came from (`initial`), named
   * `layer/weight`: a fresh run loads them by name and stores what it starts from as
   * `init/model.mpk.gz`. Not needed once the run stored it (a resume, a restart).
   */
  readonly imported?: readonly TensorRecord[];
}

/** The learner of a run, and its model (the caller disposes it when the run ends, however it ends). */
export interface Recipe {
  readonly learner: Learner<Batch, tf.LayersModel>;
  readonly model: tf.LayersModel;
}

/**
 * A fresh run of a layer list imported with weights starts from the run's stored initial model,
 * or (the first time) from the imported weights, loaded by name and then stored; the experiment
 * log says which layers took them.
 */
async function startingWeights(input: RecipeInput, model: tf.LayersModel): Promise<void> {
  const { model: config } = input.config;
  if (config.type !== 'layers' || !config.initial) return;
  if (await loadInitialModel(input.store, model)) return;
  const source = config.initial.source;
  if (!input.imported) throw new Error(`the run starts from the weights of ${source}, which it has not stored (${INITIAL_MODEL}): import ${source} again`);
  const match = loadImportedWeights(model, inferLayers(config.layers, input.shape, input.task), input.imported);
  await saveInitialModel(input.store, model);
  const fresh = match.fresh.map((f) => `${f.layer} (${f.reason})`);
  const log = new ExperimentLog(input.store, (line) => input.renderer?.log(line));
  await log.info(
    'model',
    `initial weights from ${source}: ${match.loaded.length} layer${match.loaded.length === 1 ? '' : 's'} loaded (${match.loaded.join(', ') || 'none'})${fresh.length ? `; fresh: ${fresh.join('; ')}` : ''}`,
  );
}

/** The valid metric a run is ranked by: the runs list's "best", and the epoch whose checkpoint retention always keeps. */
export interface BestMetric {
  readonly name: 'Accuracy' | 'Loss';
  readonly direction: Direction;
}

/** Valid Accuracy (highest) for classification, valid Loss (lowest) for regression. */
export function bestMetric(task: 'classification' | 'regression'): BestMetric {
  return task === 'classification' ? { name: 'Accuracy', direction: 'highest' } : { name: 'Loss', direction: 'lowest' };
}

/** A run's best epoch as the runs list shows it ("valid Accuracy", 97.5, epoch 4). */
export interface BestEpoch {
  readonly metric: string;
  readonly value: number;
  readonly epoch: number;
}

/**
 * The best epoch after `epoch` ended with valid means `valid`: the one retention keeps, since it
 * chooses as `MetricHistory.bestEpoch` does (the earliest of equals wins, NaN never does).
 */
export function bestSoFar(best: BestEpoch | undefined, epoch: number, valid: Readonly<Record<string, number>>, by: BestMetric): BestEpoch | undefined {
  const value = valid[by.name];
  if (value === undefined || Number.isNaN(value)) return best;
  const metric = `valid ${by.name}`;
  if (best && best.metric === metric && !(by.direction === 'highest' ? value > best.value : value < best.value)) return best;
  return { metric, value, epoch };
}

/** Keeps the last `keepLast` checkpoints and the one of the best epoch by {@link bestMetric}. */
export function retention(keepLast: number, task: 'classification' | 'regression'): CheckpointingStrategy {
  const best = bestMetric(task);
  return new ComposedCheckpointingStrategy(new KeepLastNCheckpoints(keepLast), new MetricCheckpointingStrategy(best.name, best.direction, 'valid'));
}

/** Loss and, per task, Accuracy or MAE in the label's units. */
function taskMetrics(input: RecipeInput): Metric[] {
  return [new LossMetric(), input.task === 'classification' ? new AccuracyMetric() : new MaeMetric(input.targetScale)];
}

/**
 * The one way a run becomes a learner, for the studio's worker and the CLI alike: the preset model,
 * Loss with Accuracy (classification) or MAE (regression) on both splits, the learning rate and
 * the iteration speed on train, the valid confusion matrix per epoch (classification), checkpoints after every epoch keeping the last `keepCheckpoints`
 * and the best by {@link bestMetric} (`retention`), the schedule over optimizer steps (`scheduleFor`), gradient
 * accumulation, epochs, seed, what a non-finite loss does, and the summary. A layer list imported
 * with weights starts from them (`startingWeights`).
 */
export async function learnerFromConfig(input: RecipeInput): Promise<Recipe> {
  const { config } = input;
  const builder = new LearnerBuilder(input.store);
  for (const m of [...taskMetrics(input), new LearningRateMetric()]) builder.metricTrainNumeric(m);
  builder.metricTrain(new IterationSpeedMetric());
  for (const m of input.extraTrainMetrics ?? []) builder.metricTrain(m);
  for (const m of taskMetrics(input)) builder.metricValidNumeric(m);
  if (input.task === 'classification') builder.validConfusion(input.classNames);
  builder
    .withFileCheckpointer()
    .checkpointingStrategy(retention(config.keepCheckpoints, input.task))
    .gradsAccumulation(config.gradAccumulation)
    .numEpochs(config.epochs)
    .devices([input.backend])
    .engine(input.engine ?? 'auto')
    .seed(config.seed)
    .onNonFinite(config.onNonFinite)
    .summary();
  if (input.engines) builder.engines(input.engines);
  if (input.renderer) builder.renderer(input.renderer);
  if (input.interrupter) builder.withInterrupter(input.interrupter);
  if (input.resumeFrom !== undefined) builder.checkpoint(input.resumeFrom);
  const model = createModel(config.model, input.shape, config.seed, input.task);
  if (input.resumeFrom === undefined) {
    try {
      await startingWeights(input, model);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const stepsPerEpoch = Math.ceil(input.trainBatches / config.gradAccumulation);
  const step = input.task === 'classification' ? model : regression(model);
  return { learner: builder.build(step, config.optimizer, scheduleFor(config, stepsPerEpoch)), model };
}
