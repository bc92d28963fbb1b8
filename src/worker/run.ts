import { dataLoaders } from '../data/dataloader';
import type { BackendProbe, WorkerEvent } from '../protocol/index';
import { scheduleFor, type RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import { ComposedCheckpointingStrategy } from '../train/checkpoint/strategy/composed';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { MetricCheckpointingStrategy } from '../train/checkpoint/strategy/metric';
import { LearnerBuilder } from '../train/learner/builder';
import { selectBackend } from '../train/learner/devices';
import type { TrainingInterrupter } from '../train/learner/interrupter';
import { AccuracyMetric } from '../train/metric/accuracy';
import { IterationSpeedMetric } from '../train/metric/iteration-speed';
import { LearningRateMetric } from '../train/metric/learning-rate';
import { LossMetric } from '../train/metric/loss';
import { TensorMemoryMetric } from '../train/metric/memory';
import { createModel } from '../train/model/presets';
import { backendOrder, watchDeviceLoss } from './backends';
import { loadMnist } from './mnist';
import { WorkerRenderer } from './renderer';

/** What a run needs from the worker around it. */
export interface RunContext {
  readonly config: RunConfig;
  readonly store: ArtifactStore;
  readonly probes: readonly BackendProbe[];
  readonly interrupter: TrainingInterrupter;
  readonly post: (event: WorkerEvent) => void;
}

/** How a run ended, and the learner's words for why. */
export interface RunEnd {
  readonly state: 'done' | 'stopped';
  readonly reason: string;
}

/** Loads the data, picks the backend, builds the model and runs the Learner; resolves to how it ended. */
export async function runTraining({ config, store, probes, interrupter, post }: RunContext): Promise<RunEnd> {
  post({ type: 'state', state: 'loading', message: 'Loading MNIST' });
  const data = await loadMnist((done, total) => post({ type: 'state', state: 'loading', message: `Loading MNIST: ${done} of ${total} files` }));
  const { order, skipped } = backendOrder(config, probes);
  const device = await selectBackend(order);
  post({ type: 'backend', backend: device.backend, skipped: [...skipped, ...device.skipped] });
  watchDeviceLoss((message) => {
    post({ type: 'error', message });
    interrupter.stop(message);
  });

  await store.write('config.json', JSON.stringify(config, null, 2));
  const { train, valid } = dataLoaders(data, { batchSize: config.batchSize, validFraction: config.validFraction, seed: config.seed, limit: config.samples });
  const model = createModel(config.model, { inputShape: data.itemShape, outputs: data.numClasses! }, config.seed);
  const renderer = new WorkerRenderer(post);
  const strategy = new ComposedCheckpointingStrategy(new KeepLastNCheckpoints(config.keepCheckpoints), new MetricCheckpointingStrategy('Loss', 'lowest', 'valid'));
  const builder = new LearnerBuilder(store)
    .metricTrainNumeric(new LossMetric())
    .metricTrainNumeric(new AccuracyMetric())
    .metricTrainNumeric(new LearningRateMetric())
    .metricTrain(new IterationSpeedMetric())
    .metricTrain(new TensorMemoryMetric('tensors'))
    .metricValidNumeric(new LossMetric())
    .metricValidNumeric(new AccuracyMetric())
    .renderer(renderer)
    .withFileCheckpointer()
    .checkpointingStrategy(strategy)
    .gradsAccumulation(config.gradAccumulation)
    .numEpochs(config.epochs)
    .devices([device.backend])
    .seed(config.seed)
    .summary()
    .withInterrupter(interrupter);
  try {
    const stepsPerEpoch = Math.ceil(train.numBatches / config.gradAccumulation);
    const result = await builder.build(model, config.optimizer, scheduleFor(config, stepsPerEpoch)).fit(train, valid);
    return { state: result.reason.startsWith('interrupted') ? 'stopped' : 'done', reason: `${result.reason}; ${result.epoch} epoch${result.epoch === 1 ? '' : 's'} done` };
  } finally {
    train.dispose();
    valid.dispose();
    model.dispose();
  }
}
