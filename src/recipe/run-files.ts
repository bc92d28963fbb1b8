import { strFromU8 } from 'fflate';
import { z } from 'zod';
import type { DatasetCard } from '../data/card';
import { isClassification, targetSize, type TensorData } from '../data/dataset';
import { encodeDataset, type StoredSplit } from '../data/stored';
import { ModelSourceSchema, type ModelSource } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import type { ModelShape } from '../train/model/presets';

/** The run's settings, at the root of the run (docs/FORMATS.md, `config.json`). */
export const CONFIG_FILE = 'config.json';

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

/** The shape of MNIST's model: 28×28 gray digits, ten classes. */
export const MNIST_SHAPE: ModelShape = { inputShape: [28, 28, 1], outputs: 10 };

/** The model's shape and the task of a split. */
export function shapeOf(data: TensorData): { shape: ModelShape; task: 'classification' | 'regression' } {
  const task = isClassification(data) ? 'classification' : 'regression';
  return { task, shape: { inputShape: data.itemShape, outputs: task === 'classification' ? data.numClasses! : targetSize(data) } };
}

/** Stores a prepared dataset with the run: `dataset/dataset.json`, then `dataset/data.mpk.gz`. */
export async function writeDatasetFiles(store: ArtifactStore, prepared: PreparedDataset): Promise<void> {
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

/** The run's `dataset/dataset.json`, or undefined for MNIST runs (which store no dataset). */
export async function readDatasetMeta(config: Pick<ModelSource, 'dataset'>, store: Pick<ArtifactStore, 'read'>): Promise<DatasetMeta | undefined> {
  if (config.dataset.type === 'mnist') return undefined;
  const bytes = await store.read(DATASET_FILES.meta);
  if (!bytes) throw new Error(`the run has no ${DATASET_FILES.meta}: the shape of its model is unknown`);
  return parseDatasetMeta(bytes);
}

/** The shape of the model a stored run trains, from its config and `dataset/dataset.json`. */
export async function storedShape(config: Pick<ModelSource, 'dataset'>, store: Pick<ArtifactStore, 'read'>): Promise<ModelShape> {
  const meta = await readDatasetMeta(config, store);
  return meta ? { inputShape: meta.inputShape, outputs: meta.outputs } : MNIST_SHAPE;
}

/** What using the run's model needs of its `config.json` (ModelSourceSchema); the error names the file and the field. */
export async function readModelSource(store: Pick<ArtifactStore, 'read'>): Promise<ModelSource> {
  const bytes = await store.read(CONFIG_FILE);
  if (!bytes) throw new Error(`the run has no ${CONFIG_FILE}: its settings are unknown`);
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(bytes));
  } catch {
    throw new Error(`${CONFIG_FILE} is not valid JSON`);
  }
  const parsed = ModelSourceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${CONFIG_FILE}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
