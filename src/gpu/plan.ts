import type * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, leakyRelu, needsInput, type Activation } from './kernels/activation';
import { spatialSize, windowGeometry, type Spatial, type WindowGeometry } from './kernels/conv';
import type { DropoutSpec } from './kernels/dropout';
import type { PoolOp } from './kernels/pool';
import { layout } from './weights';

/**
 * The one place that reads a tf.LayersModel: what the compiled step runs (a graph of layers in
 * topological order, their shapes, where each weight sits in the packed parameter buffer), and the
 * weights' transfer to and from the model.
 */

/** The model input, where a layer names its sources. */
export const MODEL_INPUT = -1;

/** What every compiled layer has: where it reads, its sizes per item, its activation and its Dropout. */
interface LayerCommon {
  readonly name: string;
  /** The layers whose outputs this one reads (MODEL_INPUT: the model input), in order. */
  readonly sources: readonly number[];
  /** Values per item in (of each source) and out. */
  readonly inputs: number;
  readonly outputs: number;
  /** The activation of the output; a final softmax is left to the loss kernel (then 'linear'). */
  readonly activation: Activation;
  /** A Dropout after it (fused into it), or null. */
  readonly dropout: DropoutSpec | null;
}

/** A layer with a kernel: its kernel then its bias in the packed params. */
interface Weighted {
  readonly kernelOffset: number;
  /** Right after the kernel, so the weight-gradient GEMM's ones row lands on it; null without bias. */
  readonly biasOffset: number | null;
}

/** A Dense layer: kernel [inputs, outputs]. */
export interface DensePlan extends LayerCommon, Weighted {
  readonly kind: 'dense';
}

/** A Conv2D layer (channels last): kernel [kh, kw, input channels, filters]; an implicit GEMM. */
export interface ConvPlan extends LayerCommon, Weighted {
  readonly kind: 'conv';
  readonly geometry: WindowGeometry;
}

/** A MaxPooling2D or AveragePooling2D layer (channels last); its activation is linear. */
export interface PoolPlan extends LayerCommon {
  readonly kind: 'pool';
  readonly op: PoolOp;
  readonly geometry: WindowGeometry;
}

/**
 * A BatchNormalization over the last axis: each item is `pixels` × `channels` values. Training
 * normalizes with the batch's statistics and moves the moving ones (in the params buffer after
 * the trainable weights); validation normalizes with the moving ones.
 */
export interface BatchNormPlan extends LayerCommon {
  readonly kind: 'batchnorm';
  readonly channels: number;
  readonly pixels: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly gammaOffset: number;
  readonly betaOffset: number;
  readonly meanOffset: number;
  readonly varianceOffset: number;
}

/** A GlobalAveragePooling2D (channels last): the mean of each channel over the image; linear. */
export interface GlobalPoolPlan extends LayerCommon {
  readonly kind: 'global-pool';
  readonly input: Spatial;
}

/** An Add of its sources (same shapes), or with one source an activation layer of its own. */
export interface AddPlan extends LayerCommon {
  readonly kind: 'add';
}

/** A layer as compiled. */
export type LayerPlan = DensePlan | ConvPlan | PoolPlan | BatchNormPlan | GlobalPoolPlan | AddPlan;

/** One of the model's weights: its place in the packed buffer. */
export interface WeightSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** How the loss is computed: softmax cross-entropy on logits or on a softmax output, or MSE. */
export type LossKind = 'softmax-ce' | 'softmax-probabilities' | 'mse';

/** A model the compiled step can run. */
export interface ModelPlan {
  /** Features per item (the flattened input). */
  readonly inputSize: number;
  /** A Dropout on the input itself, or null. */
  readonly inputDropout: DropoutSpec | null;
  /** In topological order; the last is the output layer (a Dense). */
  readonly layers: readonly LayerPlan[];
  /** In the order of model.trainableWeights (the order checkpoints and the optimizers use). */
  readonly weights: readonly WeightSlot[];
  /** The non-trainable weights (batch normalization's moving statistics), in the order of model.nonTrainableWeights. */
  readonly state: readonly WeightSlot[];
  /** Trainable values: the optimizer's range of the params buffer. */
  readonly paramCount: number;
  /** Trainable and non-trainable values: the params buffer. */
  readonly storedCount: number;
  readonly loss: LossKind;
  /** Classes, or regression outputs. */
  readonly outputs: number;
}

/** A plan, or why the model cannot be compiled. */
export type PlanResult = { readonly ok: true; readonly plan: ModelPlan } | { readonly ok: false; readonly reason: string };

/** What the training step computes: cross-entropy over class indices, or mean squared error. */
export type Task = 'classification' | 'regression';

type LayerConfig = {
  units?: number;
  activation?: string;
  useBias?: boolean;
  rate?: number;
  noiseShape?: unknown;
  filters?: number;
  kernelSize?: number | number[];
  poolSize?: number | number[];
  strides?: number | number[] | null;
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  activityRegularizer?: unknown;
  gammaRegularizer?: unknown;
  betaRegularizer?: unknown;
  axis?: number | number[];
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  alpha?: number;
  maxValue?: number | null;
};

/** An activation before it is checked: a softmax is compiled only on the output layer. */
type Pending = Activation | 'softmax';

/** Omit over each member of a union. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A layer found in the model, before its weights are placed; an activation layer or a Dropout after it may still fuse into it. */
export type Found = OmitEach<
  LayerPlan,
  'activation' | 'dropout' | 'kernelOffset' | 'biasOffset' | 'gammaOffset' | 'betaOffset' | 'meanOffset' | 'varianceOffset'
> & {
  activation: Pending;
  dropout: DropoutSpec | null;
  /** The tfjs layer whose weights it has, and whether a Dense or Conv2D has a bias. */
  layer?: tf.layers.Layer;
  bias?: boolean;
};

/** A tfjs layer's output as the plan sees it: the layer that holds it, its shape, and whether one layer alone reads it. */
interface Ref {
  readonly node: number;
  /** The item's shape while it is an image; null once flat or for items of another rank. */
  readonly image: Spatial | null;
  /** Whether the item is one-dimensional (Dense takes only those). */
  readonly flat: boolean;
  readonly width: number;
  /** The node's output reaches exactly one layer, through this reference: an activation or a Dropout may fuse into it. */
  readonly exclusive: boolean;
}

/** A Keras size or stride pair ([a, b], or one number for both). */
const pair = (v: number | number[] | null | undefined, fallback: readonly number[]): number[] =>
  v == null ? [...fallback] : typeof v === 'number' ? [v, v] : v;

/** The activation a layer config or activation layer names, or why it is not compiled. */
function activationOf(kind: string, config: LayerConfig): Pending | { reason: string } {
  if (kind === 'LeakyReLU')
    return (config.alpha ?? 0.3) >= 0 ? leakyRelu(config.alpha ?? 0.3) : { reason: 'a leaky relu with a negative slope is not compiled yet' };
  if (kind === 'ReLU') {
    if (config.maxValue == null) return 'relu';
    return config.maxValue === 6 ? 'relu6' : { reason: `ReLU with maxValue ${config.maxValue} is not compiled yet (none or 6 are)` };
  }
  if (kind === 'ELU') return 'elu'; // tfjs itself takes only alpha 1
  if (kind === 'Softmax') return 'softmax';
  const name = config.activation ?? 'linear';
  if (name === 'softmax' || (ACTIVATIONS as readonly string[]).includes(name)) return name as Pending;
  return { reason: `activation '${name}' is not compiled yet (${[...ACTIVATIONS, 'softmax'].join(', ')} are; leaky relu as a LeakyReLU layer)` };
}

/** Layers that only name an activation. */
const ACTIVATION_LAYERS = ['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax'];

/**
 * Maps a model (Sequential, or functional with one input and one output) to a plan, or says which
 * layer stops it: Conv2D, pooling, BatchNormalization and GlobalAveragePooling2D on images
 * (channels last), Flatten, Dense, BatchNormalization on flat items, Add of equal shapes,
 * activation layers, and Dropout after any layer (or on the input). An activation fuses into the
 * layer before it where that layer's output goes nowhere else; gelu and swish run on their own.
 * The output layer must be a Dense, linear (logits) or softmax for classification; classification
 * needs at least two classes.
 */
export function planModel(model: tf.LayersModel, task: Task): PlanResult {
  const fail = (reason: string): PlanResult => ({ ok: false, reason });
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return fail('models with several inputs or outputs are not compiled yet');
  if (inputShape.some((d) => d === null)) return fail(`input shape [${inputShape}] has unknown sizes`);
  const inputSize = (inputShape as number[]).reduce((a, b) => a * b, 1);
  // How many layers read each layer's output.
  const uses = new Map<tf.layers.Layer, number>();
  for (const layer of model.layers) for (const n of layer.inboundNodes) for (const from of n.inboundLayers) uses.set(from, (uses.get(from) ?? 0) + 1);
  const inputLayer = model.inputs[0].sourceLayer;
  const refs = new Map<tf.layers.Layer, Ref>([
    [
      inputLayer,
      {
        node: MODEL_INPUT,
        image: inputShape.length === 3 ? { h: inputShape[0]!, w: inputShape[1]!, c: inputShape[2]! } : null,
        flat: inputShape.length === 1,
        width: inputSize,
        exclusive: uses.get(inputLayer) === 1,
      },
    ],
  ]);
  const found: Found[] = [];
  let inputDropout: DropoutSpec | null = null;
  /** Adds a layer; its reference is exclusive when one layer reads the tfjs layer that made it. */
  const add = (f: Found, layer: tf.layers.Layer, image: Spatial | null, flat: boolean): void => {
    found.push(f);
    refs.set(layer, { node: found.length - 1, image, flat, width: f.outputs, exclusive: uses.get(layer) === 1 });
  };
  for (const [i, layer] of model.layers.entries()) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as LayerConfig;
    const what = `layer ${layer.name}`;
    if (kind === 'InputLayer') continue;
    if (!layer.trainable && layer.weights.length > 0) return fail(`${what}: frozen layers are not compiled yet`);
    if (config.kernelRegularizer || config.biasRegularizer || config.activityRegularizer || config.gammaRegularizer || config.betaRegularizer)
      return fail(`${what}: regularizers are not compiled yet`);
    if (layer.inboundNodes.length !== 1) return fail(`${what}: a layer applied more than once is not compiled yet`);
    const sources = layer.inboundNodes[0].inboundLayers.map((l) => refs.get(l));
    if (sources.some((s) => s === undefined)) return fail(`${what}: reads a layer the plan does not know (a nested model?)`);
    const from = sources as Ref[];
    const x = from[0];
    if (kind !== 'Add' && from.length !== 1) return fail(`${what}: ${kind} with ${from.length} inputs`);
    const alias = (r: Partial<Ref>) => refs.set(layer, { ...x, ...r, exclusive: x.exclusive && uses.get(layer) === 1 });
    const common = { name: layer.name, sources: [x.node], inputs: x.width, dropout: null };
    const target = x.node >= 0 ? found[x.node] : null;
    if (kind === 'Flatten') {
      alias({ image: null, flat: true });
    } else if (kind === 'Dropout') {
      if (config.noiseShape) return fail(`${what}: Dropout with a noise shape is not compiled yet`);
      const spec = { rate: config.rate ?? 0, salt: i };
      if (spec.rate > 0) {
        if (target ? target.dropout : inputDropout) return fail(`${what}: two Dropout layers in a row are not compiled yet`);
        if (!x.exclusive) return fail(`${what}: Dropout on an output that other layers also read is not compiled yet`);
        if (target) target.dropout = spec;
        else inputDropout = spec;
      }
      alias({});
    } else if (ACTIVATION_LAYERS.includes(kind)) {
      const act = activationOf(kind, config);
      if (typeof act !== 'string') return fail(`${what}: ${act.reason}`);
      const fuses =
        target &&
        x.exclusive &&
        target.activation === 'linear' &&
        !target.dropout &&
        (act === 'softmax' ? target.kind === 'dense' : !needsInput(act) && ['dense', 'conv', 'batchnorm', 'add'].includes(target.kind));
      if (fuses) {
        target.activation = act;
        alias({});
      } else add({ ...common, kind: 'add', outputs: x.width, activation: act }, layer, x.image, x.flat);
    } else if (kind === 'Add') {
      if (from.length > 3) return fail(`${what}: Add of ${from.length} inputs is not compiled yet (up to 3 are)`);
      if (from.some((r) => r.width !== x.width || JSON.stringify(r.image) !== JSON.stringify(x.image)))
        return fail(`${what}: Add of inputs of different shapes is not compiled`);
      add({ ...common, sources: from.map((r) => r.node), kind: 'add', outputs: x.width, activation: 'linear' }, layer, x.image, x.flat);
    } else if (kind === 'Dense' || kind === 'Conv2D') {
      const act = activationOf(kind, config);
      if (typeof act !== 'string') return fail(`${what}: ${act.reason}`);
      // gelu and swish need their input for the derivative: the layer stays linear and they follow it.
      const own = act !== 'softmax' && needsInput(act) ? 'linear' : act;
      const weighted = { ...common, activation: own, bias: config.useBias ?? true, layer };
      if (kind === 'Dense') {
        if (!x.flat) return fail(`${what}: Dense on an input of shape [${inputShape}] (no Flatten) is not compiled yet`);
        add({ ...weighted, kind: 'dense', outputs: config.units ?? 0 }, layer, null, true);
      } else {
        const geometry = window(x, kind, config, layer);
        if (typeof geometry === 'string') return fail(`${what}: ${geometry}`);
        add({ ...weighted, kind: 'conv', outputs: spatialSize(geometry.output), geometry }, layer, geometry.output, false);
      }
      if (own !== act) {
        const at = found.length - 1;
        add(
          { ...common, name: `${layer.name} (${act})`, sources: [at], inputs: found[at].outputs, kind: 'add', outputs: found[at].outputs, activation: act },
          layer,
          refs.get(layer)!.image,
          refs.get(layer)!.flat,
        );
      }
    } else if (kind === 'MaxPooling2D' || kind === 'AveragePooling2D') {
      const geometry = window(x, kind, config, layer);
      if (typeof geometry === 'string') return fail(`${what}: ${geometry}`);
      const op = kind === 'MaxPooling2D' ? 'max' : 'avg';
      add({ ...common, kind: 'pool', outputs: spatialSize(geometry.output), geometry, op, activation: 'linear' }, layer, geometry.output, false);
    } else if (kind === 'GlobalAveragePooling2D') {
      if (!x.image) return fail(`${what}: needs images [height, width, channels] and gets flat items`);
      if (config.dataFormat === 'channelsFirst') return fail(`${what}: channels-first data is not compiled yet`);
      add({ ...common, kind: 'global-pool', outputs: x.image.c, input: x.image, activation: 'linear' }, layer, null, true);
    } else if (kind === 'BatchNormalization') {
      const rank = x.image ? 3 : 1;
      const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
      if (!x.image && !x.flat) return fail(`${what}: needs images or flat items`);
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank)) return fail(`${what}: normalizing an axis other than the last is not compiled yet`);
      if (config.center === false || config.scale === false) return fail(`${what}: BatchNormalization without center or scale is not compiled yet`);
      if (target && needsInput(target.activation as Activation))
        return fail(`${what}: BatchNormalization right after a ${target.activation} activation is not compiled yet`);
      const channels = x.image ? x.image.c : x.width;
      const bn = { channels, pixels: x.width / channels, epsilon: config.epsilon ?? 1e-3, momentum: config.momentum ?? 0.99, layer };
      add({ ...common, ...bn, kind: 'batchnorm', outputs: x.width, activation: 'linear' }, layer, x.image, x.flat);
    } else {
      return fail(
        `${what}: ${kind} is not compiled yet (Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, Flatten, Dense, Dropout, Add and activation layers are)`,
      );
    }
  }
  const out = refs.get(model.outputs[0].sourceLayer);
  const last = found[found.length - 1];
  if (last?.kind !== 'dense' || out?.node !== found.length - 1) return fail('the output layer is not a Dense layer');
  if (last.dropout) return fail(`Dropout after the output layer ${last.name} is not compiled yet`);
  const softmax = found.slice(0, -1).find((f) => f.activation === 'softmax');
  if (softmax) return fail(`layer ${softmax.name}: softmax is compiled only on the output layer`);
  let loss: LossKind;
  if (task === 'regression') {
    if (last.activation !== 'linear') return fail(`layer ${last.name}: a regression output must be linear, not '${last.activation}'`);
    loss = 'mse';
  } else {
    if (last.outputs < 2) return fail(`layer ${last.name}: binary classification with one output unit is not compiled yet`);
    if (last.activation !== 'linear' && last.activation !== 'softmax')
      return fail(`layer ${last.name}: a classifier's output must be linear (logits) or softmax, not '${last.activation}'`);
    loss = last.activation === 'softmax' ? 'softmax-probabilities' : 'softmax-ce';
  }
  return layout(model, found, inputSize, inputDropout, loss);
}

/** A Conv2D's or pooling layer's window over an image ref, checked against tfjs's output shape; or why not. */
function window(x: Ref, kind: string, config: LayerConfig, layer: tf.layers.Layer): WindowGeometry | string {
  if (!x.image) return `${kind} needs images [height, width, channels] and gets flat items`;
  if (config.dataFormat === 'channelsFirst') return 'channels-first data is not compiled yet';
  if (config.padding !== 'same' && config.padding !== 'valid') return `padding '${config.padding}' is not compiled yet (same and valid are)`;
  const conv = kind === 'Conv2D';
  if (conv && pair(config.dilationRate, [1, 1]).some((d) => d !== 1)) return 'dilated convolutions are not compiled yet';
  const [kh, kw] = pair(conv ? config.kernelSize : config.poolSize, [2, 2]);
  const [sy, sx] = pair(config.strides, conv ? [1, 1] : [kh, kw]);
  const geometry = windowGeometry(x.image, kh, kw, sy, sx, config.padding, conv ? (config.filters ?? 0) : x.image.c);
  const o = geometry.output;
  const want = (layer.outputShape as (number | null)[]).slice(1);
  if (want.join() !== [o.h, o.w, o.c].join()) return `output shape [${want}] is not the [${o.h},${o.w},${o.c}] its window gives`;
  return geometry;
}
