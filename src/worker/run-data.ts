import { strFromU8 } from 'fflate';
import { dataLoaders, splitLoaders, type DataLoaders } from '../data/dataloader';
import { decodeDataset, type StoredSplit } from '../data/stored';
import type { RunConfig } from '../protocol/run-config';
import { DATASET_FILES, MNIST_SHAPE, shapeOf, writeDatasetFiles, type DatasetMeta, type PreparedDataset } from '../recipe/run-files';
import type { ArtifactStore } from '../store/base';
import type { ModelShape } from '../train/model/presets';
import { loadMnist } from './mnist';

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
    await writeDatasetFiles(store, prepared);
  }
  return { ...splitLoaders(split.train, split.valid, opts), ...shapeOf(split.train), targetScale: scaleOf(preprocessing) };
}
