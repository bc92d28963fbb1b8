import { z } from 'zod';

/** Activations a layer can apply (tfjs names; `leakyRelu` builds tfjs's LeakyReLU layer after the layer). */
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'gelu', 'swish', 'tanh', 'sigmoid', 'softmax'] as const;

/** An activation's name. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The slope below zero of `leakyRelu` when the layer does not say (tf.nn.leaky_relu's). */
export const LEAKY_RELU_ALPHA = 0.2;

/** The name the model's input goes by in `inputs`. */
export const INPUT = 'input';

const size = z.number().int().positive();
/** A window size or stride: one number for both axes, or [rows, columns]. */
const pair = z.union([size, z.tuple([size, size])]);
const activation = z.enum(ACTIVATIONS).default('linear');
const padding = z.enum(['same', 'valid']);

/**
 * What every layer may say: its name (default: one made from its type and position, see
 * `layerNames`), and the layers it reads (default: the layer before it, or the model's input
 * for the first). Only `Add` reads several.
 */
const common = {
  name: z
    .string()
    .regex(/^[A-Za-z][\w.-]{0,63}$/, 'a layer name starts with a letter and has only letters, digits, _, . and -')
    .optional(),
  inputs: z.array(z.string()).min(1).optional(),
};

const conv = {
  kernelSize: pair.default(3),
  strides: pair.default(1),
  padding: padding.default('same'),
  useBias: z.boolean().default(true),
  activation,
};

const pool = { poolSize: pair.default(2), strides: pair.optional(), padding: padding.default('valid') };

/** One layer of a layer list: Keras's class name as `type`, and its settings (Keras's names, with Keras's defaults). */
export const LayerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Conv2D'), ...common, filters: size, ...conv }),
  z.strictObject({ type: z.literal('DepthwiseConv2D'), ...common, depthMultiplier: size.default(1), ...conv }),
  z.strictObject({ type: z.literal('SeparableConv2D'), ...common, filters: size, depthMultiplier: size.default(1), ...conv }),
  z.strictObject({ type: z.literal('MaxPooling2D'), ...common, ...pool }),
  z.strictObject({ type: z.literal('AveragePooling2D'), ...common, ...pool }),
  z.strictObject({ type: z.literal('GlobalAveragePooling2D'), ...common }),
  z.strictObject({
    type: z.literal('BatchNormalization'),
    ...common,
    momentum: z.number().min(0).max(1).default(0.99),
    epsilon: z.number().positive().default(0.001),
  }),
  z.strictObject({ type: z.literal('Dense'), ...common, units: size, activation, useBias: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('Dropout'), ...common, rate: z.number().min(0).lt(1, 'a dropout rate below 1') }),
  z.strictObject({ type: z.literal('Flatten'), ...common }),
  z.strictObject({
    type: z.literal('Activation'),
    ...common,
    activation: z.enum(ACTIVATIONS),
    /** leakyRelu's slope below zero (default LEAKY_RELU_ALPHA). */
    alpha: z.number().min(0).optional(),
  }),
  z.strictObject({ type: z.literal('Add'), ...common }),
]);

/** One layer of a layer list, validated (defaults filled). */
export type LayerSpec = z.infer<typeof LayerSpecSchema>;

/** A layer's type. */
export type LayerType = LayerSpec['type'];

/** Every layer type, in the order the editor offers them. */
export const LAYER_TYPES = LayerSpecSchema.options.map((o) => o.shape.type.value) as readonly LayerType[];

/** The version of the layer-list format (docs/FORMATS.md). */
export const LAYER_LIST_VERSION = 1;

/**
 * A model as a layer list (docs/FORMATS.md, "Layer lists"): the layers in order, the last one the
 * output; `initial` when the run starts from imported weights (stored with the run as
 * `init/model.mpk.gz`), naming the file they came from.
 */
export const LayerListSchema = z.strictObject({
  type: z.literal('layers'),
  version: z.literal(LAYER_LIST_VERSION, { error: (i) => `layer list version ${String(i.input)}; this version of Kiln reads version ${LAYER_LIST_VERSION}` }),
  layers: z.array(LayerSpecSchema).min(1, 'add at least one layer').max(500),
  initial: z.strictObject({ source: z.string().min(1) }).optional(),
});

/** A validated layer list. */
export type LayerList = z.infer<typeof LayerListSchema>;

/** A window size or stride as [rows, columns]. */
export const pairOf = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0]!, v[1]!]);

const BASE_NAMES: Record<LayerType, string> = {
  Conv2D: 'conv',
  DepthwiseConv2D: 'dwconv',
  SeparableConv2D: 'sepconv',
  MaxPooling2D: 'maxpool',
  AveragePooling2D: 'avgpool',
  GlobalAveragePooling2D: 'gap',
  BatchNormalization: 'bn',
  Dense: 'dense',
  Dropout: 'dropout',
  Flatten: 'flatten',
  Activation: 'act',
  Add: 'add',
};

/**
 * Every layer's name: its own, or its type's short name and the next free number (`conv1`,
 * `bn2`); the same list always names its layers the same (checkpoint weights are named after them).
 */
export function layerNames(layers: readonly Pick<LayerSpec, 'type' | 'name'>[]): string[] {
  const taken = new Set(layers.flatMap((l) => l.name ?? []));
  const next: Partial<Record<LayerType, number>> = {};
  return layers.map((l) => {
    if (l.name) return l.name;
    let name: string;
    do name = `${BASE_NAMES[l.type]}${(next[l.type] = (next[l.type] ?? 0) + 1)}`;
    while (taken.has(name));
    taken.add(name);
    return name;
  });
}
