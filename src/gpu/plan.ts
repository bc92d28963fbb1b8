import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, type Activation } from './kernels/activation';
import { spatialSize, windowGeometry, type Spatial, type WindowGeometry } from './kernels/conv';
import type { DropoutSpec } from './kernels/dropout';
import type { PoolOp } from './kernels/pool';

/**
 * The one place that reads a tf.LayersModel: what the compiled step runs (layers, shapes, where
 * each weight sits in the packed parameter buffer), and the weights' transfer to and from the model.
 */

/** What every compiled layer has: its sizes per item, and a Dropout after it (fused into it), or null. */
interface LayerCommon {
  readonly name: string;
  /** Values per item in (the flattened input) and out. */
  readonly inputs: number;
  readonly outputs: number;
  readonly dropout: DropoutSpec | null;
}

/** A layer with weights: its kernel then its bias in the packed params. */
interface Weighted {
  /** The activation the epilogue applies; a final softmax is left to the loss kernel (then 'linear'). */
  readonly activation: Activation;
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

/** A MaxPooling2D or AveragePooling2D layer (channels last). */
export interface PoolPlan extends LayerCommon {
  readonly kind: 'pool';
  readonly op: PoolOp;
  readonly geometry: WindowGeometry;
}

/** A layer as compiled. */
export type LayerPlan = DensePlan | ConvPlan | PoolPlan;

/** The activation a layer's output went through ('linear' for pooling). */
export function activationOf(layer: LayerPlan): Activation {
  return layer.kind === 'pool' ? 'linear' : layer.activation;
}

/** One of the model's trainable weights: its place in the packed buffer. */
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
  readonly layers: readonly LayerPlan[];
  /** In the order of model.trainableWeights (the order checkpoints and the optimizers use). */
  readonly weights: readonly WeightSlot[];
  readonly paramCount: number;
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
};

/** A layer found in the model, before its weights are placed. */
type Found =
  | (Omit<DensePlan, 'kernelOffset' | 'biasOffset' | 'activation'> & { activation: string; bias: boolean; layer: tf.layers.Layer })
  | (Omit<ConvPlan, 'kernelOffset' | 'biasOffset' | 'activation'> & { activation: string; bias: boolean; layer: tf.layers.Layer })
  | PoolPlan;

/** A Keras size or stride pair ([a, b], or one number for both). */
const pair = (v: number | number[] | null | undefined, fallback: readonly number[]): number[] =>
  v == null ? [...fallback] : typeof v === 'number' ? [v, v] : v;

/**
 * Maps a Sequential-shaped model to a plan, or says which layer stops it: Conv2D and pooling on
 * images (channels last), Flatten, then Dense layers, with Dropout after any layer (or on the
 * input). The final layer must be a Dense, linear (logits) or softmax for classification;
 * classification needs at least two classes.
 */
export function planModel(model: tf.LayersModel, task: Task): PlanResult {
  const fail = (reason: string): PlanResult => ({ ok: false, reason });
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return fail('models with several inputs or outputs are not compiled yet');
  if (inputShape.some((d) => d === null)) return fail(`input shape [${inputShape}] has unknown sizes`);
  const inputSize = (inputShape as number[]).reduce((a, b) => a * b, 1);
  const found: Found[] = [];
  let inputDropout: DropoutSpec | null = null;
  // The item's shape while it is an image; null once flat.
  let image: Spatial | null = inputShape.length === 3 ? { h: inputShape[0]!, w: inputShape[1]!, c: inputShape[2]! } : null;
  let flat = inputShape.length === 1;
  let width = inputSize;
  for (const [i, layer] of model.layers.entries()) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as LayerConfig;
    const what = `layer ${layer.name}`;
    if (!layer.trainable && layer.weights.length > 0) return fail(`${what}: frozen layers are not compiled yet`);
    if (config.kernelRegularizer || config.biasRegularizer || config.activityRegularizer) return fail(`${what}: regularizers are not compiled yet`);
    const common = { name: layer.name, inputs: width, dropout: null };
    if (kind === 'InputLayer') continue;
    if (kind === 'Flatten') {
      flat = true;
      image = null;
    } else if (kind === 'Dropout') {
      if (config.noiseShape) return fail(`${what}: Dropout with a noise shape is not compiled yet`);
      const spec = { rate: config.rate ?? 0, salt: i };
      const last = found[found.length - 1];
      if (last ? last.dropout : inputDropout) return fail(`${what}: two Dropout layers in a row are not compiled yet`);
      if (spec.rate > 0 && last) found[found.length - 1] = { ...last, dropout: spec };
      else if (spec.rate > 0) inputDropout = spec;
    } else if (kind === 'Dense') {
      if (!flat) return fail(`${what}: Dense on an input of shape [${inputShape}] (no Flatten) is not compiled yet`);
      const units = config.units ?? 0;
      found.push({ ...common, kind: 'dense', outputs: units, activation: config.activation ?? 'linear', bias: config.useBias ?? true, layer });
      width = units;
    } else if (kind === 'Conv2D' || kind === 'MaxPooling2D' || kind === 'AveragePooling2D') {
      if (!image) return fail(`${what}: ${kind} needs images [height, width, channels] and gets flat items`);
      if (config.dataFormat === 'channelsFirst') return fail(`${what}: channels-first data is not compiled yet`);
      if (config.padding !== 'same' && config.padding !== 'valid') return fail(`${what}: padding '${config.padding}' is not compiled yet (same and valid are)`);
      const conv = kind === 'Conv2D';
      if (conv && pair(config.dilationRate, [1, 1]).some((d) => d !== 1)) return fail(`${what}: dilated convolutions are not compiled yet`);
      const [kh, kw] = pair(conv ? config.kernelSize : config.poolSize, [2, 2]);
      const [sy, sx] = pair(config.strides, conv ? [1, 1] : [kh, kw]);
      const geometry = windowGeometry(image, kh, kw, sy, sx, config.padding, conv ? (config.filters ?? 0) : image.c);
      const o = geometry.output;
      const want = (layer.outputShape as (number | null)[]).slice(1);
      if (want.join() !== [o.h, o.w, o.c].join()) return fail(`${what}: output shape [${want}] is not the [${o.h},${o.w},${o.c}] its window gives`);
      const outputs = spatialSize(o);
      if (conv) found.push({ ...common, kind: 'conv', outputs, geometry, activation: config.activation ?? 'linear', bias: config.useBias ?? true, layer });
      else found.push({ ...common, kind: 'pool', outputs, geometry, op: kind === 'MaxPooling2D' ? 'max' : 'avg' });
      image = o;
      width = outputs;
    } else {
      return fail(`${what}: ${kind} is not compiled yet (Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense and Dropout are)`);
    }
  }
  const last = found[found.length - 1];
  if (last?.kind !== 'dense') return fail('the output layer is not a Dense layer');
  if (last.dropout) return fail(`Dropout after the output layer ${last.name} is not compiled yet`);
  for (const d of found.slice(0, -1)) {
    if (d.kind !== 'pool' && !(ACTIVATIONS as readonly string[]).includes(d.activation))
      return fail(`layer ${d.name}: activation '${d.activation}' is not compiled yet (${ACTIVATIONS.join(', ')} are)`);
  }
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

/** Packs each weighted layer's kernel then bias, and finds each in model.trainableWeights. */
function layout(model: tf.LayersModel, found: readonly Found[], inputSize: number, inputDropout: DropoutSpec | null, loss: LossKind): PlanResult {
  const order = model.trainableWeights;
  const weights: WeightSlot[] = new Array(order.length);
  const layers: LayerPlan[] = [];
  let offset = 0;
  for (const f of found) {
    if (f.kind === 'pool') {
      layers.push(f);
      continue;
    }
    const { layer, bias, ...rest } = f;
    const [kernel, biasWeight] = layer.trainableWeights;
    const place = (w: (typeof order)[number] | undefined): number => {
      const at = order.indexOf(w!);
      if (at < 0) throw new Error(`layer ${f.name}: weight not among the model's trainable weights`);
      const size = w!.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      weights[at] = { name: w!.originalName, shape: w!.shape.map(Number), offset, size };
      offset += size;
      return offset - size;
    };
    const kernelOffset = place(kernel);
    const biasOffset = bias ? place(biasWeight) : null;
    const activation = (f.activation === 'softmax' ? 'linear' : f.activation) as Activation;
    layers.push({ ...rest, activation, kernelOffset, biasOffset } as DensePlan | ConvPlan);
  }
  if (weights.some((w) => w === undefined) || weights.length !== order.length)
    return { ok: false, reason: 'the model has trainable weights outside its Dense and Conv2D layers' };
  return { ok: true, plan: { inputSize, inputDropout, layers, weights, paramCount: offset, loss, outputs: layers[layers.length - 1].outputs } };
}

/** The model's trainable weights as arrays, in the plan's weight order (synchronous read). */
export function readModelWeights(model: tf.LayersModel): Float32Array[] {
  return model.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
}

/** Writes arrays (in the plan's weight order) into the model's trainable weights. */
export function writeModelWeights(model: tf.LayersModel, arrays: readonly Float32Array[]): void {
  model.trainableWeights.forEach((w, i) => {
    const t = tf.tensor(arrays[i], w.shape as number[]);
    w.write(t);
    t.dispose();
  });
}
