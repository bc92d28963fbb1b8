import * as tf from '@tensorflow/tfjs';
import { DirectoryStore } from '../store/node-dir';
import {
  AccuracyMetric, ComposedCheckpointingStrategy, createModel, IterationSpeedMetric, KeepLastNCheckpoints, LearnerBuilder,
  LearningRateMetric, LossMetric, MaeMetric, MetricCheckpointingStrategy, ModelConfigSchema, regression, selectBackend, warmupCosine, type SchedulerConfigInput,
} from '../train/index';
import { cliData } from './data';
import { parseTrainArgs, type TrainArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { registerNodeWebGpu } from './webgpu-node';

/** The learning-rate schedule a flag names, over the run's optimizer steps. */
function schedule(args: TrainArgs, steps: number): SchedulerConfigInput | number {
  if (args.schedule === 'cosine') return { type: 'cosine', lr: args.lr, steps };
  if (args.schedule === 'warmup-cosine') return warmupCosine({ lr: args.lr, warmupSteps: Math.ceil(steps / 10), totalSteps: steps });
  return args.lr;
}

/** `npm run train -- ...`: trains a preset on MNIST, Iris or a CSV/TSV file into an artifact directory. */
async function main(args: TrainArgs): Promise<void> {
  registerNodeBackends();
  if (args.backend === 'webgpu') console.log(`webgpu adapter: ${await registerNodeWebGpu()}`);
  const started = Date.now();
  // Pick the backend before building anything, so the weights are created where they train.
  await selectBackend([args.backend]);
  const { train, valid, shape, task, describe, targetScale } = cliData(args);
  console.log(describe);
  const classify = task === 'classification';
  const model = createModel(ModelConfigSchema.parse({ type: args.model }), shape, args.seed);
  const builder = new LearnerBuilder(new DirectoryStore(args.out))
    .metricTrainNumeric(new LossMetric())
    .metricTrainNumeric(classify ? new AccuracyMetric() : new MaeMetric(targetScale))
    .metricTrainNumeric(new LearningRateMetric())
    .metricTrain(new IterationSpeedMetric())
    .metricValidNumeric(new LossMetric())
    .metricValidNumeric(classify ? new AccuracyMetric() : new MaeMetric(targetScale))
    .withFileCheckpointer()
    .checkpointingStrategy(new ComposedCheckpointingStrategy(new KeepLastNCheckpoints(args['keep-checkpoints']), new MetricCheckpointingStrategy('Loss', 'lowest', 'valid')))
    .gradsAccumulation(args['grad-accumulation'])
    .numEpochs(args.epochs)
    .devices([args.backend])
    .engine(args.engine ?? 'auto')
    .seed(args.seed)
    .summary();
  if (args.checkpoint !== undefined) builder.checkpoint(args.checkpoint);
  const interrupter = builder.interrupter();
  process.once('SIGINT', () => interrupter.stop('Ctrl-C'));
  const steps = Math.ceil(train.numBatches / args['grad-accumulation']) * args.epochs;
  const learner = builder.build(classify ? model : regression(model), { type: args.optimizer }, schedule(args, steps));
  const result = await learner.fit(train, valid);
  train.dispose();
  valid.dispose();
  result.model.dispose();
  console.log(`artifacts in ${args.out} (backend ${tf.getBackend()}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// `npm run train | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

let args: TrainArgs;
try {
  args = parseTrainArgs(process.argv.slice(2));
} catch (e) {
  console.error(`train: ${(e as Error).message}`);
  process.exit(2);
}
main(args).catch((e: Error) => {
  console.error(`train: ${e.message}`);
  process.exit(1);
});
