import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batcher';
import type { RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import { ComposedCheckpointingStrategy } from '../train/checkpoint/strategy/composed';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { MetricCheckpointingStrategy } from '../train/checkpoint/strategy/metric';
import { LearnerBuilder } from '../train/learner/builder';
import type { EngineChoice } from '../train/learner/engine';
import type { TrainingInterrupter } from '../train/learner/interrupter';
import type { Learner } from '../train/learner/learner';
import { AccuracyMetric } from '../train/metric/accuracy';
import type { Metric } from '../train/metric/base';
import { IterationSpeedMetric } from '../train/metric/iteration-speed';
import { LearningRateMetric } from '../train/metric/learning-rate';
import { LossMetric } from '../train/metric/loss';
import { MaeMetric } from '../train/metric/mae';
import { regression } from '../train/model/layers';
import { createModel, type ModelShape } from '../train/model/presets';
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
}

/** The learner of a run, and its model (the caller disposes it when the run ends, however it ends). */
export interface Recipe {
  readonly learner: Learner<Batch, tf.LayersModel>;
  readonly model: tf.LayersModel;
}

/** Loss and, per task, Accuracy or MAE in the label's units. */
function taskMetrics(input: RecipeInput): Metric[] {
  return [new LossMetric(), input.task === 'classification' ? new AccuracyMetric() : new MaeMetric(input.targetScale)];
}

/**
 * The one way a run becomes a learner, for the studio's worker and the CLI alike: the preset model,
 * Loss with Accuracy (classification) or MAE (regression) on both splits, the learning rate and
 * the iteration speed on train, the valid confusion matrix per epoch (classification), checkpoints after every epoch keeping the last `keepCheckpoints`
 * and the best valid loss, the schedule over optimizer steps (`scheduleFor`), gradient
 * accumulation, epochs, seed, what a non-finite loss does, and the summary.
 */
export function learnerFromConfig(input: RecipeInput): Recipe {
  const { config } = input;
  const builder = new LearnerBuilder(input.store);
  for (const m of [...taskMetrics(input), new LearningRateMetric()]) builder.metricTrainNumeric(m);
  builder.metricTrain(new IterationSpeedMetric());
  for (const m of input.extraTrainMetrics ?? []) builder.metricTrain(m);
  for (const m of taskMetrics(input)) builder.metricValidNumeric(m);
  if (input.task === 'classification') builder.validConfusion(input.classNames);
  builder
    .withFileCheckpointer()
    .checkpointingStrategy(
      new ComposedCheckpointingStrategy(new KeepLastNCheckpoints(config.keepCheckpoints), new MetricCheckpointingStrategy('Loss', 'lowest', 'valid')),
    )
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
  const model = createModel(config.model, input.shape, config.seed);
  const stepsPerEpoch = Math.ceil(input.trainBatches / config.gradAccumulation);
  const step = input.task === 'classification' ? model : regression(model);
  return { learner: builder.build(step, config.optimizer, scheduleFor(config, stepsPerEpoch)), model };
}
