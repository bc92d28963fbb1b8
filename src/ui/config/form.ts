import { DatasetConfigSchema, DEFAULT_RUN_CONFIG, RunConfigSchema, type DatasetConfig, type RunConfig } from '../../protocol/run-config';
import { inferLayers, type ModelShape } from '../../train/model/infer';
import { ModelConfigSchema, type PresetConfig } from '../../train/model/config';
import { LAYER_LIST_VERSION } from '../../train/model/layer-spec';
import type { DatasetCard } from '../../data/card';
import { taskForLabel } from '../../data/table/suggest';
import { modelLayers } from '../../train/model/presets';
import { draftsOf, readDrafts, specOf } from '../model/drafts';

/** Every input of the run form, as typed (strings), so a half-typed value is never lost. */
export const FIELDS = [
  'dataset',
  'source',
  'sourceKind',
  'samples',
  'label',
  'task',
  'missing',
  'encoding',
  'exclude',
  'imageSize',
  'channels',
  'fit',
  'validFraction',
  'model',
  'hidden',
  'activation',
  'dropout',
  'filters1',
  'filters2',
  'dense',
  'layers',
  'modelSource',
  'optimizer',
  'lr',
  'momentum',
  'nesterov',
  'beta1',
  'beta2',
  'rho',
  'weightDecay',
  'clipNorm',
  'schedule',
  'stepEpochs',
  'gamma',
  'minLr',
  'warmupEpochs',
  'epochs',
  'batchSize',
  'gradAccumulation',
  'keepCheckpoints',
  'seed',
  'backend',
  'onNonFinite',
] as const;

/** A form field's name. */
export type Field = (typeof FIELDS)[number];
/** The form's values. */
export type FormValues = Record<Field, string>;
/** An inline message per field. */
export type FormErrors = Partial<Record<Field, string>>;

/** The form showing a config (the defaults, or a run's saved config). */
export function formFromConfig(c: RunConfig = DEFAULT_RUN_CONFIG): FormValues {
  const o = c.optimizer;
  const s = c.schedule;
  const m = c.model;
  const d = c.dataset;
  return {
    dataset: d.type,
    source: d.type === 'table' ? d.file : d.type === 'images' ? d.source : '',
    sourceKind: d.type === 'table' || d.type === 'images' ? d.type : '',
    samples: d.type === 'mnist' ? String(d.samples) : '10000',
    label: d.type === 'table' ? d.label : '',
    task: d.type === 'table' ? d.task : 'classification',
    missing: d.type === 'table' ? d.missing : 'drop',
    encoding: d.type === 'table' ? d.encoding : 'utf-8',
    exclude: JSON.stringify(d.type === 'table' ? (d.exclude ?? []) : []),
    imageSize: d.type === 'images' ? String(d.size) : '28',
    channels: d.type === 'images' ? String(d.channels) : '1',
    fit: d.type === 'images' ? d.fit : 'crop',
    validFraction: String(c.validFraction),
    model: m.type,
    hidden: m.type === 'mlp' ? m.hidden.join(', ') : '128',
    activation: m.type === 'mlp' ? m.activation : 'relu',
    dropout: m.type === 'mlp' ? String(m.dropout) : '0',
    filters1: m.type === 'cnn' ? String(m.filters[0]) : '32',
    filters2: m.type === 'cnn' ? String(m.filters[1]) : '64',
    dense: m.type === 'cnn' ? String(m.dense) : '128',
    layers: JSON.stringify(m.type === 'layers' ? draftsOf(m.layers) : []),
    modelSource: m.type === 'layers' ? (m.initial?.source ?? '') : '',
    optimizer: o.type,
    lr: String(c.lr),
    momentum: o.type === 'sgd' || o.type === 'rmsprop' ? String(o.momentum) : '0.9',
    nesterov: o.type === 'sgd' && o.nesterov ? 'true' : 'false',
    beta1: o.type === 'adam' || o.type === 'adamw' ? String(o.beta1) : '0.9',
    beta2: o.type === 'adam' || o.type === 'adamw' ? String(o.beta2) : '0.999',
    rho: o.type === 'rmsprop' ? String(o.rho) : '0.9',
    weightDecay: String(o.weightDecay),
    clipNorm: o.gradClipping?.type === 'norm' ? String(o.gradClipping.maxNorm) : '',
    schedule: s.type,
    stepEpochs: s.type === 'step' ? String(s.stepEpochs) : '2',
    gamma: s.type === 'step' || s.type === 'exponential' ? String(s.gamma) : '0.5',
    minLr: s.type === 'cosine' || s.type === 'warmup-cosine' ? String(s.minLr) : '0',
    warmupEpochs: s.type === 'warmup-cosine' ? String(s.warmupEpochs) : '1',
    epochs: String(c.epochs),
    batchSize: String(c.batchSize),
    gradAccumulation: String(c.gradAccumulation),
    keepCheckpoints: String(c.keepCheckpoints),
    seed: String(c.seed),
    backend: c.backend,
    onNonFinite: c.onNonFinite,
  };
}

/** Which fields the current choices show (the rest keep their values but do not apply). */
export function visibleFields(v: FormValues): Set<Field> {
  const shown = new Set<Field>([
    'dataset',
    'validFraction',
    'model',
    'optimizer',
    'lr',
    'weightDecay',
    'clipNorm',
    'schedule',
    'epochs',
    'batchSize',
    'gradAccumulation',
    'keepCheckpoints',
    'seed',
    'backend',
    'onNonFinite',
  ]);
  const add = (...f: Field[]) => f.forEach((x) => shown.add(x));
  if (v.dataset === 'mnist') add('samples');
  if (v.dataset === 'table') add('label', 'task', 'missing');
  if (v.dataset === 'images') add('imageSize', 'channels', 'fit');
  if (v.model === 'mlp') add('hidden', 'activation', 'dropout');
  if (v.model === 'cnn') add('filters1', 'filters2', 'dense');
  if (v.optimizer === 'sgd') add('momentum', 'nesterov');
  if (v.optimizer === 'adam' || v.optimizer === 'adamw') add('beta1', 'beta2');
  if (v.optimizer === 'rmsprop') add('rho', 'momentum');
  if (v.schedule === 'step') add('stepEpochs', 'gamma');
  if (v.schedule === 'exponential') add('gamma');
  if (v.schedule === 'cosine') add('minLr');
  if (v.schedule === 'warmup-cosine') add('warmupEpochs', 'minLr');
  return shown;
}

/** Where a schema path's problem is shown. */
function fieldOf(path: readonly PropertyKey[]): Field {
  const [head, key, index] = path.map(String);
  if (head === 'dataset') return key === 'size' ? 'imageSize' : FIELDS.includes(key as Field) && key !== 'source' ? (key as Field) : 'dataset';
  if (head === 'model' && key === 'filters') return index === '1' ? 'filters2' : 'filters1';
  if (head === 'optimizer' && key === 'gradClipping') return 'clipNorm';
  if (head === 'optimizer' && key === 'type') return 'optimizer';
  if (head === 'model' && key === 'type') return 'model';
  if (head === 'model' && key === 'layers') return 'layers';
  if (head === 'schedule' && key === 'type') return 'schedule';
  const f = (key ?? head) as Field;
  return FIELDS.includes(f) ? f : (head as Field);
}

/** Why a model cannot be built for the data, or null. */
function modelProblem(model: RunConfig['model'], data: ModelData): string | null {
  try {
    return inferLayers(modelLayers(model, data.shape), data.shape, data.task).error;
  } catch (e) {
    return (e as Error).message; // a preset that needs other data (the CNN on a table)
  }
}

/** The MLP's hidden sizes as typed. */
const hiddenSizes = (v: FormValues) =>
  v.hidden
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);

/** The preset part of the form as a draft config (numbers parsed by `num`). */
function presetDraft(v: FormValues, num: (f: Field) => number): Record<string, unknown> {
  if (v.model === 'mlp') return { type: 'mlp', hidden: hiddenSizes(v), activation: v.activation, dropout: num('dropout') };
  if (v.model === 'cnn') return { type: 'cnn', filters: [num('filters1'), num('filters2')], dense: num('dense') };
  return { type: 'logistic' };
}

/** The form's preset when it is chosen and valid (the layer editor shows its layers), else null. */
export function presetFromForm(v: FormValues): PresetConfig | null {
  if (v.model === 'layers') return null;
  const parsed = ModelConfigSchema.safeParse(presetDraft(v, (f) => Number(v[f])));
  return parsed.success && parsed.data.type !== 'layers' ? parsed.data : null;
}

/** What a dataset's card says the model must take and give, once it says (a table's card before its choices does not). */
export function modelDataOf(card: DatasetCard | null): ModelData | undefined {
  if (!card?.inputShape.length) return undefined;
  const outputs = card.task === 'classification' ? (card.classes?.length ?? 0) : 1;
  return outputs ? { shape: { inputShape: card.inputShape, outputs }, task: card.task } : undefined;
}

/** The dataset part of the form as a draft config (numbers parsed by `num`). */
function datasetDraft(v: FormValues, num: (f: Field) => number): Record<string, unknown> {
  if (v.dataset === 'mnist') return { type: 'mnist', samples: num('samples') };
  if (v.dataset === 'table') {
    const exclude = excludedColumns(v);
    return { type: 'table', file: v.source, label: v.label, task: v.task, missing: v.missing, encoding: v.encoding, ...(exclude.length ? { exclude } : {}) };
  }
  if (v.dataset === 'images') return { type: 'images', source: v.source, size: num('imageSize'), channels: Number(v.channels), fit: v.fit };
  return { type: v.dataset };
}

/** The form's dataset choice when it is complete and valid (the card can be made), else null. */
export function datasetFromForm(v: FormValues): DatasetConfig | null {
  const parsed = DatasetConfigSchema.safeParse(datasetDraft(v, (f) => Number(v[f])));
  return parsed.success ? parsed.data : null;
}

/** Form values that show a dataset choice (the worker's suggestion after a drop). */
export function formFromDataset(d: DatasetConfig): Partial<FormValues> {
  const { dataset, source, sourceKind, samples, label, task, missing, encoding, exclude, imageSize, channels, fit } = formFromConfig({
    ...DEFAULT_RUN_CONFIG,
    dataset: d,
  });
  return d.type === 'mnist' ? { dataset, samples } : { dataset, source, sourceKind, label, task, missing, encoding, exclude, imageSize, channels, fit };
}

/** The table columns the form leaves out of the features. */
export function excludedColumns(v: Pick<FormValues, 'exclude'>): string[] {
  try {
    const list: unknown = JSON.parse(v.exclude || '[]');
    return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string' && c !== '') : [];
  } catch {
    return [];
  }
}

/** The form with `column` left out of the features (`out`) or put back. */
export function excludeColumn(v: FormValues, column: string, out: boolean): Partial<FormValues> {
  const rest = excludedColumns(v).filter((c) => c !== column);
  return { exclude: JSON.stringify(out ? [...rest, column] : rest) };
}

/**
 * The form after the user picks another label: the task follows the column (a number with many
 * distinct values is predicted by regression, anything else by classification; the same rule as
 * the suggestion after a drop), and a column that was left out is put back as the label.
 */
export function formForLabel(v: FormValues, label: string, card: DatasetCard | null): Partial<FormValues> {
  const column = card?.columns?.find((c) => c.name === label);
  const task = column ? taskForLabel({ numeric: column.type === 'numeric', distinct: column.distinct }, card!.items) : v.task;
  return { label, task, exclude: JSON.stringify(excludedColumns(v).filter((c) => c !== label)) };
}

/** The layer editor's drafts as a layer-list config; a problem of a layer goes to `errors.layers`, naming the layer and setting. */
function layersDraft(v: FormValues, errors: FormErrors): Record<string, unknown> {
  const layers = readDrafts(v.layers).map((d) => {
    const r = specOf(d);
    if ('errors' in r) {
      const [key, message] = Object.entries(r.errors)[0]!;
      errors.layers ??= `${d.name || d.type}: ${key}: ${message}`;
      return null;
    }
    return r.spec;
  });
  return { type: 'layers', version: LAYER_LIST_VERSION, layers, ...(v.modelSource ? { initial: { source: v.modelSource } } : {}) };
}

/** What the model is checked against: the dataset's item shape and outputs, and the task (from its card). */
export interface ModelData {
  readonly shape: ModelShape;
  readonly task: 'classification' | 'regression';
}

/**
 * Turns the form into a validated RunConfig, or inline messages for every bad field. Ranges and the
 * rules between fields (a CNN on wasm, a CNN on a table) come from RunConfigSchema, so the form
 * says what the worker and the CLI say; only what the form alone knows (a field left empty, text
 * that is not a number, a dataset not yet dropped) is checked here. With the dataset's `data`, the
 * model is checked against it too (`inferLayers`: a stack that cannot be built, an output of the
 * wrong size), on `layers` for a layer list and on `model` for a preset.
 */
export function parseForm(v: FormValues, data?: ModelData): { config: RunConfig | null; errors: FormErrors } {
  const errors: FormErrors = {};
  const shown = visibleFields(v);
  const num = (f: Field): number => {
    const text = v[f].trim();
    const n = Number(text);
    if (shown.has(f) && (text === '' || !Number.isFinite(n))) errors[f] = text === '' ? 'required' : `'${text}' is not a number`;
    return n;
  };
  const hidden = hiddenSizes(v);
  if (v.model === 'mlp' && hidden.some((h) => !Number.isInteger(h) || h < 1)) errors.hidden = 'layer sizes are whole numbers ≥ 1, separated by commas';
  if (v.model === 'mlp' && !hidden.length) errors.hidden = 'list at least one layer size (or pick Logistic regression)';
  const model = v.model === 'layers' ? layersDraft(v, errors) : presetDraft(v, num);
  const clip = v.clipNorm.trim() === '' ? undefined : { type: 'norm', maxNorm: num('clipNorm') };
  const optimizer =
    v.optimizer === 'sgd'
      ? { type: 'sgd', momentum: num('momentum'), nesterov: v.nesterov === 'true', weightDecay: num('weightDecay'), gradClipping: clip }
      : v.optimizer === 'rmsprop'
        ? { type: 'rmsprop', rho: num('rho'), momentum: num('momentum'), weightDecay: num('weightDecay'), gradClipping: clip }
        : { type: v.optimizer, beta1: num('beta1'), beta2: num('beta2'), weightDecay: num('weightDecay'), gradClipping: clip };
  const schedule =
    v.schedule === 'step'
      ? { type: 'step', stepEpochs: num('stepEpochs'), gamma: num('gamma') }
      : v.schedule === 'exponential'
        ? { type: 'exponential', gamma: num('gamma') }
        : v.schedule === 'cosine'
          ? { type: 'cosine', minLr: num('minLr') }
          : v.schedule === 'warmup-cosine'
            ? { type: 'warmup-cosine', warmupEpochs: num('warmupEpochs'), minLr: num('minLr') }
            : { type: 'constant' };
  const dataset = datasetDraft(v, num);
  if ((v.dataset === 'table' || v.dataset === 'images') && !v.source) errors.dataset = 'drop a file or folder, or pick one';
  if (v.dataset === 'table' && !v.label) errors.label = 'pick the column to predict';
  const draft = {
    dataset,
    validFraction: num('validFraction'),
    model,
    optimizer,
    lr: num('lr'),
    schedule,
    epochs: num('epochs'),
    batchSize: num('batchSize'),
    gradAccumulation: num('gradAccumulation'),
    keepCheckpoints: num('keepCheckpoints'),
    seed: num('seed'),
    backend: v.backend,
    onNonFinite: v.onNonFinite,
  };
  const parsed = RunConfigSchema.safeParse(draft);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[fieldOf(issue.path)] ??= issue.message;
  const field = v.model === 'layers' ? 'layers' : 'model';
  if (parsed.success && data && !errors[field]) {
    const problem = modelProblem(parsed.data.model, data);
    if (problem) errors[field] = problem;
  }
  return Object.keys(errors).length || !parsed.success ? { config: null, errors } : { config: parsed.data, errors };
}
