import { strFromU8 } from 'fflate';
import { RunConfigSchema, type RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import { LearnerCheckpointer } from '../train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { loadParams } from '../train/learner/learner';
import { layersParams } from '../train/model/layers';
import { createModel } from '../train/model/build';
import type { ModelShape } from '../train/model/infer';

/** A stored run's model at one checkpoint. */
export interface RunModel {
  readonly config: RunConfig;
  readonly epoch: number;
  /** Built as training built it, with the checkpoint's weights; the caller disposes it. */
  readonly model: import('@tensorflow/tfjs').LayersModel;
}

/** The model's shape: MNIST's, or the one `dataset/dataset.json` states. */
async function shapeOf(config: RunConfig, store: ArtifactStore): Promise<ModelShape> {
  if (config.dataset.type === 'mnist') return { inputShape: [28, 28, 1], outputs: 10 };
  const bytes = await store.read('dataset/dataset.json');
  const meta = bytes ? (JSON.parse(strFromU8(bytes)) as Partial<ModelShape>) : {};
  if (!Array.isArray(meta.inputShape) || !Number.isInteger(meta.outputs))
    throw new Error('the run has no readable dataset/dataset.json: the shape of its model is unknown');
  return { inputShape: meta.inputShape, outputs: meta.outputs! };
}

/** Loads the run in `store` at checkpoint `epoch` (default: its last); errors name what is missing. */
export async function loadRunModel(store: ArtifactStore, epoch?: number): Promise<RunModel> {
  const bytes = await store.read('config.json');
  if (!bytes) throw new Error('the folder holds no config.json: not a Kiln run (or one trained before runs kept their settings)');
  const config = RunConfigSchema.parse(JSON.parse(strFromU8(bytes)));
  const checkpointer = new LearnerCheckpointer(store, new KeepLastNCheckpoints(1));
  const epochs = await checkpointer.epochs();
  const n = epoch ?? epochs.at(-1);
  if (n === undefined) throw new Error('the run has no checkpoint: train at least one epoch');
  if (!epochs.includes(n)) throw new Error(`the run has no checkpoint ${n} (it has ${epochs.join(', ')})`);
  const records = await checkpointer.load(n);
  const model = createModel(config.model, await shapeOf(config, store), config.seed);
  try {
    loadParams(layersParams(model), records.model, `checkpoint/model-${n}.mpk.gz`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { config, epoch: n, model };
}
