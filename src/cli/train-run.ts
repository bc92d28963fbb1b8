import * as tf from '@tensorflow/tfjs';
import { compiledWebGpu } from '../gpu/factory';
import { CROSS_FIELD_RULES } from '../protocol/run-config';
import { learnerFromConfig } from '../recipe/learner';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend, TrainingInterrupter, tfjsStep } from '../train/index';
import { cliData } from './data';
import { readModelFile } from './model-file';
import { runConfigFromArgs, type TrainArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { registerNodeWebGpu } from './webgpu-node';

/** Trains the run the flags describe (a preset or a model file on MNIST, Iris or a CSV/TSV file) into the artifact directory `--out`. */
export async function train(args: TrainArgs): Promise<void> {
  registerNodeBackends();
  if (args.backend === 'webgpu') console.log(`webgpu adapter: ${await registerNodeWebGpu()}`);
  const started = Date.now();
  // Pick the backend before building anything, so the weights are created where they train.
  await selectBackend([args.backend]);
  const { train, valid, shape, task, describe, targetScale, dataset } = cliData(args);
  console.log(describe);
  const file = args['model-file'] ? readModelFile(args['model-file'], shape, task) : undefined;
  if (file) console.log(file.describe);
  const config = runConfigFromArgs(args, dataset, file?.config);
  const broken = CROSS_FIELD_RULES.find((r) => r.broken(config));
  if (broken) throw new Error(`--model-file: ${broken.message}`);
  const interrupter = new TrainingInterrupter();
  process.once('SIGINT', () => interrupter.stop('Ctrl-C'));
  const { learner, model } = await learnerFromConfig({
    config,
    store: new DirectoryStore(args.out),
    shape,
    task,
    targetScale,
    trainBatches: train.numBatches,
    backend: args.backend,
    resumeFrom: args.checkpoint,
    engines: [compiledWebGpu(), tfjsStep()],
    engine: args.engine ?? 'auto',
    interrupter,
    imported: file?.weights ?? undefined,
  });
  try {
    await learner.fit(train, valid);
  } finally {
    train.dispose();
    valid.dispose();
    model.dispose();
  }
  console.log(`artifacts in ${args.out} (backend ${tf.getBackend()}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
