import * as tf from '@tensorflow/tfjs';
import type { Activation } from './kernels/activation';
import type { DropoutSpec } from './kernels/dropout';
import type { Found, LayerPlan, LossKind, PlanResult, WeightSlot } from './plan';

/**
 * Where a plan's weights sit in the packed parameter buffer, and the weights' transfer between a
 * tf.LayersModel and the arrays the compiled step reads and writes.
 */

/**
 * Packs each layer's trainable weights (kernel then bias; gamma then beta) in layer order and finds
 * each in model.trainableWeights; then the moving statistics after them, found in model.nonTrainableWeights.
 */
export function layout(model: tf.LayersModel, found: readonly Found[], inputSize: number, inputDropout: DropoutSpec | null, loss: LossKind): PlanResult {
  const slotsOf = (order: readonly tf.LayerVariable[]) => ({ order, slots: new Array<WeightSlot>(order.length) });
  const trainable = slotsOf(model.trainableWeights);
  const state = slotsOf(model.nonTrainableWeights);
  let offset = 0;
  const place = (to: typeof trainable, w: tf.LayerVariable | undefined, owner: string): number => {
    const at = w ? to.order.indexOf(w) : -1;
    if (at < 0) throw new Error(`layer ${owner}: weight not among the model's weights`);
    const size = w!.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    to.slots[at] = { name: w!.originalName, shape: w!.shape.map(Number), offset, size };
    offset += size;
    return offset - size;
  };
  const byName = (layer: tf.layers.Layer, name: string) => layer.weights.find((w) => w.originalName.endsWith(`/${name}`));
  const placed = found.map((f) => {
    const { layer, bias, ...rest } = f;
    const activation = (f.activation === 'softmax' ? 'linear' : f.activation) as Activation;
    if (f.kind === 'dense' || f.kind === 'conv') {
      const [kernel, biasWeight] = layer!.trainableWeights;
      const kernelOffset = place(trainable, kernel, f.name);
      return { ...rest, activation, kernelOffset, biasOffset: bias ? place(trainable, biasWeight, f.name) : null };
    }
    if (f.kind === 'batchnorm')
      return {
        ...rest,
        activation,
        gammaOffset: place(trainable, byName(layer!, 'gamma'), f.name),
        betaOffset: place(trainable, byName(layer!, 'beta'), f.name),
      };
    return { ...rest, activation };
  });
  const paramCount = offset;
  const layers = placed.map((p, i) => {
    const layer = found[i].layer;
    if (p.kind !== 'batchnorm') return p;
    return { ...p, meanOffset: place(state, byName(layer!, 'moving_mean'), p.name), varianceOffset: place(state, byName(layer!, 'moving_variance'), p.name) };
  }) as LayerPlan[];
  const missing =
    [...trainable.slots, ...state.slots].length !== trainable.order.length + state.order.length || [...trainable.slots, ...state.slots].some((w) => !w);
  if (missing) return { ok: false, reason: 'the model has weights outside the layers the compiled step runs' };
  const last = layers[layers.length - 1];
  return {
    ok: true,
    plan: { inputSize, inputDropout, layers, weights: trainable.slots, state: state.slots, paramCount, storedCount: offset, loss, outputs: last.outputs },
  };
}

/** The model's trainable weights as arrays, in the plan's weight order (synchronous read). */
export function readModelWeights(model: tf.LayersModel): Float32Array[] {
  return model.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
}

/** The model's non-trainable weights (moving statistics) as arrays, in the plan's state order. */
export function readModelState(model: tf.LayersModel): Float32Array[] {
  return model.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array);
}

/** Writes arrays into variables of the model, in order. */
function writeVariables(variables: readonly tf.LayerVariable[], arrays: readonly Float32Array[]): void {
  variables.forEach((w, i) => {
    const t = tf.tensor(arrays[i], w.shape as number[]);
    w.write(t);
    t.dispose();
  });
}

/** Writes arrays (in the plan's weight order) into the model's trainable weights. */
export function writeModelWeights(model: tf.LayersModel, arrays: readonly Float32Array[]): void {
  writeVariables(model.trainableWeights, arrays);
}

/** Writes arrays (in the plan's state order) into the model's non-trainable weights. */
export function writeModelState(model: tf.LayersModel, arrays: readonly Float32Array[]): void {
  writeVariables(model.nonTrainableWeights, arrays);
}
