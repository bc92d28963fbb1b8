import { strFromU8 } from 'fflate';
import { z } from 'zod';
import type { DatasetCard } from '../data/card';
import { dataLoaders, splitLoaders, type DataLoaders } from '../data/dataloader';
import { isClassification, targetSize, type TensorData } from '../data/dataset';
import { decodeDataset, encodeDataset, type StoredSplit } from '../data/stored';
import type { RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import type { ModelShape } from '../train/model/infer';
import { loadMnist } from './mnist';

/** The run's files that hold its data (docs/FORMATS.md): the prepared split, and what it is. */
export const DATASET_FILES = { data: 'dataset/data.mpk.gz', meta: 'dataset/dataset.json' } as const;

/** `dataset/dataset.json`: what the stored split is, without reading it. */
export interface DatasetMeta {
  readonly version: 1;
  readonly task: 'classification' | 'regression';
  readonly inputShape: readonly number[];
  /** Classes, or regression targets per item. */
  readonly outputs: number;
  readonly classNames?: readonly string[];
  /** The card at the time the run started, previews left out. */
  readonly card: Omit<DatasetCard, 'preview'>;
  /** How a table's columns became features (tables only), to use a checkpoint on new rows later. */
  readonly preprocessing?: unknown;
}

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

const MNIST_SHAPE: ModelShape = { inputShape: [28, 28, 1], outputs: 10 };

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

const DatasetMetaSchema = z.object({
  version: z.literal(1),
  task: z.enum(['classification', 'regression']),
  inputShape: z.array(z.number().int().positive()).min(1),
  outputs: z.number().int().positive(),
  classNames: z.array(z.string()).optional(),
  card: z.object({}).passthrough(),
  preprocessing: z.unknown().optional(),
});

/** Parses and checks `dataset/dataset.json`; the error names the file and the field (or both versions). */
export function parseDatasetMeta(bytes: Uint8Array): DatasetMeta {
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(bytes));
  } catch {
    throw new Error(`${DATASET_FILES.meta} is not valid JSON`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== 1) throw new Error(`${DATASET_FILES.meta}: dataset record version ${String(version)}; this version of Kiln reads version 1`);
  const parsed = DatasetMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${DATASET_FILES.meta}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data as unknown as DatasetMeta; // the card is kept as written: it is shown, never computed on
}

/** The shape of the model a stored run trains, from its config and `dataset/dataset.json`. */
export async function storedShape(config: RunConfig, store: Pick<ArtifactStore, 'read'>): Promise<ModelShape> {
  if (config.dataset.type === 'mnist') return MNIST_SHAPE;
  const bytes = await store.read(DATASET_FILES.meta);
  if (!bytes) throw new Error(`the run has no ${DATASET_FILES.meta}: the shape of its model is unknown`);
  const meta = parseDatasetMeta(bytes);
  return { inputShape: meta.inputShape, outputs: meta.outputs };
}
