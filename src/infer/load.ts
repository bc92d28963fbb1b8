import type * as tf from '@tensorflow/tfjs';
import { splitData } from '../data/dataloader';
import type { TensorData } from '../data/dataset';
import type { ImageShape } from '../data/images/base';
import { decodeDataset, type StoredSplit } from '../data/stored';
import { targetScale } from '../data/table/encode';
import type { TablePreprocessing } from '../data/table/types';
import type { ModelSource } from '../protocol/run-config';
import { DATASET_FILES, readDatasetMeta, readModelSource, storedShape } from '../recipe/run-files';
import type { ArtifactStore } from '../store/base';
import { LearnerCheckpointer } from '../train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { loadParams } from '../train/learner/learner';
import { layersParams } from '../train/model/layers';
import { createModel } from '../train/model/presets';

/** What the model takes: table rows through the run's preprocessing, or images fitted to its shape. */
export type ModelInput = { readonly kind: 'table'; readonly preprocessing: TablePreprocessing } | { readonly kind: 'image'; readonly image: ImageShape };

/** What the model's outputs mean. */
export type ModelOutput =
  | { readonly task: 'classification'; readonly classNames: readonly string[] }
  | {
      readonly task: 'regression';
      /** The label column, when the run's data was a table. */
      readonly label?: string;
      /** Outputs are standardized targets: a value in the label's units is output · scale + mean. */
      readonly mean: number;
      readonly scale: number;
    };

/** A stored run's model at one checkpoint, with what its inputs and outputs are. */
export interface LoadedModel {
  readonly source: ModelSource;
  /** The checkpoint loaded, and every one the run holds. */
  readonly epoch: number;
  readonly checkpoints: readonly number[];
  readonly model: tf.LayersModel;
  readonly inputShape: readonly number[];
  readonly input: ModelInput;
  readonly output: ModelOutput;
}

/** Built-in MNIST as the host has it (the package in Node, the studio's asset in the worker). */
export type MnistSource = () => Promise<TensorData>;

const MNIST_CLASSES = Array.from({ length: 10 }, (_, d) => String(d));
/** MNIST digits as a dropped image becomes one: 28×28 gray, centre-cropped. */
const MNIST_IMAGE: ImageShape = { size: 28, channels: 1, fit: 'crop' };

/** The epochs whose checkpoints the run holds, ascending. */
export function storedCheckpoints(store: ArtifactStore): Promise<number[]> {
  return new LearnerCheckpointer(store, new KeepLastNCheckpoints(1)).epochs();
}

/**
 * Loads a run's model at checkpoint `epoch` (default: the last stored, the model the run ended
 * with): the model is built from the run's config as training builds it (`createModel`), then
 * given the checkpoint's weights. The caller disposes `model`.
 */
export async function loadModel(store: ArtifactStore, epoch?: number): Promise<LoadedModel> {
  const source = await readModelSource(store);
  const checkpoints = await storedCheckpoints(store);
  const n = epoch ?? checkpoints.at(-1);
  if (n === undefined) throw new Error('the run has no checkpoint: train at least one epoch');
  if (!checkpoints.includes(n)) throw new Error(`the run has no checkpoint ${n} (it has ${checkpoints.join(', ')})`);
  const meta = await readDatasetMeta(source, store);
  const shape = await storedShape(source, store);
  const records = await new LearnerCheckpointer(store, new KeepLastNCheckpoints(1)).load(n);
  const model = createModel(source.model, shape, source.seed);
  try {
    loadParams(layersParams(model), records.model, `checkpoint/model-${n}.mpk.gz`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const preprocessing = meta?.preprocessing as TablePreprocessing | undefined;
  const input: ModelInput =
    source.dataset.type === 'images'
      ? { kind: 'image', image: { size: source.dataset.size, channels: source.dataset.channels, fit: source.dataset.fit } }
      : source.dataset.type === 'mnist'
        ? { kind: 'image', image: MNIST_IMAGE }
        : { kind: 'table', preprocessing: preprocessing! };
  if (input.kind === 'table' && !preprocessing)
    throw new Error(`${DATASET_FILES.meta} has no preprocessing: new rows cannot be turned into the model's inputs`);
  const label = preprocessing?.label;
  const output: ModelOutput =
    (meta?.task ?? 'classification') === 'classification'
      ? { task: 'classification', classNames: meta?.classNames ?? MNIST_CLASSES }
      : label?.task === 'regression'
        ? { task: 'regression', label: label.name, mean: label.mean, scale: targetScale(label) }
        : { task: 'regression', mean: 0, scale: 1 };
  return { source, epoch: n, checkpoints, model, inputShape: shape.inputShape, input, output };
}

/** The rows the run trained and validated on: its stored split, or MNIST split as training split it. */
export async function runSplit(source: ModelSource, store: ArtifactStore, mnist: MnistSource): Promise<StoredSplit> {
  if (source.dataset.type === 'mnist') {
    return splitData(await mnist(), { limit: source.dataset.samples, validFraction: source.validFraction, seed: source.seed });
  }
  const bytes = await store.read(DATASET_FILES.data);
  if (!bytes) throw new Error(`the run has no ${DATASET_FILES.data}: its validation split is unknown`);
  return decodeDataset(bytes);
}
