import type * as tf from '@tensorflow/tfjs';
import { type BurnParam, paramsByName, relayout, words } from '../train/checkpoint/burn/layout';
import { burnLayoutOf } from '../train/model/burn-layout';

/** A model Kiln cannot write as PyTorch modules; the message names the layer. */
export class TorchExportError extends Error {}

/**
 * How a weight's tensor goes from Burn's layout (Kiln's records) to PyTorch's:
 * - `same`: as it is (Conv2d weights are [out, in, kh, kw] in both; biases, batch norm);
 * - `transpose`: a Linear weight, Burn's [in, out] is PyTorch's [out, in];
 * - `hwio`: a depthwise or pointwise kernel, which Burn's records keep in TensorFlow.js's
 *   [kh, kw, in, out] layout (a depthwise [kh, kw, channels, multiplier] read as [kh, kw, 1,
 *   channels · multiplier]), becomes PyTorch's [out, in, kh, kw]. Back: `permute(2, 3, 1, 0)`.
 */
export type TorchLayout = 'same' | 'transpose' | 'hwio';

/** Where one of the model's weights goes in PyTorch's state dict. */
export interface TorchPlace {
  /** Its TensorFlow.js name (`conv1/kernel`). */
  readonly name: string;
  /** Its key in the state dict (`0.weight`). */
  readonly key: string;
  /** Its PyTorch shape. */
  readonly shape: readonly number[];
  readonly layout: TorchLayout;
  /** Its place in Burn's records (Kiln's checkpoints). */
  readonly burn: BurnParam;
}

/** One module of the generated `nn.Sequential`. */
export interface TorchModule {
  /** Python that builds it (`nn.Linear(4, 16)`). */
  readonly code: string;
  /** The TensorFlow.js layer it comes from. */
  readonly layer: string;
}

/** A layer's part of the forward pass: the modules it became, applied in turn, and the layers it reads. */
export interface TorchStep {
  /** A Python name for its output. */
  readonly variable: string;
  /** Variables it reads (`x` is the model's input). */
  readonly inputs: readonly string[];
  /** Indices of its modules. */
  readonly modules: readonly number[];
  /** An `Add` layer: the sum of its inputs. */
  readonly add: boolean;
}

/** A layers model as PyTorch modules and a state dict. */
export interface TorchPlan {
  readonly modules: readonly TorchModule[];
  /** Every weight of the model (trainable, then the moving statistics), in the model's order. */
  readonly places: readonly TorchPlace[];
  /** Batch norms' `num_batches_tracked` keys, which PyTorch's state dict has and Kiln does not keep. */
  readonly counters: readonly string[];
  /** The forward pass when the model is not a chain (it has `Add` layers); null for a chain. */
  readonly graph: readonly TorchStep[] | null;
  /** Python helpers the modules use (`AvgPool2dSame`). */
  readonly helpers: ReadonlySet<string>;
  /** The input's PyTorch shape per item: [channels, height, width] or [features]. */
  readonly inputShape: readonly number[];
}

/** PyTorch modules of TensorFlow.js activations (`linear` has none). */
const ACTIVATIONS: { readonly [name: string]: string } = {
  relu: 'nn.ReLU()',
  relu6: 'nn.ReLU6()',
  elu: 'nn.ELU()',
  selu: 'nn.SELU()',
  gelu: 'nn.GELU()',
  swish: 'nn.SiLU()',
  tanh: 'nn.Tanh()',
  sigmoid: 'nn.Sigmoid()',
  // TensorFlow.js's last axis: the features of rows, the channels of images (PyTorch's dim 1 for both).
  softmax: 'nn.Softmax(dim=1)',
};

/** A number as a Python literal, without float noise (1 − 0.99 is 0.01). */
export const py = (v: number) => String(Number(v.toPrecision(12)));
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);
const tuple = (v: readonly number[]) => `(${v.join(', ')})`;

/** TensorFlow's 'same' padding of a window over an image: (left, right, top, bottom), the odd pixel after. */
function samePads(size: readonly number[], window: [number, number], strides: [number, number]): [number, number, number, number] {
  const along = (n: number, k: number, s: number) => {
    const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [top, bottom] = along(size[0], window[0], strides[0]);
  const [left, right] = along(size[1], window[1], strides[1]);
  return [left, right, top, bottom];
}

/** What the walk knows of a layer: its config, input shape (TensorFlow.js, with batch) and the index its first module gets. */
interface Layer {
  readonly layer: tf.layers.Layer;
  readonly config: { [key: string]: unknown };
  readonly input: readonly number[];
}

/** A layer's modules, and its weights' fields in them: `[tfjs weight, module offset, PyTorch field, layout]`. */
interface Emitted {
  readonly modules: string[];
  readonly weights: [string, number, string, TorchLayout][];
  readonly counters?: number[];
  readonly helpers?: string[];
}

function activation(name: unknown, layer: string): string[] {
  if (name === 'linear' || name === undefined) return [];
  const module = ACTIVATIONS[String(name)];
  if (!module) throw new TorchExportError(`${layer}: activation '${String(name)}' has no PyTorch module in this export`);
  return [module];
}

/** A convolution's `stride` and `padding` arguments, and a padding module before it where TensorFlow's 'same' pads unevenly. */
function convWindow(l: Layer, kernel: [number, number], strides: [number, number]): { pad: string[]; args: string } {
  let args = strides.some((s) => s !== 1) ? `, stride=${tuple(strides)}` : '';
  if (l.config.padding !== 'same') return { pad: [], args };
  if (strides.every((s) => s === 1)) return { pad: [], args: `${args}, padding="same"` };
  const [left, right, top, bottom] = samePads(l.input.slice(1, 3), kernel, strides);
  if (left === right && top === bottom) {
    if (left || top) args += `, padding=${tuple([top, left])}`;
    return { pad: [], args };
  }
  return { pad: [`nn.ZeroPad2d(${tuple([left, right, top, bottom])})`], args };
}

function conv(l: Layer, kind: 'Conv2D' | 'DepthwiseConv2D' | 'SeparableConv2D'): Emitted {
  const c = l.config;
  if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) throw new TorchExportError(`${l.layer.name}: dilated convolutions are not exported`);
  const kernel = pair(c.kernelSize);
  const strides = pair(c.strides);
  const channels = l.input[3];
  const window = convWindow(l, kernel, strides);
  const bias = c.useBias === false ? ', bias=False' : '';
  const at = window.pad.length;
  const weights: Emitted['weights'] = [];
  const modules = [...window.pad];
  if (kind === 'Conv2D') {
    modules.push(`nn.Conv2d(${channels}, ${c.filters}, kernel_size=${tuple(kernel)}${window.args}${bias})`);
    weights.push(['kernel', at, 'weight', 'same']);
  } else {
    // The multiplier from the kernel [kh, kw, channels, multiplier] (a separable layer's config leaves it out).
    const depth = channels * Number(l.layer.weights.find((w) => w.originalName.endsWith('/depthwise_kernel'))!.shape[3]);
    const separable = kind === 'SeparableConv2D';
    modules.push(`nn.Conv2d(${channels}, ${depth}, kernel_size=${tuple(kernel)}${window.args}, groups=${channels}${separable ? ', bias=False' : bias})`);
    weights.push(['depthwise_kernel', at, 'weight', 'hwio']);
    if (separable) {
      modules.push(`nn.Conv2d(${depth}, ${c.filters}, kernel_size=(1, 1)${bias})`);
      weights.push(['pointwise_kernel', at + 1, 'weight', 'hwio']);
    }
  }
  if (c.useBias !== false) weights.push(['bias', modules.length - 1, 'bias', 'same']);
  return { modules: [...modules, ...activation(c.activation, l.layer.name)], weights };
}

function pool(l: Layer, max: boolean): Emitted {
  const window = pair(l.config.poolSize);
  const strides = pair(l.config.strides ?? l.config.poolSize);
  const kind = max ? 'MaxPool2d' : 'AvgPool2d';
  const plain = `nn.${kind}(kernel_size=${tuple(window)}, stride=${tuple(strides)})`;
  if (l.config.padding !== 'same') return { modules: [plain], weights: [] };
  const pads = samePads(l.input.slice(1, 3), window, strides);
  if (pads.every((p) => p === 0)) return { modules: [plain], weights: [] };
  // TensorFlow's 'same' pooling pads with nothing: a max ignores it, an average leaves it out of the count.
  if (max) return { modules: [`nn.ConstantPad2d(${tuple(pads)}, float("-inf"))`, plain], weights: [] };
  return { modules: [`AvgPool2dSame(${tuple(window)}, ${tuple(strides)}, ${tuple(pads)})`], weights: [], helpers: ['AvgPool2dSame'] };
}

/** The PyTorch modules of each layer class Kiln trains. */
const LAYERS: { readonly [type: string]: (l: Layer) => Emitted } = {
  Conv2D: (l) => conv(l, 'Conv2D'),
  DepthwiseConv2D: (l) => conv(l, 'DepthwiseConv2D'),
  SeparableConv2D: (l) => conv(l, 'SeparableConv2D'),
  MaxPooling2D: (l) => pool(l, true),
  AveragePooling2D: (l) => pool(l, false),
  GlobalAveragePooling2D: () => ({ modules: ['nn.AdaptiveAvgPool2d(1)', 'nn.Flatten()'], weights: [] }),
  Flatten: (l) => ({ modules: l.input.length > 2 ? ['nn.Flatten()'] : [], weights: [] }),
  Dense: (l) => {
    const c = l.config;
    if (l.input.length !== 2) throw new TorchExportError(`${l.layer.name}: a Dense layer on an image (without a Flatten before it) is not exported`);
    const linear = `nn.Linear(${l.input[1]}, ${c.units}${c.useBias === false ? ', bias=False' : ''})`;
    const weights: Emitted['weights'] = [['kernel', 0, 'weight', 'transpose']];
    if (c.useBias !== false) weights.push(['bias', 0, 'bias', 'same']);
    return { modules: [linear, ...activation(c.activation, l.layer.name)], weights };
  },
  Dropout: (l) => ({ modules: [`nn.Dropout(p=${py(Number(l.config.rate))})`], weights: [] }),
  BatchNormalization: (l) => {
    const c = l.config;
    const rank = l.input.length;
    if (c.axis !== -1 && c.axis !== rank - 1) throw new TorchExportError(`${l.layer.name}: only batch normalization over channels is exported`);
    // TensorFlow.js's momentum keeps that much of the running statistics; PyTorch's takes that much of the batch's.
    const module = `nn.BatchNorm${rank === 4 ? 2 : 1}d(${l.input[rank - 1]}, eps=${py(Number(c.epsilon))}, momentum=${py(1 - Number(c.momentum))})`;
    const fields: [string, string][] = [
      ['gamma', 'weight'],
      ['beta', 'bias'],
      ['moving_mean', 'running_mean'],
      ['moving_variance', 'running_var'],
    ];
    return { modules: [module], weights: fields.map(([w, f]) => [w, 0, f, 'same']), counters: [0] };
  },
  Activation: (l) => ({ modules: activation(l.config.activation, l.layer.name), weights: [] }),
  LeakyReLU: (l) => ({ modules: [`nn.LeakyReLU(negative_slope=${py(Number(l.config.alpha))})`], weights: [] }),
  Add: () => ({ modules: [], weights: [] }),
};

/** The layers a layer reads, by name (`input` for the model's input). */
function inboundOf(layer: tf.layers.Layer): string[] {
  const node = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0];
  return (node?.inboundLayers ?? []).map((l) => (l.getClassName() === 'InputLayer' ? 'input' : l.name));
}

/** A Python name for each layer's output: its name where Python allows it, else made one; unique. */
function variables(layers: readonly tf.layers.Layer[]): Map<string, string> {
  const taken = new Set(['x']);
  const names = new Map([['input', 'x']]);
  for (const l of layers) {
    let v = `x_${l.name.replace(/\W/g, '_')}`;
    while (taken.has(v)) v += '_';
    taken.add(v);
    names.set(l.name, v);
  }
  return names;
}

/**
 * A layers model as PyTorch modules (a flat `nn.Sequential`, or one whose forward follows the
 * model's residual `Add`s), and where each weight goes in their state dict, in PyTorch's layouts:
 * Burn's channels-first layouts (`burnLayoutOf`: Conv2d [out, in, kh, kw], the first Linear after a
 * flatten reading channels-first features), Linear weights transposed to [out, in]. Throws a
 * TorchExportError naming the first layer PyTorch's modules cannot express here.
 */
export function torchPlan(model: tf.LayersModel): TorchPlan {
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 2 && inputShape.length !== 4) {
    throw new TorchExportError(`inputs of shape [${inputShape.slice(1)}] are not exported: rows or images only`);
  }
  const burn = paramsByName(burnLayoutOf(model));
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const names = variables(layers);
  const modules: TorchModule[] = [];
  const places = new Map<string, TorchPlace>();
  const counters: string[] = [];
  const helpers = new Set<string>();
  const steps: TorchStep[] = [];
  // Features flattened from a channels-last image, in TensorFlow.js's order until a Dense reads them.
  const unordered = new Set<string>();
  let chain = true;
  layers.forEach((layer, i) => {
    const type = layer.getClassName();
    const write = LAYERS[type];
    if (!write) throw new TorchExportError(`${layer.name}: a ${type} layer has no PyTorch module in this export`);
    const inbound = inboundOf(layer);
    chain &&= inbound.length === 1 && inbound[0] === (i === 0 ? 'input' : layers[i - 1].name);
    const input = (Array.isArray(layer.input) ? layer.input[0] : layer.input).shape as number[];
    if (type === 'BatchNormalization' && inbound.some((n) => unordered.has(n)))
      throw new TorchExportError(`${layer.name}: batch normalization of a flattened image is not exported (PyTorch flattens channels first)`);
    if ((type === 'Flatten' && input.length === 4) || (['Dropout', 'Activation', 'LeakyReLU', 'Add'].includes(type) && inbound.some((n) => unordered.has(n))))
      unordered.add(layer.name);
    const e = write({ layer, config: layer.getConfig() as { [key: string]: unknown }, input });
    const first = modules.length;
    for (const code of e.modules) modules.push({ code, layer: layer.name });
    for (const h of e.helpers ?? []) helpers.add(h);
    for (const c of e.counters ?? []) counters.push(`${first + c}.num_batches_tracked`);
    for (const w of layer.weights) {
      const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const field = e.weights.find(([name]) => name === short);
      const place = burn.get(w.originalName);
      if (!field || !place) throw new TorchExportError(`${layer.name}: its weight '${short}' has no place in PyTorch's ${type} module`);
      const [, offset, key, layout] = field;
      places.set(w.originalName, {
        name: w.originalName,
        key: `${first + offset}.${key}`,
        shape: torchShape(layout, w.shape as number[], place),
        layout,
        burn: place,
      });
    }
    const variable = names.get(layer.name)!;
    steps.push({ variable, inputs: inbound.map((n) => names.get(n)!), modules: e.modules.map((_, k) => first + k), add: type === 'Add' });
  });
  const rank = model.outputs[0].shape.length;
  if (rank !== 2) throw new TorchExportError(`the model's output is an image, not rows: it is not exported`);
  const [, ...item] = inputShape as number[];
  return {
    modules,
    places: model.weights.map((w) => places.get(w.originalName)!),
    counters,
    graph: chain ? null : steps,
    helpers,
    inputShape: item.length === 3 ? [item[2], item[0], item[1]] : item,
  };
}

/** PyTorch's shape of a weight of TensorFlow.js shape `shape`. */
function torchShape(layout: TorchLayout, shape: readonly number[], burn: BurnParam): number[] {
  if (layout === 'transpose') return [shape[1], shape[0]];
  if (layout === 'hwio') {
    const [kh, kw, cin, cout] = hwio(burn.name, shape);
    return [cout, cin, kh, kw];
  }
  return burn.layout === 'conv2d' ? [shape[3], shape[2], shape[0], shape[1]] : [...shape];
}

/**
 * The weight `name` (a depthwise or pointwise kernel) as the [kh, kw, in, out] kernel it is to
 * PyTorch: a depthwise [kh, kw, channels, multiplier] is [kh, kw, 1, channels · multiplier]
 * (output channel c · multiplier + m, PyTorch's grouped convolution).
 */
function hwio(name: string, shape: readonly number[]): [number, number, number, number] {
  const [kh, kw, a, b] = shape;
  return name.endsWith('/depthwise_kernel') ? [kh, kw, 1, a * b] : [kh, kw, a, b];
}

/**
 * A tensor of the weight at `place` (float32 little-endian bytes, TensorFlow.js shape `shape`:
 * the weight itself or an optimizer's slot of it) in PyTorch's layout.
 */
export function toTorch(place: TorchPlace, bytes: Uint8Array, shape: readonly number[]): Uint8Array {
  const inBurn = relayout(place.burn, bytes, shape, true);
  if (place.layout === 'same') return inBurn;
  if (place.layout === 'hwio') return relayout({ ...place.burn, layout: 'conv2d' }, inBurn, hwio(place.name, shape), true);
  const [rows, cols] = shape;
  const src = words(inBurn);
  const out = new Uint32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return new Uint8Array(out.buffer);
}
