import { ACTIVATIONS, type ActivationName, INPUT, type LayerSpec, LayerSpecSchema, LAYER_TYPES } from './layer-spec';

/**
 * Reads a TensorFlow.js layers `model.json` (as `model.save` and `tensorflowjs_converter` write
 * it, Keras 2 and Keras 3 configs alike) into a layer list, without tfjs: Sequential models and
 * functional ones (a DAG of single-input layers and Add). Errors name the file and the layer.
 */

/** A model.json's topology as a layer list, the item shape it takes, and its weights manifest. */
export interface ParsedModelJson {
  readonly layers: LayerSpec[];
  /** Per item (no batch axis); null where the model leaves a size open. */
  readonly inputShape: readonly (number | null)[];
  /** Absent: the file has no weights manifest (topology only). */
  readonly manifest?: readonly ManifestGroup[];
}

/** One group of a weights manifest: the files (shards) its weights fill, in order. */
export interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly ManifestEntry[];
}

/** A weight as the manifest describes it. */
export interface ManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keras' and tfjs's activation names as Kiln names them. */
const ACTIVATION_NAMES: Readonly<Record<string, ActivationName>> = {
  ...Object.fromEntries(ACTIVATIONS.map((a) => [a, a])),
  leaky_relu: 'leakyRelu',
  silu: 'swish',
};

/** The Keras layer classes Kiln reads (an InputLayer is the model's input; LeakyReLU, ReLU and Softmax become Activation layers). */
const SUPPORTED = [...LAYER_TYPES, 'InputLayer', 'LeakyReLU', 'ReLU', 'Softmax'];

/** The pair Keras writes for a size or stride ([a, b], or one number). */
const pair = (v: unknown): number | [number, number] | undefined =>
  typeof v === 'number' ? v : Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number') ? [v[0], v[1]] : v == null ? undefined : (v as never);

/** The settings of one Keras layer as a Kiln layer spec, to validate; throws naming the setting Kiln cannot train. */
function toSpec(className: string, c: Json, name: string, fail: (problem: string) => Error): Json {
  const unsupported = (setting: string, value: unknown, why: string) => fail(`${setting} ${JSON.stringify(value)} is not supported (${why})`);
  for (const key of [
    'kernel_regularizer',
    'bias_regularizer',
    'activity_regularizer',
    'depthwise_regularizer',
    'pointwise_regularizer',
    'gamma_regularizer',
    'beta_regularizer',
  ])
    if (c[key] != null) throw unsupported(key, c[key], 'Kiln trains without regularizers');
  if (c.data_format != null && c.data_format !== 'channels_last') throw unsupported('data_format', c.data_format, 'images are channels-last');
  for (const key of ['dilation_rate']) if (c[key] != null && [c[key]].flat().some((d) => d !== 1)) throw unsupported(key, c[key], 'no dilated convolutions');
  if (c.groups != null && c.groups !== 1) throw unsupported('groups', c.groups, 'no grouped convolutions');
  const activation = (key = 'activation'): ActivationName => {
    const raw = c[key] ?? 'linear';
    const named = typeof raw === 'string' ? ACTIVATION_NAMES[raw] : undefined;
    if (!named) throw unsupported(key, raw, `Kiln's activations are ${ACTIVATIONS.join(', ')}`);
    return named;
  };
  const window = () => ({ kernelSize: pair(c.kernel_size), strides: pair(c.strides), padding: c.padding, useBias: c.use_bias, activation: activation() });
  const pool = () => ({ poolSize: pair(c.pool_size), strides: pair(c.strides), padding: c.padding });
  const base = { name };
  switch (className) {
    case 'Conv2D':
      return { ...base, type: 'Conv2D', filters: c.filters, ...window() };
    case 'DepthwiseConv2D':
      return { ...base, type: 'DepthwiseConv2D', depthMultiplier: c.depth_multiplier, ...window() };
    case 'SeparableConv2D':
      return { ...base, type: 'SeparableConv2D', filters: c.filters, depthMultiplier: c.depth_multiplier, ...window() };
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { ...base, type: className, ...pool() };
    case 'GlobalAveragePooling2D':
      if (c.keepdims) throw unsupported('keepdims', c.keepdims, 'global pooling gives flat items');
      return { ...base, type: className };
    case 'BatchNormalization': {
      const axis = [c.axis ?? -1].flat();
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) throw unsupported('axis', c.axis, 'BatchNormalization normalizes the last axis');
      if (c.center === false || c.scale === false)
        throw unsupported(c.center === false ? 'center' : 'scale', false, 'BatchNormalization has its beta and gamma');
      return { ...base, type: 'BatchNormalization', momentum: c.momentum, epsilon: c.epsilon };
    }
    case 'Dense':
      return { ...base, type: 'Dense', units: c.units, activation: activation(), useBias: c.use_bias };
    case 'Dropout':
      if (c.noise_shape != null) throw unsupported('noise_shape', c.noise_shape, 'dropout is per value');
      return { ...base, type: 'Dropout', rate: c.rate };
    case 'Flatten':
    case 'Add':
      return { ...base, type: className };
    case 'Activation':
      return { ...base, type: 'Activation', activation: activation() };
    case 'LeakyReLU':
      return { ...base, type: 'Activation', activation: 'leakyRelu', alpha: (c.negative_slope ?? c.alpha ?? 0.3) as number };
    case 'Softmax':
      if (c.axis != null && c.axis !== -1) throw unsupported('axis', c.axis, 'softmax over the last axis');
      return { ...base, type: 'Activation', activation: 'softmax' };
    case 'ReLU': {
      const max = c.max_value ?? null;
      if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0 || (max !== null && max !== 6))
        throw unsupported('ReLU settings', { max_value: max, negative_slope: c.negative_slope, threshold: c.threshold }, 'relu and relu6 are');
      return { ...base, type: 'Activation', activation: max === 6 ? 'relu6' : 'relu' };
    }
  }
  throw fail(`${className} layers cannot be trained here (Kiln trains ${SUPPORTED.filter((s) => s !== 'InputLayer').join(', ')})`);
}

/** The layer names a Keras inbound node reads: Keras 2's `[[name, node, tensor, kwargs], …]`, or Keras 3's `{args: [keras tensors]}`. */
function inboundNames(node: unknown): { name: string; node: number }[] {
  if (Array.isArray(node)) return node.map((entry) => ({ name: String((entry as unknown[])[0]), node: Number((entry as unknown[])[1] ?? 0) }));
  const found: { name: string; node: number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      const history = isObject(v.config) ? v.config.keras_history : undefined;
      if (v.class_name === '__keras_tensor__' && Array.isArray(history)) found.push({ name: String(history[0]), node: Number(history[1] ?? 0) });
      else Object.values(v).forEach(walk);
    }
  };
  walk(isObject(node) ? node.args : node);
  return found;
}

/** `[[name, 0, 0]]` (Keras 2) or `[name, 0, 0]` (Keras 3, one tensor): the layer names. */
function endpointNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return typeof v[0] === 'string' ? [v[0]] : v.map((e) => String((e as unknown[])[0]));
}

/** The item shape a layer config declares (`batch_input_shape`, Keras 3's `batch_shape`), without the batch axis. */
function declaredShape(c: Json): (number | null)[] | undefined {
  const shape = c.batch_input_shape ?? c.batch_shape;
  return Array.isArray(shape) ? (shape.slice(1) as (number | null)[]) : undefined;
}

/**
 * Parses a model.json's text (or parsed JSON) into a layer list and its item shape. `file` names
 * the file in errors. Refuses, naming the layer: layers and settings Kiln cannot train, shared
 * layers, several inputs or outputs, nested models.
 */
export function parseModelJson(json: unknown, file: string): ParsedModelJson {
  const fail = (problem: string) => new Error(`${file}: ${problem}`);
  const root = isObject(json) ? json : undefined;
  let topology = root?.modelTopology;
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology)) throw fail('no modelTopology: not a TensorFlow.js layers model (a graph model from tensorflowjs_converter cannot be trained)');
  const className = String(topology.class_name);
  const config = topology.config;
  const entries = (Array.isArray(config) ? config : isObject(config) ? config.layers : undefined) as unknown[] | undefined;
  if (!Array.isArray(entries) || !entries.every(isObject)) throw fail(`its ${className} topology has no list of layers`);
  const layerFail = (name: string, kind: string) => (problem: string) => fail(`layer '${name}' (${kind}): ${problem}`);
  const nameOf = (e: Json) => String(e.name ?? (isObject(e.config) ? e.config.name : '') ?? '');
  let inputShape: (number | null)[] | undefined;
  const layers: LayerSpec[] = [];
  if (className === 'Sequential') {
    entries.forEach((e) => {
      const c = isObject(e.config) ? e.config : {};
      const name = nameOf(e);
      inputShape ??= declaredShape(c);
      if (e.class_name === 'InputLayer') return;
      layers.push(validated({ ...toSpec(String(e.class_name), c, name, layerFail(name, String(e.class_name))) }, layerFail(name, String(e.class_name))));
    });
  } else if (className === 'Model' || className === 'Functional') {
    const graph = config as Json;
    const inputs = endpointNames(graph.input_layers);
    const outputs = endpointNames(graph.output_layers);
    if (inputs.length !== 1 || outputs.length !== 1)
      throw fail(`the model has ${inputs.length} inputs and ${outputs.length} outputs; Kiln trains models with one of each`);
    const byName = new Map(entries.map((e) => [nameOf(e), e]));
    // Only what the output depends on, in the file's order (Keras writes layers inputs first).
    const needed = new Set<string>();
    const visit = (name: string) => {
      if (needed.has(name)) return;
      const e = byName.get(name);
      if (!e) throw fail(`a layer reads '${name}', which the file does not define`);
      needed.add(name);
      const nodes = (e.inbound_nodes ?? []) as unknown[];
      if (nodes.length > 1) throw layerFail(name, String(e.class_name))('a layer used more than once (shared weights) cannot be trained here');
      for (const n of inboundNames(nodes[0])) visit(n.name);
    };
    visit(outputs[0]!);
    const written: string[] = [];
    for (const e of entries) {
      const name = nameOf(e);
      if (!needed.has(name)) continue;
      const kind = String(e.class_name);
      const c = isObject(e.config) ? e.config : {};
      if (kind === 'InputLayer') {
        if (name !== inputs[0]) throw fail(`input layer '${name}' is not the model's input`);
        inputShape = declaredShape(c);
        written.push(name);
        continue;
      }
      if (kind === 'Sequential' || kind === 'Model' || kind === 'Functional')
        throw layerFail(name, kind)('a model inside the model cannot be trained here: save it flat (its layers in the outer model)');
      const reads = inboundNames(((e.inbound_nodes ?? []) as unknown[])[0]).map((n) => (n.name === inputs[0] ? INPUT : n.name));
      const late = reads.find((r) => r !== INPUT && !written.includes(r));
      if (late) throw layerFail(name, kind)(`it reads '${late}', which the file lists after it`);
      const previous = written.length ? written[written.length - 1]! : INPUT;
      const after = previous === inputs[0] ? INPUT : previous;
      const spec = toSpec(kind, c, name, layerFail(name, kind));
      // A layer that reads the one before it needs no `inputs`: a chain rebuilds as a Sequential.
      const chained = kind !== 'Add' && reads.length === 1 && reads[0] === after;
      layers.push(validated(chained ? spec : { ...spec, inputs: reads }, layerFail(name, kind)));
      written.push(name);
    }
    if (written[written.length - 1] !== outputs[0]) throw fail(`the output layer '${outputs[0]}' is not the last layer the file lists`);
  } else {
    throw fail(`a ${className} topology cannot be read (Sequential and functional models can)`);
  }
  if (!layers.length) throw fail('the model has no layers');
  if (!inputShape) throw fail('the model does not say the shape of its input (batch_input_shape)');
  const manifest = root?.weightsManifest;
  return { layers, inputShape, ...(Array.isArray(manifest) ? { manifest: manifest as ManifestGroup[] } : {}) };
}

/** A spec checked against the layer-list schema; its problem named as the layer's. */
function validated(spec: object, fail: (problem: string) => Error): LayerSpec {
  // Keras writes null for "the default" (strides of a pool): the schema's defaults apply.
  const present = Object.fromEntries(Object.entries(spec).filter(([, v]) => v != null));
  const parsed = LayerSpecSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw fail(`${issue.path.join('.') || 'settings'}: ${issue.message}`);
}
