import { strFromU8 } from 'fflate';
import { z } from 'zod';
import type { DatasetCard } from '../data/card';
import type { RunConfig } from '../protocol/run-config';
import type { ArtifactStore } from '../store/base';
import type { ModelShape } from '../train/model/presets';

// What a stored run's data is (its files, dataset.json, the model's shape), apart from how a run
// gets its data (run-data.ts): importing and exporting a run read these, and load no dataset.

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

/** The built-in MNIST's items and classes. */
export const MNIST_SHAPE: ModelShape = { inputShape: [28, 28, 1], outputs: 10 };

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
