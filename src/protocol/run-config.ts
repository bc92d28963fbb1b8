import { z } from 'zod';
import type { CheckSettings } from '../data/checks';
import { ModelConfigSchema } from '../train/model/config';
import { ON_NON_FINITE } from '../train/learner/non-finite';
import { OptimizerConfigSchema } from '../train/optim/config';

/** Backends the studio can run on; 'auto' tries webgpu, webgl, wasm, cpu (CNNs train on wasm through Kiln's convolution-gradient kernels). */
export const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** A schedule as the studio offers it: the LR itself lives in `lr`, the shape here. */
export const ScheduleChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }),
  z.object({ type: z.literal('step'), stepEpochs: z.number().int().positive(), gamma: z.number().positive().max(1) }),
  z.object({ type: z.literal('exponential'), gamma: z.number().positive().max(1) }),
  z.object({ type: z.literal('cosine'), minLr: z.number().min(0) }),
  z.object({ type: z.literal('warmup-cosine'), warmupEpochs: z.number().positive(), minLr: z.number().min(0) }),
]);

/** Image sizes the studio offers for a dropped image folder: default 28×28 gray, or 32×32 RGB. */
export const IMAGE_SIZES = [16, 28, 32, 48, 64, 96] as const;

/**
 * Where a run's data comes from. `mnist` and `iris` ship with the studio; `table` and `images`
 * name what the user dropped (the prepared data is stored with the run under `dataset/`, so a
 * run resumes without the original files).
 */
export const DatasetConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('mnist'),
    /** Use the first N digits (10,000 for all of MNIST). */
    samples: z.number().int().min(20, 'use at least 20 samples').max(10_000, 'MNIST has 10,000 samples'),
  }),
  z.strictObject({ type: z.literal('iris') }),
  z.strictObject({
    type: z.literal('table'),
    /** The file's name, as dropped. */
    file: z.string().min(1),
    /** The column to predict. */
    label: z.string().min(1),
    task: z.enum(['classification', 'regression']),
    /** Rows with missing values: dropped, or filled with the training split's mean / most frequent value. */
    missing: z.enum(['drop', 'fill']),
    /** How the file was decoded (a file that is not UTF-8 can be read as Latin-1). */
    encoding: z.enum(['utf-8', 'latin1']).default('utf-8'),
    /** Columns the user left out of the features (an identifier, say); absent: none (configs written before the choice). */
    exclude: z.array(z.string().min(1)).optional(),
  }),
  z.strictObject({
    type: z.literal('images'),
    /** The folder or zip, as dropped. */
    source: z.string().min(1),
    size: z.number().int().min(8, 'at least 8 pixels').max(256, 'at most 256 pixels'),
    channels: z.union([z.literal(1), z.literal(3)]),
    /** 'crop': centre-crop to a square, then resize; 'pad': letterbox with black. */
    fit: z.enum(['crop', 'pad']),
  }),
]);

/** A validated dataset choice. */
export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;

/** Everything a run needs, as plain data: validated once in the UI, again in the worker, saved with the run. */
const RunConfigObject = z.strictObject({
  dataset: DatasetConfigSchema,
  validFraction: z.number().min(0.05, 'hold out at least 5%').max(0.5, 'hold out at most 50%'),
  model: ModelConfigSchema,
  optimizer: OptimizerConfigSchema,
  lr: z.number().positive('the learning rate must be > 0').max(10, 'a learning rate above 10 will diverge'),
  schedule: ScheduleChoiceSchema,
  epochs: z.number().int().min(1, 'train at least 1 epoch').max(1000),
  batchSize: z.number().int().min(1, 'the batch size must be ≥ 1').max(4096),
  gradAccumulation: z.number().int().min(1).max(64),
  keepCheckpoints: z.number().int().min(1, 'keep at least 1 checkpoint').max(100),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  backend: z.enum(BACKENDS),
  /** A loss that goes NaN or infinite stops the run (its earlier checkpoints kept) or is warned about once per epoch; configs written before the choice read as 'stop'. */
  onNonFinite: z.enum(ON_NON_FINITE).default('stop'),
});

/**
 * Config files written before datasets were a choice had `dataset: 'mnist'` and a top-level
 * `samples`; they read as `dataset: { type: 'mnist', samples }` (docs/FORMATS.md, config.json).
 */
export function migrateRunConfig(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || !('dataset' in raw) || raw.dataset !== 'mnist') return raw;
  const { samples, ...rest } = raw as Record<string, unknown>;
  return { ...rest, dataset: { type: 'mnist', samples } };
}

/** What the cross-field rules read, loosely typed: they also run on a draft whose other fields are invalid. */
export interface RuleFields {
  readonly model?: { readonly type?: unknown; readonly layers?: unknown };
  readonly dataset?: { readonly type?: unknown };
  readonly backend?: unknown;
}

/** Whether a (draft) model config has a depthwise convolution, which tfjs-wasm cannot train. */
const hasDepthwise = (model: RuleFields['model']) =>
  Array.isArray(model?.layers) && model.layers.some((l: { type?: unknown }) => l?.type === 'DepthwiseConv2D' || l?.type === 'SeparableConv2D');

/** A rule that spans fields: the field its message belongs to, the message, and when it is broken. */
export interface CrossFieldRule {
  readonly field: 'model';
  readonly message: string;
  broken(c: RuleFields): boolean;
}

/** The rules between fields, the same for the studio's form, the worker and the CLI (which maps its flags onto them). */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  {
    field: 'model',
    message: 'the small CNN needs images; this dataset is a table (pick MLP or logistic regression)',
    broken: (c) => c.model?.type === 'cnn' && c.dataset?.type !== undefined && c.dataset.type !== 'mnist' && c.dataset.type !== 'images',
  },
  {
    field: 'model',
    message: 'DepthwiseConv2D and SeparableConv2D do not train on wasm (tfjs-wasm has no depthwise-convolution gradient): pick another backend',
    broken: (c) => c.backend === 'wasm' && hasDepthwise(c.model),
  },
];

/** Adds an issue, on its field, for every cross-field rule the value breaks. */
export function checkCrossFieldRules(value: RuleFields, ctx: z.RefinementCtx): void {
  for (const rule of CROSS_FIELD_RULES) {
    if (rule.broken(value)) ctx.addIssue({ code: 'custom', path: [rule.field], message: rule.message });
  }
}

/** Runs the rules even when other fields failed (the form shows every problem at once); they read only what is there. */
const whenObject = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

/** The run config schema, with the rules between fields; older config files are migrated first. */
export const RunConfigSchema = z.preprocess(migrateRunConfig, RunConfigObject.superRefine(checkCrossFieldRules, whenObject));

/** A validated run config. */
export type RunConfig = z.infer<typeof RunConfigObject>;

/**
 * What using a stored run (predict, evaluate, export) reads of its config: the data, the model and
 * how the data was split and batched. Only these are checked, and the split and batch more loosely
 * than the form does: the CLI's flags allow wider ranges (`--valid-fraction 0.8`, `--epochs 2000`).
 */
export const ModelSourceSchema = z.preprocess(
  migrateRunConfig,
  z.object({
    ...RunConfigObject.pick({ dataset: true, model: true, seed: true }).shape,
    validFraction: z.number().gt(0).lt(1),
    batchSize: z.number().int().positive(),
  }),
);

/** The fields of a stored run's config that using its model needs. */
export type ModelSource = z.infer<typeof ModelSourceSchema>;

/** What the checks before a run (src/data/checks.ts) read of its config: the split, the batches and, for a table, its columns. */
export function checkSettings(c: Pick<RunConfig, 'dataset' | 'validFraction' | 'batchSize' | 'gradAccumulation'>): CheckSettings {
  const { validFraction, batchSize, gradAccumulation } = c;
  return c.dataset.type === 'table'
    ? { validFraction, batchSize, gradAccumulation, label: c.dataset.label, exclude: c.dataset.exclude }
    : { validFraction, batchSize, gradAccumulation };
}

/** What the studio starts with: a small MLP on all of MNIST, which trains in a minute on a GPU. */
export const DEFAULT_RUN_CONFIG: RunConfig = {
  dataset: { type: 'mnist', samples: 10_000 },
  validFraction: 0.2,
  model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 },
  optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  lr: 1e-3,
  schedule: { type: 'constant' },
  epochs: 5,
  batchSize: 64,
  gradAccumulation: 1,
  keepCheckpoints: 2,
  seed: 0,
  backend: 'auto',
  onNonFinite: 'stop',
};
