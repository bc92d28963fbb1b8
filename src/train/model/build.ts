import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { expandsLeakyRelu, inferLayers, type ModelShape } from './infer';
import { INPUT, LEAKY_RELU_ALPHA, type LayerSpec, layerNames, pairOf } from './layer-spec';
import { modelLayers } from './presets';

/** Glorot-uniform initializer for the model's k-th kernel, seeded so the same seed builds the same weights. */
function init(seed: number, k: number): ReturnType<typeof tf.initializers.glorotUniform> {
  // tfjs treats seed 0 as "unseeded", hence the + 1.
  return tf.initializers.glorotUniform({ seed: seed * 1000 + k + 1 });
}

type Activation = 'linear' | 'relu';

/**
 * The tfjs layers one spec builds: the layer itself, and a LeakyReLU after it when its activation
 * is leakyRelu (tfjs has no such activation; the layer serializes in every tfjs and Keras).
 * `kernel` hands out the next kernel initializer.
 */
function tfLayers(spec: LayerSpec, name: string, kernel: () => ReturnType<typeof init>, first: { inputShape?: number[] }): tf.layers.Layer[] {
  const leaky = expandsLeakyRelu(spec);
  const activation = ('activation' in spec && !leaky ? spec.activation : 'linear') as Activation;
  const base = { name, ...first };
  const window = (s: { kernelSize: number | number[]; strides: number | number[]; padding: 'same' | 'valid'; useBias: boolean }) => ({
    kernelSize: pairOf(s.kernelSize),
    strides: pairOf(s.strides),
    padding: s.padding,
    useBias: s.useBias,
  });
  const pool = (s: { poolSize: number | number[]; strides?: number | number[]; padding: 'same' | 'valid' }) => ({
    poolSize: pairOf(s.poolSize),
    strides: pairOf(s.strides ?? s.poolSize),
    padding: s.padding,
  });
  const layer = (() => {
    switch (spec.type) {
      case 'Conv2D':
        return tf.layers.conv2d({ ...base, ...window(spec), filters: spec.filters, activation, kernelInitializer: kernel() });
      case 'DepthwiseConv2D':
        return tf.layers.depthwiseConv2d({ ...base, ...window(spec), depthMultiplier: spec.depthMultiplier, activation, depthwiseInitializer: kernel() });
      case 'SeparableConv2D':
        return tf.layers.separableConv2d({
          ...base,
          ...window(spec),
          filters: spec.filters,
          depthMultiplier: spec.depthMultiplier,
          activation,
          depthwiseInitializer: kernel(),
          pointwiseInitializer: kernel(),
        });
      case 'MaxPooling2D':
        return tf.layers.maxPooling2d({ ...base, ...pool(spec) });
      case 'AveragePooling2D':
        return tf.layers.averagePooling2d({ ...base, ...pool(spec) });
      case 'GlobalAveragePooling2D':
        return tf.layers.globalAveragePooling2d(base);
      case 'BatchNormalization':
        return tf.layers.batchNormalization({ ...base, momentum: spec.momentum, epsilon: spec.epsilon });
      case 'Dense':
        return tf.layers.dense({ ...base, units: spec.units, activation, useBias: spec.useBias, kernelInitializer: kernel() });
      case 'Dropout':
        return tf.layers.dropout({ ...base, rate: spec.rate });
      case 'Flatten':
        return tf.layers.flatten(base);
      case 'Activation':
        return spec.activation === 'leakyRelu'
          ? tf.layers.leakyReLU({ ...base, alpha: spec.alpha ?? LEAKY_RELU_ALPHA })
          : tf.layers.activation({ ...base, activation });
      case 'Add':
        return tf.layers.add(base);
    }
  })();
  return leaky ? [layer, tf.layers.leakyReLU({ name: `${name}_leaky`, alpha: LEAKY_RELU_ALPHA })] : [layer];
}

/**
 * Builds a layer list as a tf.LayersModel for items of `shape.inputShape`, its kernels
 * Glorot-uniform seeded in list order (the k-th kernel from `seed · 1000 + k + 1`), biases zero:
 * the same list and seed always build the same weights. A list without `inputs` is a
 * tf.Sequential; one with them a functional model (its input layer is named `input`). Throws,
 * naming the layer and why, when the list does not fit the data (see `inferLayers`).
 */
export function buildModel(layers: readonly LayerSpec[], shape: ModelShape, seed = 0, task?: 'classification' | 'regression'): tf.LayersModel {
  const info = inferLayers(layers, shape, task);
  if (info.error) throw new Error(info.error);
  const names = layerNames(layers);
  let kernels = 0;
  const kernel = () => init(seed, kernels++);
  const inputShape = [...shape.inputShape];
  if (!layers.some((l) => l.inputs)) {
    return tf.sequential({ layers: layers.flatMap((spec, i) => tfLayers(spec, names[i]!, kernel, i === 0 ? { inputShape } : {})) });
  }
  const input = tf.input({ shape: inputShape, name: INPUT });
  const outputs = new Map<string, tf.SymbolicTensor>([[INPUT, input]]);
  layers.forEach((spec, i) => {
    const inputs = (spec.inputs ?? [i === 0 ? INPUT : names[i - 1]!]).map((n) => outputs.get(n)!);
    const out = tfLayers(spec, names[i]!, kernel, {}).reduce<tf.SymbolicTensor | tf.SymbolicTensor[]>(
      (x, layer) => layer.apply(x) as tf.SymbolicTensor,
      inputs.length === 1 ? inputs[0]! : inputs,
    );
    outputs.set(names[i]!, out as tf.SymbolicTensor);
  });
  return tf.model({ inputs: input, outputs: outputs.get(names[names.length - 1]!)! });
}

/** Builds a model config (a preset or a layer list) for data of `shape`; see `buildModel`. */
export function createModel(config: ModelConfig, shape: ModelShape, seed = 0, task?: 'classification' | 'regression'): tf.LayersModel {
  return buildModel(modelLayers(config, shape), shape, seed, task);
}
