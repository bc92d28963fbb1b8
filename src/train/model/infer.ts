import { INPUT, type LayerSpec, type LayerType, layerNames, pairOf } from './layer-spec';

/** Input shape of one item and number of outputs (classes, or regression targets). */
export interface ModelShape {
  readonly inputShape: readonly number[];
  readonly outputs: number;
}

/** A weight a layer makes: its tfjs name (`conv1/kernel`), shape, and whether training changes it by gradient. */
export interface WeightShape {
  readonly name: string;
  readonly shape: readonly number[];
  /** False for state such as BatchNormalization's moving mean and variance. */
  readonly trainable: boolean;
}

/** What one layer of a list does to the shape of an item. */
export interface LayerInfo {
  readonly name: string;
  readonly type: LayerType;
  /** The layers (or `input`) it reads. */
  readonly inputs: readonly string[];
  /** Per item; null where it cannot be known (this layer or one it reads is impossible). */
  readonly outputShape: readonly number[] | null;
  readonly weights: readonly WeightShape[];
  /** Every value of its weights (tfjs's countParams), trainable or not. */
  readonly params: number;
  /** Why this layer cannot be built here, in words for the person who stacked it. */
  readonly error?: string;
}

/** A layer list checked against a dataset's shape. */
export interface ModelInfo {
  readonly layers: readonly LayerInfo[];
  readonly params: number;
  readonly trainableParams: number;
  /** The first problem (a layer's, prefixed with its name, or the model's), or null when it builds. */
  readonly error: string | null;
  /** Weights in the built model's order (tf.LayersModel's `trainableWeights`, then `nonTrainableWeights`). */
  readonly trainable: readonly WeightShape[];
  readonly state: readonly WeightShape[];
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** A window's output size along one axis, as tfjs computes it. */
function windowOut(size: number, window: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

type Shaped = { shape: number[]; weights: WeightShape[] } | { error: string };

/** The output shape of a windowed layer over an image, or why it leaves nothing. */
function windowed(
  input: readonly number[],
  window: [number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
  channels: number,
  what: string,
): { shape: number[] } | { error: string } {
  const [h, w] = input;
  const oh = windowOut(h!, window[0], strides[0], padding);
  const ow = windowOut(w!, window[1], strides[1], padding);
  if (oh < 1 || ow < 1)
    return {
      error: `its ${window.join('×')} ${what} does not fit the ${h}×${w} input with valid padding (use same padding, a smaller window or fewer poolings before it)`,
    };
  return { shape: [oh, ow, channels] };
}

/** One layer's output shape and weights from its input shapes (items, no batch axis). */
function shapeLayer(spec: LayerSpec, name: string, inputs: readonly (readonly number[])[]): Shaped {
  const w = (weight: string, shape: number[], trainable = true): WeightShape => ({ name: `${name}/${weight}`, shape, trainable });
  const [input] = inputs as [readonly number[]];
  const image = () => (input.length === 3 ? null : `${spec.type} needs images [height, width, channels]; its input is ${show(input)}`);
  switch (spec.type) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      const wrong = image();
      if (wrong) return { error: wrong };
      const c = input[2]!;
      const k = pairOf(spec.kernelSize);
      const depth = spec.type === 'Conv2D' ? 1 : spec.depthMultiplier;
      const out = spec.type === 'DepthwiseConv2D' ? c * depth : spec.filters;
      const r = windowed(input, k, pairOf(spec.strides), spec.padding, out, 'kernel');
      if ('error' in r) return r;
      const weights =
        spec.type === 'Conv2D'
          ? [w('kernel', [...k, c, out])]
          : spec.type === 'DepthwiseConv2D'
            ? [w('depthwise_kernel', [...k, c, depth])]
            : [w('depthwise_kernel', [...k, c, depth]), w('pointwise_kernel', [1, 1, c * depth, out])];
      if (spec.useBias) weights.push(w('bias', [out]));
      return { shape: r.shape, weights };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const wrong = image();
      if (wrong) return { error: wrong };
      const p = pairOf(spec.poolSize);
      const r = windowed(input, p, pairOf(spec.strides ?? p), spec.padding, input[2]!, 'pooling');
      return 'error' in r ? r : { shape: r.shape, weights: [] };
    }
    case 'GlobalAveragePooling2D': {
      const wrong = image();
      return wrong ? { error: wrong } : { shape: [input[2]!], weights: [] };
    }
    case 'BatchNormalization': {
      const c = input[input.length - 1]!;
      return {
        shape: [...input],
        weights: [w('gamma', [c]), w('beta', [c]), w('moving_mean', [c], false), w('moving_variance', [c], false)],
      };
    }
    case 'Dense': {
      if (input.length !== 1) return { error: `Dense needs flat items; its input is ${show(input)}: add a Flatten or GlobalAveragePooling2D before it` };
      const weights = [w('kernel', [input[0]!, spec.units])];
      if (spec.useBias) weights.push(w('bias', [spec.units]));
      return { shape: [spec.units], weights };
    }
    case 'Flatten':
      return { shape: [product(input)], weights: [] };
    case 'Dropout':
    case 'Activation':
      return { shape: [...input], weights: [] };
    case 'Add': {
      if (inputs.length < 2) return { error: 'Add needs two or more inputs (name them in its inputs)' };
      const differs = inputs.find((s) => show(s) !== show(input));
      return differs ? { error: `Add needs inputs of one shape; they are ${inputs.map(show).join(' and ')}` } : { shape: [...input], weights: [] };
    }
  }
}

/** Whether the layer's activation builds an extra LeakyReLU layer after it (which shifts tfjs's layer order). */
export const expandsLeakyRelu = (spec: LayerSpec) => spec.type !== 'Activation' && 'activation' in spec && spec.activation === 'leakyRelu';

/**
 * The layers in the order a functional tf.LayersModel keeps them (and so its weights): deepest
 * first (longest path to the output), ties in the order a depth-first walk from the output meets
 * them, inputs in order (tfjs-layers' Container). `reads[i]` are the indices layer i reads (-1:
 * the input); the last layer is the output. Extra LeakyReLU layers count as layers of their own.
 */
function functionalOrder(reads: readonly (readonly number[])[], extra: readonly boolean[]): number[] {
  // Nodes: 2i is layer i, 2i + 1 its LeakyReLU (when it has one); a reader of i reads its last node.
  const last = (i: number) => (extra[i] ? 2 * i + 1 : 2 * i);
  const inboundOf = (node: number): number[] => (node % 2 ? [node - 1] : reads[node / 2]!.filter((i) => i >= 0).map(last));
  const visited = new Map<number, number>();
  const post: number[] = [];
  const walk = (node: number) => {
    if (visited.has(node)) return;
    visited.set(node, visited.size);
    for (const i of inboundOf(node)) walk(i);
    post.push(node);
  };
  walk(last(reads.length - 1));
  const depth = new Map<number, number>();
  for (const node of post.reverse()) {
    const d = depth.get(node) ?? 0;
    depth.set(node, d);
    for (const i of inboundOf(node)) depth.set(i, Math.max(depth.get(i) ?? 0, d + 1));
  }
  return [...visited.keys()]
    .filter((n) => n % 2 === 0)
    .sort((a, b) => depth.get(b)! - depth.get(a)! || visited.get(a)! - visited.get(b)!)
    .map((n) => n / 2);
}

/** The output shape a dataset needs, and whether `shape` is it (a binary classifier may have one output: any task but regression). */
function outputProblem(shape: readonly number[], data: ModelShape, task?: 'classification' | 'regression'): string | null {
  const binary = task !== 'regression' && data.outputs === 2 && show(shape) === '[1]';
  if (binary || show(shape) === show([data.outputs])) return null;
  const needs = task === 'regression' ? `${data.outputs} target${data.outputs === 1 ? '' : 's'}` : `${data.outputs} classes`;
  const last = shape.length === 1 ? `make the last Dense ${data.outputs} units` : 'end with a Dense layer';
  return `the model's output is ${show(shape)}, the dataset needs [${data.outputs}] (${needs}): ${last}`;
}

/**
 * Checks a layer list against a dataset's item shape without tfjs: each layer's output shape,
 * weights and parameter count, and the first reason it cannot be built (a shape that reaches
 * zero, Dense on images, Add of different shapes, a name read before it exists, an output that is
 * not the dataset's). What the UI shows as the user stacks layers, and what a stored config's
 * checkpoints are checked against.
 */
export function inferLayers(layers: readonly LayerSpec[], data: ModelShape, task?: 'classification' | 'regression'): ModelInfo {
  const names = layerNames(layers);
  const index = new Map<string, number>();
  const shapes: (readonly number[] | null)[] = [];
  const infos: LayerInfo[] = [];
  const reads: number[][] = [];
  const used = new Set<number>();
  let problem: string | null = null;
  layers.forEach((spec, i) => {
    const name = names[i]!;
    const inputs = spec.inputs ?? [i === 0 ? INPUT : names[i - 1]!];
    const fail = (error: string) => {
      problem ??= `${name}: ${error}`;
      shapes.push(null);
      reads.push([]);
      infos.push({ name, type: spec.type, inputs, outputShape: null, weights: [], params: 0, error });
    };
    if (name === INPUT || index.has(name)) return fail(`the name '${name}' is ${name === INPUT ? "the model input's" : 'taken by an earlier layer'}`);
    index.set(name, i);
    const from = inputs.map((n) => (n === INPUT ? -1 : (index.get(n) ?? NaN)));
    const unknown = inputs.find((_, k) => Number.isNaN(from[k]));
    if (unknown !== undefined) return fail(`it reads '${unknown}', which is not a layer above it`);
    if (spec.type !== 'Add' && inputs.length > 1) return fail(`${spec.type} reads one input, not ${inputs.length}`);
    for (const k of from) used.add(k);
    const inputShapes = from.map((k) => (k < 0 ? data.inputShape : shapes[k]));
    if (inputShapes.some((s) => s === null)) {
      shapes.push(null);
      reads.push(from);
      infos.push({ name, type: spec.type, inputs, outputShape: null, weights: [], params: 0 });
      return;
    }
    const r = shapeLayer(spec, name, inputShapes as number[][]);
    if ('error' in r) return fail(r.error);
    shapes.push(r.shape);
    reads.push(from);
    infos.push({ name, type: spec.type, inputs, outputShape: r.shape, weights: r.weights, params: r.weights.reduce((a, w) => a + product(w.shape), 0) });
  });
  // A layer whose output nothing reads would be left out of the model (and its weights with it).
  infos.forEach((info, i) => {
    if (i < infos.length - 1 && !used.has(i) && !info.error) {
      const error = 'nothing reads its output: only the last layer is the output (use it in an Add, or remove it)';
      problem ??= `${info.name}: ${error}`;
      infos[i] = { ...info, error };
    }
  });
  const output = shapes[shapes.length - 1];
  if (output && !problem) {
    const wrong = outputProblem(output, data, task);
    if (wrong) {
      problem = wrong;
      infos[infos.length - 1] = { ...infos[infos.length - 1]!, error: wrong };
    }
  }
  if (!layers.length) problem = 'add at least one layer';
  const order = layers.some((l) => l.inputs) && !problem ? functionalOrder(reads, layers.map(expandsLeakyRelu)) : infos.map((_, i) => i);
  const ordered = order.flatMap((i) => infos[i]!.weights);
  const params = infos.reduce((a, l) => a + l.params, 0);
  const trainable = ordered.filter((w) => w.trainable);
  return {
    layers: infos,
    params,
    trainableParams: trainable.reduce((a, w) => a + product(w.shape), 0),
    error: problem,
    trainable,
    state: ordered.filter((w) => !w.trainable),
  };
}
