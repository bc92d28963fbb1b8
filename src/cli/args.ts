import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkCrossFieldRules, type DatasetConfig, type RunConfig } from '../protocol/run-config';
import { MODEL_FORMAT_NAMES } from '../export/format-list';
import { ON_NON_FINITE } from '../train/learner/non-finite';
import { type ModelConfig, ModelConfigSchema } from '../train/model/config';
import { OptimizerConfigSchema } from '../train/optim/config';

/** A flag's number, written in decimal (`0x10`, `1_0` and empty values are refused, not read as 16, 10 and 0). */
const decimal = z
  .string()
  .regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'expected a decimal number')
  .transform(Number);
/** A flag's whole number, at least `min`. */
export const int = (min: number) => decimal.pipe(z.number().int().min(min));

/** The train command's flags, validated once. */
export const TrainArgsSchema = z
  .strictObject({
    dataset: z.enum(['mnist', 'iris', 'csv']).default('mnist'),
    /** --dataset csv: the CSV or TSV file, and how to read it (defaults: what the studio suggests). */
    file: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    task: z.enum(['classification', 'regression']).optional(),
    missing: z.enum(['drop', 'fill']).optional(),
    encoding: z.enum(['utf-8', 'latin1']).default('utf-8'),
    /** --dataset csv: columns to leave out of the features, comma-separated (an identifier, say). */
    exclude: z
      .string()
      .transform((s) => s.split(',').map((c) => c.trim()))
      .pipe(z.array(z.string().min(1, 'name the columns to leave out, separated by commas')))
      .optional(),
    /** A preset (default mlp); or --model-file. */
    model: z.enum(['mlp', 'cnn', 'logistic']).optional(),
    /** A TensorFlow.js layers model.json (its weights files beside it, or none) or a layer list. */
    'model-file': z.string().min(1).optional(),
    epochs: int(1).default(2),
    'batch-size': int(1).default(64),
    lr: decimal.pipe(z.number().positive()).default(1e-3),
    optimizer: z.enum(['sgd', 'adam', 'adamw', 'rmsprop']).default('adam'),
    schedule: z.enum(['constant', 'cosine', 'warmup-cosine']).default('constant'),
    seed: int(0).default(0),
    limit: int(1).optional(),
    'valid-fraction': decimal.pipe(z.number().min(0.01).max(0.9)).default(0.2),
    out: z.string().min(1),
    checkpoint: int(1).optional(),
    'grad-accumulation': int(1).default(1),
    backend: z.enum(['cpu', 'wasm', 'webgpu']).default('cpu'),
    /** On webgpu: the compiled step where the model allows it (default), or always the tfjs step. */
    engine: z.enum(['compiled', 'tfjs']).optional(),
    /** On webgpu: time the compiled step's GEMM tilings on this GPU first (once: the result is kept in the user's cache folder). */
    autotune: z.boolean().default(false),
    'keep-checkpoints': int(1).default(2),
    /** A loss that goes NaN or infinite: stop the run (default), or warn once per epoch and train on. */
    'on-non-finite': z.enum(ON_NON_FINITE).default('stop'),
    /** Replace the run that `--out` holds (a fresh run refuses a folder that holds one). */
    overwrite: z.boolean().default(false),
  })
  .superRefine((a, ctx) => {
    if (a.exclude && a.dataset !== 'csv')
      ctx.addIssue({ code: 'custom', path: ['exclude'], message: 'columns can be left out of a CSV or TSV (--dataset csv)' });
    if (a.dataset === 'csv' && !a.file) ctx.addIssue({ code: 'custom', path: ['file'], message: 'name the CSV or TSV file to train on' });
    if (a.model && a['model-file']) ctx.addIssue({ code: 'custom', path: ['model-file'], message: 'give a preset (--model) or a model file, not both' });
    // The studio's rules between fields, on the flags that carry those fields.
    checkCrossFieldRules({ model: { type: a.model }, dataset: { type: a.dataset === 'csv' ? 'table' : a.dataset } }, ctx);
  });

/** Validated flags of `npm run train`. */
export type TrainArgs = z.infer<typeof TrainArgsSchema>;

/** Flags that take no value. */
const SWITCHES = new Set(['overwrite', 'autotune']);

/** `--epochs -1` as `--epochs=-1`: a negative number after a flag is its value, not another flag. */
function joinNegativeValues(argv: readonly string[], switches: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = /^--([\w-]+)$/.exec(argv[i])?.[1];
    if (flag && !switches.has(flag) && /^-[\d.]/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/**
 * Parses argv against a command's flag schema (a zod object; `overwrite` is a switch, every other
 * flag takes a value); any bad, repeated or missing flag or value throws an Error whose message is
 * one line naming it.
 */
export function parseFlags<S extends z.ZodObject>(schema: S, argv: readonly string[]): z.infer<S> {
  const options = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: SWITCHES.has(k) ? ('boolean' as const) : ('string' as const) }]));
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, SWITCHES), options, strict: true, allowPositionals: false, tokens: true });
    const seen = new Map<string, string[]>();
    for (const t of parsed.tokens) if (t.kind === 'option') seen.set(t.name, [...(seen.get(t.name) ?? []), String(t.value ?? '')]);
    for (const [name, given] of seen)
      if (given.length > 1) throw new Error(`--${name}: given ${given.length} times (${given.map((g) => `'${g}'`).join(', ')}); give it once`);
    values = parsed.values;
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue.path.length ? `--${String(issue.path[0])}` : 'arguments';
    const given = issue.path.length ? values[String(issue.path[0])] : undefined;
    throw new Error(`${flag}: ${issue.message}${given !== undefined ? ` (got '${String(given)}')` : ''}`);
  }
  return parsed.data;
}

/** Parses `npm run train`'s argv (see parseFlags). */
export function parseTrainArgs(argv: string[]): TrainArgs {
  return parseFlags(TrainArgsSchema, argv);
}

/** `npm run predict`'s flags: the run, its checkpoint (default: the last stored), the input and the output CSV. */
export const PredictArgsSchema = z.strictObject({
  run: z.string().min(1),
  checkpoint: int(1).optional(),
  input: z.string().min(1),
  out: z.string().min(1),
});

/** `npm run evaluate`'s flags: the run and its checkpoint (default: the last stored). */
export const EvaluateArgsSchema = PredictArgsSchema.pick({ run: true, checkpoint: true });

/** Validated flags of `npm run predict`. */
export type PredictArgs = z.infer<typeof PredictArgsSchema>;

/** Validated flags of `npm run evaluate`. */
export type EvaluateArgs = z.infer<typeof EvaluateArgsSchema>;

/** Parses `npm run predict`'s argv (see parseFlags). */
export function parsePredictArgs(argv: string[]): PredictArgs {
  return parseFlags(PredictArgsSchema, argv);
}

/** Parses `npm run evaluate`'s argv (see parseFlags). */
export function parseEvaluateArgs(argv: string[]): EvaluateArgs {
  return parseFlags(EvaluateArgsSchema, argv);
}

/** The schedule a flag names: warm-up + cosine warms up over the first tenth of the run. */
function scheduleChoice(args: TrainArgs): RunConfig['schedule'] {
  if (args.schedule === 'cosine') return { type: 'cosine', minLr: 0 };
  if (args.schedule === 'warmup-cosine') return { type: 'warmup-cosine', warmupEpochs: args.epochs / 10, minLr: 0 };
  return { type: 'constant' };
}

/**
 * The run the flags describe, as the studio's RunConfig; `dataset` is what the CLI loaded (a CSV's
 * label, task and missing values may have been suggested). The flags' own ranges apply (they are
 * wider than the studio's form: a headless run may hold out 80% or train 2,000 epochs). `model`
 * is what `--model-file` holds; absent, the preset `--model` names (default mlp).
 */
export function runConfigFromArgs(args: TrainArgs, dataset: DatasetConfig, model?: ModelConfig): RunConfig {
  return {
    dataset,
    validFraction: args['valid-fraction'],
    model: model ?? ModelConfigSchema.parse({ type: args.model ?? 'mlp' }),
    optimizer: OptimizerConfigSchema.parse({ type: args.optimizer }),
    lr: args.lr,
    schedule: scheduleChoice(args),
    epochs: args.epochs,
    batchSize: args['batch-size'],
    gradAccumulation: args['grad-accumulation'],
    keepCheckpoints: args['keep-checkpoints'],
    seed: args.seed,
    backend: args.backend,
    onNonFinite: args['on-non-finite'],
  };
}

/** The export command's flags (`npm run export`); `--format` takes the model export formats' names. */
export const ExportArgsSchema = z.strictObject({
  run: z.string().min(1),
  checkpoint: int(1).optional(),
  format: z.enum(MODEL_FORMAT_NAMES, { error: `a format of ${MODEL_FORMAT_NAMES.join(', ')}` }),
  out: z.string().min(1),
});

/** Validated flags of `npm run export`. */
export type ExportArgs = z.infer<typeof ExportArgsSchema>;

/** Parses `npm run export`'s argv (see parseFlags). */
export function parseExportArgs(argv: string[]): ExportArgs {
  return parseFlags(ExportArgsSchema, argv);
}
