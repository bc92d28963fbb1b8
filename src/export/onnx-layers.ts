import type * as tf from '@tensorflow/tfjs';
import { type Graph, OnnxExportError, permute } from './onnx-graph';
import type { Attribute } from './onnx-proto';

/**
 * What a converter knows of a layer as the walk meets it. Images are NCHW in the graph (ONNX's
 * Conv and pooling take channels first); `shape` is the item shape TensorFlow.js gives the input.
 */
interface Step {
  readonly g: Graph;
  readonly name: string;
  readonly config: { readonly [key: string]: unknown };
  /** The values the layer reads (one, or an Add's several). */
  readonly inputs: readonly string[];
  /** Its (first) input's item shape: [height, width, channels] for images, [features] for rows. */
  readonly shape: readonly number[];
  /** The layer's weight `kind` (`kernel`, `bias`, `moving_mean`…), if it has one. */
  readonly weight: (kind: string) => Float32Array | undefined;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);
const ints = (v: readonly number[]) => ({ ints: v });

/** Activations that are one ONNX operator of the same meaning (ELU's alpha 1 and SELU's constants are ONNX's defaults). */
const UNARY: { readonly [activation: string]: string } = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', elu: 'Elu', selu: 'Selu' };

/** The nodes of a TensorFlow.js activation on `x`, the last one's output named `name`. */
function activation(g: Graph, x: string, kind: string, name: string, layer: string): string {
  if (UNARY[kind]) return g.op(UNARY[kind], [x], name);
  switch (kind) {
    case 'linear':
      return x;
    case 'relu6':
      return g.op('Clip', [x, g.floats(`${name}/min`, [], [0]), g.floats(`${name}/max`, [], [6])], name);
    case 'softmax':
      // TensorFlow.js's last axis: the features of rows, the channels of images (axis 1 of both here).
      return g.op('Softmax', [x], name, { axis: { int: 1 } });
    case 'gelu': {
      // x · ½(1 + erf(x / √2)), TensorFlow.js's exact gelu (ONNX's Gelu operator came with opset 20).
      const erf = g.op('Erf', [g.op('Div', [x, g.floats(`${name}/sqrt2`, [], [Math.SQRT2])], `${name}/scaled`)], `${name}/erf`);
      const cdf = g.op('Mul', [g.op('Add', [erf, g.floats(`${name}/one`, [], [1])], `${name}/erf1`), g.floats(`${name}/half`, [], [0.5])], `${name}/cdf`);
      return g.op('Mul', [x, cdf], name);
    }
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x], `${name}/sigmoid`)], name);
  }
  throw new OnnxExportError(`${layer}: activation '${kind}' has no ONNX counterpart in this export`);
}

/** A layer's own activation (Conv2D, Dense…) after its output `x`. */
const activated = (s: Step, x: string) => {
  const kind = String(s.config.activation);
  return activation(s.g, x, kind, kind === 'linear' ? s.name : `${s.name}/${kind}`, s.name);
};

/** ONNX pads [top, left, bottom, right] that make a window pad as TensorFlow.js's `same` does (the odd pixel at the end), or none for `valid`. */
function pads(s: Step, window: [number, number], strides: [number, number]): number[] {
  if (s.config.padding === 'valid') return [0, 0, 0, 0];
  const total = [0, 1].map((i) => Math.max((Math.ceil(s.shape[i]! / strides[i]!) - 1) * strides[i]! + window[i]! - s.shape[i]!, 0));
  const before = total.map((t) => Math.floor(t / 2));
  return [...before, total[0]! - before[0]!, total[1]! - before[1]!];
}

/** The bias constant, where the layer has one. */
function bias(s: Step): string[] {
  const b = s.weight('bias');
  return b ? [s.g.floats(`${s.name}/bias`, [b.length], b)] : [];
}

/** A convolution of the layer's input by `weights` ([out, in / group, kh, kw], bias), with the layer's strides and padding. */
function conv(s: Step, weights: string[], window: [number, number], group: number, name: string): string {
  const strides = pair(s.config.strides);
  return s.g.op('Conv', [s.inputs[0]!, ...weights], name, {
    kernel_shape: ints(window),
    strides: ints(strides),
    pads: ints(pads(s, window, strides)),
    group: { int: group },
  });
}

/** A depthwise kernel [kh, kw, channels, multiplier] as ONNX's grouped Conv weight [channels · multiplier, 1, kh, kw]. */
function depthwise(s: Step, window: [number, number]): string {
  const c = s.shape[2]!;
  const values = s.weight('depthwise_kernel')!;
  // SeparableConv2D's config leaves its depthMultiplier out: the kernel's size says it.
  const m = values.length / (window[0] * window[1] * c);
  const kernel = permute(values, [...window, c, m], [2, 3, 0, 1]);
  return s.g.floats(`${s.name}/depthwise_kernel`, [c * m, 1, ...window], kernel);
}

function pool(s: Step, op: 'MaxPool' | 'AveragePool'): string {
  const window = pair(s.config.poolSize);
  const strides = pair(s.config.strides ?? s.config.poolSize);
  // TensorFlow.js averages over the pixels inside the image only, as count_include_pad 0 does.
  const attributes: { [name: string]: Attribute } = { kernel_shape: ints(window), strides: ints(strides), pads: ints(pads(s, window, strides)) };
  if (op === 'AveragePool') attributes.count_include_pad = { int: 0 };
  return s.g.op(op, [s.inputs[0]!], s.name, attributes);
}

/** Each layer class Kiln builds (src/train/model/build.ts) as ONNX nodes; returns the layer's output value. */
const LAYERS: { readonly [className: string]: (s: Step) => string } = {
  Conv2D: (s) => {
    const window = pair(s.config.kernelSize);
    const [c, filters] = [s.shape[2]!, Number(s.config.filters)];
    const kernel = s.g.floats(`${s.name}/kernel`, [filters, c, ...window], permute(s.weight('kernel')!, [...window, c, filters], [3, 2, 0, 1]));
    return activated(s, conv(s, [kernel, ...bias(s)], window, 1, s.name));
  },
  DepthwiseConv2D: (s) => {
    const window = pair(s.config.kernelSize);
    return activated(s, conv(s, [depthwise(s, window), ...bias(s)], window, s.shape[2]!, s.name));
  },
  SeparableConv2D: (s) => {
    const window = pair(s.config.kernelSize);
    const d = conv(s, [depthwise(s, window)], window, s.shape[2]!, `${s.name}/depthwise`);
    const values = s.weight('pointwise_kernel')!;
    const filters = Number(s.config.filters);
    const inner = values.length / filters;
    const kernel = permute(values, [1, 1, inner, filters], [3, 2, 0, 1]);
    const pointwise = s.g.floats(`${s.name}/pointwise_kernel`, [filters, inner, 1, 1], kernel);
    return activated(s, s.g.op('Conv', [d, pointwise, ...bias(s)], s.name, { kernel_shape: ints([1, 1]) }));
  },
  MaxPooling2D: (s) => pool(s, 'MaxPool'),
  AveragePooling2D: (s) => pool(s, 'AveragePool'),
  GlobalAveragePooling2D: (s) => s.g.op('Flatten', [s.g.op('GlobalAveragePool', [s.inputs[0]!], `${s.name}/pool`)], s.name, { axis: { int: 1 } }),
  BatchNormalization: (s) => {
    // Inference form: the moving statistics, as predict applies the layer (training: false).
    const c = s.shape[s.shape.length - 1]!;
    const stats = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((k) => s.g.floats(`${s.name}/${k}`, [c], s.weight(k)!));
    return s.g.op('BatchNormalization', [s.inputs[0]!, ...stats], s.name, { epsilon: { float: Number(s.config.epsilon) } });
  },
  Dense: (s) => {
    const units = Number(s.config.units);
    const kernel = s.g.floats(`${s.name}/kernel`, [s.shape[0]!, units], s.weight('kernel')!);
    return activated(s, s.g.op('Gemm', [s.inputs[0]!, kernel, ...bias(s)], s.name));
  },
  Dropout: (s) => s.inputs[0]!,
  // TensorFlow.js flattens images in HWC order: back to channels last first.
  Flatten: (s) =>
    s.shape.length === 3
      ? s.g.op('Flatten', [s.g.op('Transpose', [s.inputs[0]!], `${s.name}/nhwc`, { perm: ints([0, 2, 3, 1]) })], s.name, { axis: { int: 1 } })
      : s.inputs[0]!,
  Activation: (s) => activation(s.g, s.inputs[0]!, String(s.config.activation), s.name, s.name),
  LeakyReLU: (s) => s.g.op('LeakyRelu', [s.inputs[0]!], s.name, { alpha: { float: Number(s.config.alpha) } }),
  Add: (s) => s.g.op('Sum', s.inputs, s.name),
};

/**
 * Adds the nodes of every layer of `model` to `g`, the model's input being the value `input`
 * (images NCHW, rows as they are), with the weights by their TensorFlow.js names (`conv1/kernel`).
 * Returns the model's output value. Throws an OnnxExportError naming a layer it cannot express.
 */
export function addLayers(g: Graph, model: tf.LayersModel, input: string, weights: ReadonlyMap<string, Float32Array>): string {
  const outputs = new Map<string, string>();
  for (const layer of model.layers) {
    const type = layer.getClassName();
    if (type === 'InputLayer') continue;
    const convert = LAYERS[type];
    if (!convert) throw new OnnxExportError(`${layer.name}: a ${type} layer has no ONNX counterpart in this export`);
    const node = layer.inboundNodes[0]!;
    const inputs = node.inboundLayers.map((l) => (l.getClassName() === 'InputLayer' ? input : outputs.get(l.name)!));
    const shape = node.inputTensors[0]!.shape.slice(1) as number[];
    const config = layer.getConfig() as Step['config'];
    outputs.set(layer.name, convert({ g, name: layer.name, config, inputs, shape, weight: (kind) => weights.get(`${layer.name}/${kind}`) }));
  }
  return outputs.get(model.outputs[0]!.sourceLayer.name)!;
}
