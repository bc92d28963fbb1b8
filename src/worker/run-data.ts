import { strFromU8 } from 'fflate';
import type { DatasetCard } from '../data/card';
import { dataLoaders, splitLoaders, type DataLoaders } from '../data/dataloader';
import { isClassification, targetSize, type TensorData } from '../data/dataset';
import { decodeDataset, encodeDataset, type StoredSplit } from '../data/stored';
import type { RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import type { ModelShape } from '../train/model/presets';
import { DATASET_FILES, type DatasetMeta, MNIST_SHAPE } from './dataset-meta';
import { loadMnist } from './mnist';

/** A dataset made ready to train on: its split, its card and (tables) its preprocessing. */
export interface PreparedDataset extends StoredSplit {
  readonly card: DatasetCard;
  readonly preprocessing?: unknown;
}

/** Prepares the run's dataset from what the user opened (or a built-in table). */
export type Prepare = (progress: (phase: string, done: number, total: number) => void) => Promise<PreparedDataset>;

/** What a run trains on: its loaders, the model's shape and the task. */
export interface RunData extends DataLoaders {
  readonly shape: ModelShape;
  readonly task: 'classification' | 'regression';
  /** Regression on standardized targets: a target unit in the label's units (for MAE). */
  readonly targetScale: number;
}

/** The label's units per standardized target unit, from a table's preprocessing record (1 otherwise). */
function scaleOf(preprocessing: unknown): number {
  const label = (preprocessing as { label?: { task?: string; std?: number } } | undefined)?.label;
  return label?.task === 'regression' && label.std ? label.std : 1;
}

/** The model's shape and the task of a split. */
function shapeOf(data: TensorData): { shape: ModelShape; task: RunData['task'] } {
  const task = isClassification(data) ? 'classification' : 'regression';
  return { task, shape: { inputShape: data.itemShape, outputs: task === 'classification' ? data.numClasses! : targetSize(data) } };
}

/**
 * The run's data. MNIST comes from the package (split by the config, as always). Any other
 * dataset is prepared once, when the run starts, and stored with the run; a resumed run reads
 * that stored split back, so it trains on exactly the same rows without the original files.
 */
export async function runData(config: RunConfig, store: ArtifactStore, prepare: Prepare, report: (message: string) => void): Promise<RunData> {
  const opts = { batchSize: config.batchSize, validFraction: config.validFraction, seed: config.seed };
  if (config.dataset.type === 'mnist') {
    const data = await loadMnist((done, total) => report(`Loading MNIST: ${(done / 1024).toFixed(0)} of ${(total / 1024).toFixed(0)} KiB`));
    return { ...dataLoaders(data, { ...opts, limit: config.dataset.samples }), shape: MNIST_SHAPE, task: 'classification', targetScale: 1 };
  }
  const stored = await store.read(DATASET_FILES.data);
  let split: StoredSplit;
  let preprocessing: unknown;
  if (stored) {
    report("Reading the run's stored dataset");
    split = decodeDataset(stored);
    const meta = await store.read(DATASET_FILES.meta);
    preprocessing = meta ? (JSON.parse(strFromU8(meta)) as DatasetMeta).preprocessing : undefined;
  } else {
    const prepared = await prepare((phase, done, total) =>
      report(total ? `${phase}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}` : phase),
    );
    split = prepared;
    preprocessing = prepared.preprocessing;
    const { shape, task } = shapeOf(prepared.train);
    const { preview: _, ...card } = prepared.card;
    const meta: DatasetMeta = {
      version: 1,
      task,
      inputShape: shape.inputShape,
      outputs: shape.outputs,
      classNames: prepared.train.classNames,
      card,
      preprocessing: prepared.preprocessing,
    };
    await store.write(DATASET_FILES.meta, JSON.stringify(meta, null, 2));
    await store.write(DATASET_FILES.data, encodeDataset(prepared));
  }
  return { ...splitLoaders(split.train, split.valid, opts), ...shapeOf(split.train), targetScale: scaleOf(preprocessing) };
}
