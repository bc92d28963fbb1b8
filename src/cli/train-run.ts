import * as tf from '@tensorflow/tfjs';
import { compiledWebGpu } from '../gpu/factory';
import { CROSS_FIELD_RULES } from '../protocol/run-config';
import { learnerFromConfig } from '../recipe/learner';
import { CONFIG_FILE, DATASET_FILES, writeDatasetFiles } from '../recipe/run-files';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend, TrainingInterrupter, tfjsStep } from '../train/index';
import { cliData } from './data';
import { readModelFile } from './model-file';
import { runConfigFromArgs, type TrainArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { registerNodeWebGpu } from './webgpu-node';
import { GpuProfileFile } from './gpu-profiles';

/**
 * Trains the run the flags describe (a preset or a model file on MNIST, Iris or a CSV/TSV file)
 * into the artifact directory `--out`; resolves to the trained model (the caller disposes it).
 */
export async function train(args: TrainArgs): Promise<tf.LayersModel> {
  registerNodeBackends();
  if (args.backend === 'webgpu') console.log(`webgpu adapter: ${await registerNodeWebGpu()}`);
  const started = Date.now();
  // Pick the backend before building anything, so the weights are created where they train.
  await selectBackend([args.backend]);
  const { train, valid, trainData, shape, task, describe, targetScale, dataset, prepared } = cliData(args);
  console.log(describe);
  const file = args['model-file'] ? readModelFile(args['model-file'], shape, task) : undefined;
  if (file) console.log(file.describe);
  const store = new DirectoryStore(args.out);
  const config = runConfigFromArgs(args, dataset, file?.config);
  const broken = CROSS_FIELD_RULES.find((r) => r.broken(config));
  if (broken) throw new Error(`--model-file: ${broken.message}`);
  // The run keeps its settings and (tables) its prepared data, as a studio run does: predict and evaluate read them.
  await store.write(CONFIG_FILE, JSON.stringify(config, null, 2));
  if (prepared && !(await store.read(DATASET_FILES.data))) await writeDatasetFiles(store, prepared);
  const interrupter = new TrainingInterrupter();
  process.once('SIGINT', () => interrupter.stop('Ctrl-C'));
  const { learner, model } = await learnerFromConfig({
    config,
    store,
    shape,
    task,
    classNames: trainData.classNames,
    targetScale,
    trainBatches: train.numBatches,
    backend: args.backend,
    resumeFrom: args.checkpoint,
    engines: [compiledWebGpu({ autotune: args.autotune, profiles: new GpuProfileFile() }), tfjsStep()],
    engine: args.engine ?? 'auto',
    interrupter,
    imported: file?.weights ?? undefined,
  });
  try {
    await learner.fit(train, valid);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    train.dispose();
    valid.dispose();
  }
  console.log(`artifacts in ${args.out} (backend ${tf.getBackend()}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return model;
}
