import { ACTIVATIONS, type LayerSpec, LayerSpecSchema, type LayerType, layerNames } from '../../train/model/layer-spec';

/** How a setting is typed in the editor. */
type Kind = 'int' | 'number' | 'pair' | 'bool' | 'padding' | 'activation';

/** One setting of a layer as the editor shows it; `optional`: empty means the layer's default. */
export interface Setting {
  readonly key: string;
  readonly label: string;
  readonly kind: Kind;
  readonly optional?: boolean;
  /** Shown (and read) only when this holds of the layer's values. */
  readonly when?: (values: Readonly<Record<string, string>>) => boolean;
}

const conv: Setting[] = [
  { key: 'kernelSize', label: 'Kernel', kind: 'pair' },
  { key: 'strides', label: 'Stride', kind: 'pair' },
  { key: 'padding', label: 'Padding', kind: 'padding' },
  { key: 'useBias', label: 'Bias', kind: 'bool' },
  { key: 'activation', label: 'Activation', kind: 'activation' },
];
const pool: Setting[] = [
  { key: 'poolSize', label: 'Pool', kind: 'pair' },
  { key: 'strides', label: 'Stride', kind: 'pair', optional: true },
  { key: 'padding', label: 'Padding', kind: 'padding' },
];
const filters: Setting = { key: 'filters', label: 'Filters', kind: 'int' };
const multiplier: Setting = { key: 'depthMultiplier', label: 'Multiplier', kind: 'int' };

/** The settings of each layer type, in the editor's order. */
export const SETTINGS: Readonly<Record<LayerType, readonly Setting[]>> = {
  Conv2D: [filters, ...conv],
  DepthwiseConv2D: [multiplier, ...conv],
  SeparableConv2D: [filters, multiplier, ...conv],
  MaxPooling2D: pool,
  AveragePooling2D: pool,
  GlobalAveragePooling2D: [],
  BatchNormalization: [
    { key: 'momentum', label: 'Momentum', kind: 'number' },
    { key: 'epsilon', label: 'Epsilon', kind: 'number' },
  ],
  Dense: [
    { key: 'units', label: 'Units', kind: 'int' },
    { key: 'activation', label: 'Activation', kind: 'activation' },
    { key: 'useBias', label: 'Bias', kind: 'bool' },
  ],
  Dropout: [{ key: 'rate', label: 'Rate', kind: 'number' }],
  Flatten: [],
  Activation: [
    { key: 'activation', label: 'Activation', kind: 'activation' },
    { key: 'alpha', label: 'Slope < 0', kind: 'number', optional: true, when: (v) => v.activation === 'leakyRelu' },
  ],
  Add: [],
};

/** The settings a draft shows, as its values stand. */
export const settingsOf = (d: DraftLayer): readonly Setting[] => SETTINGS[d.type].filter((s) => !s.when || s.when(d.values));

/** The choices of a select-typed setting. */
export const CHOICES: Partial<Record<Kind, readonly string[]>> = { bool: ['true', 'false'], padding: ['same', 'valid'], activation: ACTIVATIONS };

/** A layer as it is being edited: every value as typed, so a half-typed one is never lost. */
export interface DraftLayer {
  readonly type: LayerType;
  readonly name: string;
  /** The layers it reads, comma separated; empty: the one before it. */
  readonly inputs: string;
  readonly values: Readonly<Record<string, string>>;
}

/** What a new layer of each type starts with (besides the schema's defaults). */
const STARTERS: Readonly<Record<LayerType, object>> = {
  Conv2D: { filters: 16, activation: 'relu' },
  DepthwiseConv2D: { activation: 'relu' },
  SeparableConv2D: { filters: 16, activation: 'relu' },
  MaxPooling2D: {},
  AveragePooling2D: {},
  GlobalAveragePooling2D: {},
  BatchNormalization: {},
  Dense: { units: 10 },
  Dropout: { rate: 0.2 },
  Flatten: {},
  Activation: { activation: 'relu' },
  Add: {},
};

/** A setting's value as the editor shows it. */
function shown(v: unknown): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** A layer spec as a draft named `name` (every setting filled). */
export function draftOf(spec: LayerSpec, name: string): DraftLayer {
  const values = Object.fromEntries(SETTINGS[spec.type].map((s) => [s.key, shown((spec as Record<string, unknown>)[s.key])]));
  return { type: spec.type, name, inputs: spec.inputs?.join(', ') ?? '', values };
}

/** A layer list as drafts, every layer named (its own name or the one the list gives it). */
export function draftsOf(layers: readonly LayerSpec[]): DraftLayer[] {
  const names = layerNames(layers);
  return layers.map((l, i) => draftOf(l, names[i]!));
}

/** A new layer of `type` with the next free name beside `drafts`. */
export function newDraft(type: LayerType, drafts: readonly DraftLayer[]): DraftLayer {
  const spec = LayerSpecSchema.parse({ type, ...STARTERS[type] });
  const names = layerNames([...drafts.map((d) => ({ type: d.type, name: d.name || undefined })), { type }]);
  return draftOf(spec, names[names.length - 1]!);
}

/** A draft's value parsed by its kind; a string is the problem with it. */
function parsed(s: Setting, text: string): unknown {
  const t = text.trim();
  if (t === '' && s.optional) return undefined;
  if (s.kind === 'bool') return t === 'true';
  if (s.kind === 'padding' || s.kind === 'activation') return t;
  const parts = s.kind === 'pair' ? t.split(/\s*[,x×]\s*/) : [t];
  const numbers = parts.map(Number);
  if (t === '' || numbers.some((n) => !Number.isFinite(n))) return { problem: t === '' ? 'required' : `'${t}' is not a number` };
  if (s.kind === 'pair' && numbers.length > 2) return { problem: 'one size, or two (rows, columns)' };
  return s.kind === 'pair' && numbers.length === 2 ? numbers : numbers[0];
}

/** A draft as a layer spec, or a message per setting that is wrong (`name` and `inputs` included). */
export function specOf(d: DraftLayer): { spec: LayerSpec } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const raw: Record<string, unknown> = { type: d.type, name: d.name.trim() };
  const inputs = d.inputs
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (inputs.length) raw.inputs = inputs;
  for (const s of settingsOf(d)) {
    const v = parsed(s, d.values[s.key] ?? '');
    if (v && typeof v === 'object' && 'problem' in v) errors[s.key] = String(v.problem);
    else if (v !== undefined) raw[s.key] = v;
  }
  if (Object.keys(errors).length) return { errors };
  const result = LayerSpecSchema.safeParse(raw);
  if (result.success) return { spec: result.data };
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? 'name')] ??= issue.message;
  return { errors };
}

/** Drafts as the form keeps them (JSON text); an unreadable text is no layers. */
export function readDrafts(text: string): DraftLayer[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as DraftLayer[]) : [];
  } catch {
    return [];
  }
}
