import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, type Activation } from './kernels/activation';
import type { DropoutSpec } from './kernels/dropout';

/**
 * The one place that reads a tf.LayersModel: what the compiled step runs (layers, shapes, where
 * each weight sits in the packed parameter buffer), and the weights' transfer to and from the model.
 */

/** A Dense layer as compiled: its kernel [inputs, units] then its bias (units) in the packed params. */
export interface DensePlan {
  readonly name: string;
  readonly inputs: number;
  readonly units: number;
  /** The activation the epilogue applies; a final softmax is left to the loss kernel (then 'linear'). */
  readonly activation: Activation;
  readonly kernelOffset: number;
  /** Right after the kernel, so the weight-gradient GEMM's ones row lands on it; null without bias. */
  readonly biasOffset: number | null;
  /** A Dropout layer after this one (fused into its GEMMs), or null. */
  readonly dropout: DropoutSpec | null;
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
  readonly layers: readonly DensePlan[];
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

type LayerConfig = { units?: number; activation?: string; useBias?: boolean; rate?: number; noiseShape?: unknown };

/**
 * Maps a model (Flatten → Dense … → Dense, with Dropout anywhere after the input) to a plan, or
 * says which layer stops it. The final Dense must be linear (logits), or softmax for
 * classification; classification needs at least two classes.
 */
export function planModel(model: tf.LayersModel, task: Task): PlanResult {
  const fail = (reason: string): PlanResult => ({ ok: false, reason });
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return fail('models with several inputs or outputs are not compiled yet');
  if (inputShape.some((d) => d === null)) return fail(`input shape [${inputShape}] has unknown sizes`);
  const inputSize = (inputShape as number[]).reduce((a, b) => a * b, 1);
  const dense: { name: string; inputs: number; units: number; activation: string; bias: boolean; dropout: DropoutSpec | null; layer: tf.layers.Layer }[] = [];
  let inputDropout: DropoutSpec | null = null;
  let flat = inputShape.length === 1;
  let width = inputSize;
  for (const [i, layer] of model.layers.entries()) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as LayerConfig;
    const what = `layer ${layer.name}`;
    if (!layer.trainable && layer.weights.length > 0) return fail(`${what}: frozen layers are not compiled yet`);
    if (kind === 'InputLayer') continue;
    if (kind === 'Flatten') {
      if (dense.length > 0) return fail(`${what}: Flatten after a Dense layer is not compiled yet`);
      flat = true;
    } else if (kind === 'Dropout') {
      if (config.noiseShape) return fail(`${what}: Dropout with a noise shape is not compiled yet`);
      const spec = { rate: config.rate ?? 0, salt: i };
      const last = dense[dense.length - 1];
      if (last ? last.dropout : inputDropout) return fail(`${what}: two Dropout layers in a row are not compiled yet`);
      if (spec.rate > 0 && last) last.dropout = spec;
      else if (spec.rate > 0) inputDropout = spec;
    } else if (kind === 'Dense') {
      if (!flat) return fail(`${what}: Dense on an input of shape [${inputShape}] (no Flatten) is not compiled yet`);
      const units = config.units ?? 0;
      dense.push({ name: layer.name, inputs: width, units, activation: config.activation ?? 'linear', bias: config.useBias ?? true, dropout: null, layer });
      width = units;
    } else {
      return fail(`${what}: ${kind} is not compiled yet (Flatten, Dense and Dropout are)`);
    }
  }
  if (dense.length === 0) return fail('the model has no Dense layer');
  const last = dense[dense.length - 1];
  if (last.dropout) return fail(`Dropout after the output layer ${last.name} is not compiled yet`);
  for (const d of dense.slice(0, -1)) {
    if (!(ACTIVATIONS as readonly string[]).includes(d.activation)) return fail(`layer ${d.name}: activation '${d.activation}' is not compiled yet (${ACTIVATIONS.join(', ')} are)`);
  }
  let loss: LossKind;
  if (task === 'regression') {
    if (last.activation !== 'linear') return fail(`layer ${last.name}: a regression output must be linear, not '${last.activation}'`);
    loss = 'mse';
  } else {
    if (last.units < 2) return fail(`layer ${last.name}: binary classification with one output unit is not compiled yet`);
    if (last.activation !== 'linear' && last.activation !== 'softmax') return fail(`layer ${last.name}: a classifier's output must be linear (logits) or softmax, not '${last.activation}'`);
    loss = last.activation === 'softmax' ? 'softmax-probabilities' : 'softmax-ce';
  }
  return layout(model, dense, inputSize, inputDropout, loss);
}

/** Packs each Dense's kernel then bias, and finds each in model.trainableWeights. */
function layout(
  model: tf.LayersModel,
  dense: readonly { name: string; inputs: number; units: number; activation: string; bias: boolean; dropout: DropoutSpec | null; layer: tf.layers.Layer }[],
  inputSize: number,
  inputDropout: DropoutSpec | null,
  loss: LossKind,
): PlanResult {
  const order = model.trainableWeights;
  const weights: WeightSlot[] = new Array(order.length);
  const layers: DensePlan[] = [];
  let offset = 0;
  for (const d of dense) {
    const [kernel, bias] = d.layer.trainableWeights;
    const place = (w: (typeof order)[number] | undefined, size: number): number => {
      const at = order.indexOf(w!);
      if (at < 0) throw new Error(`layer ${d.name}: weight not among the model's trainable weights`);
      weights[at] = { name: w!.originalName, shape: w!.shape.map(Number), offset, size };
      offset += size;
      return offset - size;
    };
    const kernelOffset = place(kernel, d.inputs * d.units);
    const biasOffset = d.bias ? place(bias, d.units) : null;
    const activation = (d.activation === 'softmax' ? 'linear' : d.activation) as Activation;
    layers.push({ name: d.name, inputs: d.inputs, units: d.units, activation, kernelOffset, biasOffset, dropout: d.dropout });
  }
  if (weights.some((w) => w === undefined) || weights.length !== order.length) return { ok: false, reason: 'the model has trainable weights outside its Dense layers' };
  return { ok: true, plan: { inputSize, inputDropout, layers, weights, paramCount: offset, loss, outputs: layers[layers.length - 1].units } };
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
