import type * as tf from '@tensorflow/tfjs';

/** One field of the generated model struct, and how `init` builds it. */
interface Field {
  readonly name: string;
  readonly type: string;
  readonly init: string;
}

/** What the generator knows of a layer as it walks the model: its tfjs config and the tensor's rank before it. */
interface Step {
  readonly layer: tf.layers.Layer;
  readonly config: { [key: string]: unknown };
  /** Its field's name in the struct (and the record). */
  readonly field: string;
  /** Burn's rank of the tensor the layer gets: 4 for images [batch, channels, height, width], 2 for rows. */
  readonly rank: number;
  /** The model's last layer, whose width is the config's `num_outputs`. */
  readonly last: boolean;
}

/** A layer's contribution: a struct field (if it is a module), the lines of `forward`, the rank after it. */
interface Emitted {
  readonly field?: Field;
  readonly forward: string[];
  readonly rank: number;
}

/** A model Kiln cannot write as Burn code; the message names the layer. */
export class BurnExportError extends Error {}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);
/** A number as a Rust float literal. */
export const f64 = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));
const arr = ([a, b]: [number, number]) => `[${a}, ${b}]`;

/** Rust helpers for activations Burn 0.19 lacks (elu and selu arrived in 0.21). */
const HELPERS: { readonly [name: string]: string } = {
  elu: `/// ELU with alpha 1, as TensorFlow.js's \`elu\`.
fn elu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let negative = x.clone().lower_elem(0.0);
    x.clone().mask_where(negative, x.exp().sub_scalar(1.0))
}`,
  selu: `/// SELU, as TensorFlow.js's \`selu\`.
fn selu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let negative = x.clone().lower_elem(0.0);
    let elu = x.clone().mask_where(negative, x.exp().sub_scalar(1.0).mul_scalar(1.6732632423543772));
    elu.mul_scalar(1.0507009873554805)
}`,
};

/** `forward`'s line for a tfjs activation; `helpers` collects the functions it needs. */
function activation(name: string, layer: string, helpers: Set<string>, alpha?: number): string[] {
  switch (name) {
    case 'linear':
      return [];
    case 'relu':
    case 'tanh':
    case 'sigmoid':
    case 'gelu':
      return [`let x = activation::${name}(x);`];
    case 'swish':
      return ['let x = activation::silu(x);'];
    case 'softmax':
      // TensorFlow.js's last axis: the features of rows, the channels of images (Burn's dim 1 for both).
      return ['let x = activation::softmax(x, 1);'];
    case 'relu6':
      return ['let x = x.clamp(0.0, 6.0);'];
    case 'leakyrelu':
    case 'leakyRelu':
      return [`let x = activation::leaky_relu(x, ${f64(alpha ?? 0.2)});`];
    case 'elu':
    case 'selu':
      helpers.add(name);
      return [`let x = ${name}(x);`];
  }
  throw new BurnExportError(`${layer}: activation '${name}' has no Burn counterpart in this export`);
}

/** A convolution's or pooling's Burn padding, or an error where Burn's padding differs from TensorFlow.js's. */
function padding(s: Step, window: [number, number], strides: [number, number]): string | null {
  if (s.config.padding === 'valid') return null;
  // Burn pads 'same' symmetrically for an output as large as the input: TensorFlow.js's only at stride 1 and odd windows.
  if (strides.every((v) => v === 1) && window.every((v) => v % 2 === 1)) return 'PaddingConfig2d::Same';
  throw new BurnExportError(`${s.layer.name}: 'same' padding with a ${window.join('×')} window and stride ${strides.join('×')} has no Burn equivalent`);
}

/** The Burn code of each layer kind Kiln trains. */
const LAYERS: { readonly [type: string]: (s: Step, helpers: Set<string>) => Emitted } = {
  InputLayer: (s) => ({ forward: [], rank: s.rank }),
  Conv2D: (s, helpers) => {
    const c = s.config;
    const kernel = pair(c.kernelSize);
    const strides = pair(c.strides);
    if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) throw new BurnExportError(`${s.layer.name}: dilated convolutions are not exported`);
    const input = (s.layer.input as tf.SymbolicTensor).shape;
    let init = `Conv2dConfig::new([${input[3]}, ${c.filters}], ${arr(kernel)})`;
    if (strides.some((v) => v !== 1)) init += `.with_stride(${arr(strides)})`;
    const pad = padding(s, kernel, strides);
    if (pad) init += `.with_padding(${pad})`;
    if (c.useBias === false) init += '.with_bias(false)';
    const field = { name: s.field, type: 'Conv2d<B>', init: `${init}.init(device)` };
    return { field, forward: [`let x = self.${s.field}.forward(x);`, ...activation(String(c.activation), s.layer.name, helpers)], rank: 4 };
  },
  MaxPooling2D: (s) => pool(s, 'MaxPool2d'),
  AveragePooling2D: (s) => pool(s, 'AvgPool2d'),
  Flatten: (s) => ({ forward: s.rank === 2 ? [] : [`let x = x.flatten::<2>(1, ${s.rank - 1});`], rank: 2 }),
  Dense: (s, helpers) => {
    if (s.rank !== 2) throw new BurnExportError(`${s.layer.name}: a Dense layer on an image (without a Flatten before it) is not exported`);
    const c = s.config;
    const input = (s.layer.input as tf.SymbolicTensor).shape;
    const units = s.last ? 'self.num_outputs' : c.units;
    const init = `LinearConfig::new(${input[input.length - 1]}, ${units})${c.useBias === false ? '.with_bias(false)' : ''}.init(device)`;
    return {
      field: { name: s.field, type: 'Linear<B>', init },
      forward: [`let x = self.${s.field}.forward(x);`, ...activation(String(c.activation), s.layer.name, helpers)],
      rank: 2,
    };
  },
  Dropout: (s) => ({
    field: { name: s.field, type: 'Dropout', init: `DropoutConfig::new(self.${s.field}_prob).init()` },
    forward: [`let x = self.${s.field}.forward(x);`],
    rank: s.rank,
  }),
  BatchNormalization: (s) => {
    const c = s.config;
    if (c.axis !== -1 && c.axis !== (s.layer.input as tf.SymbolicTensor).shape.length - 1)
      throw new BurnExportError(`${s.layer.name}: only batch normalization over channels is exported`);
    const input = (s.layer.input as tf.SymbolicTensor).shape;
    // TensorFlow.js's momentum keeps that much of the running statistics; Burn's takes that much of the batch's.
    const init = `BatchNormConfig::new(${input[input.length - 1]}).with_epsilon(${f64(Number(c.epsilon))}).with_momentum(${f64(1 - Number(c.momentum))}).init(device)`;
    return { field: { name: s.field, type: 'BatchNorm<B>', init }, forward: [`let x = self.${s.field}.forward(x);`], rank: s.rank };
  },
  Activation: (s, helpers) => ({ forward: activation(String(s.config.activation), s.layer.name, helpers), rank: s.rank }),
  LeakyReLU: (s, helpers) => ({ forward: activation('leakyRelu', s.layer.name, helpers, Number(s.config.alpha)), rank: s.rank }),
  ReLU: (s, helpers) => ({ forward: activation('relu', s.layer.name, helpers), rank: s.rank }),
};

function pool(s: Step, kind: 'MaxPool2d' | 'AvgPool2d'): Emitted {
  const window = pair(s.config.poolSize);
  const strides = pair(s.config.strides ?? s.config.poolSize);
  if (s.config.padding !== 'valid') throw new BurnExportError(`${s.layer.name}: pooling with 'same' padding is not exported`);
  const init = `${kind}Config::new(${arr(window)})${strides.some((v, i) => v !== window[i]) ? `.with_strides(${arr(strides)})` : ''}.init()`;
  return { field: { name: s.field, type: kind, init }, forward: [`let x = self.${s.field}.forward(x);`], rank: 4 };
}

/**
 * `model.rs` for a layers model: the `Model` struct (one field per layer that is a Burn module,
 * named by `fields`), its `ModelConfig` and `init`, and `forward` as TensorFlow.js computes it,
 * on channels-first images. Throws a BurnExportError naming the first layer Burn cannot express.
 */
export function modelRs(model: tf.LayersModel, fields: ReadonlyMap<string, string>, outputs: number): string {
  const rank0 = model.inputs[0].shape.length;
  if (rank0 !== 2 && rank0 !== 4) throw new BurnExportError(`inputs of shape [${model.inputs[0].shape.slice(1)}] are not exported: rows or images only`);
  const helpers = new Set<string>();
  const emitted: Emitted[] = [];
  let rank = rank0;
  model.layers.forEach((layer, i) => {
    const write = LAYERS[layer.getClassName()];
    if (!write) throw new BurnExportError(`${layer.name}: a ${layer.getClassName()} layer has no Burn counterpart in this export`);
    const config = layer.getConfig() as { [key: string]: unknown };
    const e = write({ layer, config, field: fields.get(layer.name) ?? layer.name, rank, last: i === model.layers.length - 1 }, helpers);
    emitted.push(e);
    rank = e.rank;
  });
  if (rank !== 2) throw new BurnExportError(`the model's output is an image, not rows: it is not exported`);
  const structFields = emitted.flatMap((e) => (e.field ? [e.field] : []));
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
  const config = [
    '    /// Outputs of the last layer (classes, or regression targets).',
    `    #[config(default = ${outputs})]`,
    '    pub num_outputs: usize,',
    ...dropouts.flatMap((l) => [
      `    /// Dropout probability of \`${fields.get(l.name)}\`.`,
      `    #[config(default = ${f64(Number(l.getConfig().rate))})]`,
      `    pub ${fields.get(l.name)}_prob: f64,`,
    ]),
  ];
  const inputDoc = rank0 === 4 ? '[batch, channels, height, width]' : '[batch, features]';
  const uses = [
    'use burn::nn::{',
    '    conv::{Conv2d, Conv2dConfig},',
    '    pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d, MaxPool2dConfig},',
    '    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,',
    '};',
    'use burn::prelude::*;',
    'use burn::tensor::activation;',
  ];
  return [
    '// Generated by Kiln: the model a run trained, for Burn 0.19–0.21. Load its weights with',
    '// NamedMpkGzFileRecorder<FullPrecisionSettings> (see README.md).',
    '#![allow(unused_imports)]',
    '',
    ...uses,
    '',
    "/// The trained model; its fields are the record's item keys (the run's layer names).",
    '#[derive(Module, Debug)]',
    'pub struct Model<B: Backend> {',
    ...structFields.map((f) => `    pub ${f.name}: ${f.type},`),
    '}',
    '',
    "/// The model's settings; `ModelConfig::new().init(&device)` builds it (weights from its record: README.md).",
    '#[derive(Config, Debug)]',
    'pub struct ModelConfig {',
    ...config,
    '}',
    '',
    'impl ModelConfig {',
    '    /// The model with fresh weights; `load_record` gives it the trained ones.',
    '    pub fn init<B: Backend>(&self, device: &B::Device) -> Model<B> {',
    '        Model {',
    ...structFields.map((f) => `            ${f.name}: ${f.init},`),
    '        }',
    '    }',
    '}',
    '',
    'impl<B: Backend> Model<B> {',
    `    /// Outputs (logits for classification: the last layer is linear) of inputs ${inputDoc}.`,
    `    pub fn forward(&self, input: Tensor<B, ${rank0}>) -> Tensor<B, 2> {`,
    '        let x = input;',
    ...emitted.flatMap((e) => e.forward).map((l) => `        ${l}`),
    '        x',
    '    }',
    '}',
    ...[...helpers].flatMap((h) => ['', HELPERS[h]]),
    '',
  ].join('\n');
}
