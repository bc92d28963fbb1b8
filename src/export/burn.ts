import type * as tf from '@tensorflow/tfjs';
import { burnModelRecord, packTensor } from '../train/checkpoint/index';
import { burnLayoutOf } from '../train/model/burn-layout';
import type { OptimizerConfig } from '../train/optim/config';
import { toTensorRecord } from '../train/tensor-record';
import type { ExportFile } from './base';
import { f64, modelRs } from './burn-rust';

/** Rust's keywords, which a field cannot be named. */
const KEYWORDS = new Set(
  'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do final macro override priv try typeof unsized virtual yield'.split(
    ' ',
  ),
);

/** A field name for each layer: its own where Rust allows it, else made one (`conv-a.1` → `conv_a_1`), unique. */
function fieldNames(model: tf.LayersModel): Map<string, string> {
  const taken = new Set<string>();
  return new Map(
    model.layers.map((l) => {
      let name = l.name.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
      if (!/^[a-z_]/.test(name) || KEYWORDS.has(name)) name = `layer_${name}`;
      while (taken.has(name)) name += '_';
      taken.add(name);
      return [l.name, name];
    }),
  );
}

/** The Burn optimizer config that trains as the run's optimizer did, in Rust. */
function burnOptimizer(o: OptimizerConfig): string {
  const decay = (wd: number) => (wd > 0 ? `.with_weight_decay(Some(WeightDecayConfig::new(${f64(wd)})))` : '');
  const clipping = o.gradClipping
    ? `(Some(GradientClippingConfig::${o.gradClipping.type === 'norm' ? `Norm(${f64(o.gradClipping.maxNorm)})` : `Value(${f64(o.gradClipping.maxValue)})`}))`
    : '';
  const clip = clipping && `.with_grad_clipping${clipping}`;
  switch (o.type) {
    case 'adam':
      return `AdamConfig::new().with_beta_1(${f64(o.beta1)}).with_beta_2(${f64(o.beta2)}).with_epsilon(${f64(o.epsilon)})${decay(o.weightDecay)}${clip}`;
    case 'adamw':
      return `AdamWConfig::new().with_beta_1(${f64(o.beta1)}).with_beta_2(${f64(o.beta2)}).with_epsilon(${f64(o.epsilon)}).with_weight_decay(${f64(o.weightDecay)})${clip}`;
    case 'sgd': {
      const momentum = `MomentumConfig { momentum: ${f64(o.momentum)}, dampening: ${f64(o.dampening)}, nesterov: ${o.nesterov} }`;
      return `SgdConfig::new()${o.momentum > 0 ? `.with_momentum(Some(${momentum}))` : ''}${decay(o.weightDecay)}${clipping && `.with_gradient_clipping${clipping}`}`;
    }
    case 'rmsprop':
      return `RmsPropConfig::new().with_alpha(${f64(o.rho)}).with_epsilon(${f64(o.epsilon)}).with_centered(${o.centered}).with_momentum(${f64(o.momentum)})${decay(o.weightDecay)}${clip}`;
  }
}

/** How a run trained, for the README's notes on training on in Burn. */
export interface TrainingNotes {
  readonly optimizer: OptimizerConfig;
  readonly lr: number;
  readonly gradAccumulation: number;
}

/** README.md: the three lines that load the model, and what a Burn user must know. */
function readme(name: string, epoch: number, training: TrainingNotes | undefined, images: boolean, renamed: string[]): string {
  return `# ${name}, epoch ${epoch}: the model for Burn 0.19–0.21

- \`model.rs\`: \`Model\` (\`#[derive(Module)]\`), \`ModelConfig\` with \`init\`, and \`forward\`.
- \`model.mpk.gz\`: its trained weights, as \`NamedMpkGzFileRecorder<FullPrecisionSettings>\` writes them.

## Load it

\`\`\`rust
let recorder = NamedMpkGzFileRecorder::<FullPrecisionSettings>::new();
let record = recorder.load("model".into(), &device).expect("model.mpk.gz loads");
let model = ModelConfig::new().init::<B>(&device).load_record(record);
\`\`\`

with \`mod model; use model::ModelConfig;\` and \`use burn::{module::Module, record::{FullPrecisionSettings,
NamedMpkGzFileRecorder, Recorder}};\`. The recorder adds \`.mpk.gz\` to the path itself: name the file
without it. Then \`model.forward(input)\`.

## What differs from Kiln

- **Input**: ${
    images
      ? "images are channels-first, `[batch, channels, height, width]`, as Burn's Conv2d takes them; Kiln (TensorFlow.js) takes `[batch, height, width, channels]`: `input.permute([0, 3, 1, 2])` turns one into the other. The weights were rearranged for it (Conv2d `[out, in, kh, kw]`; the first Linear after the flatten reads channel-first features), so both give the same outputs. Pixels are in [0, 1], as Kiln read them."
      : "rows of `[batch, features]`: the features as Kiln made them from the table (columns in order, one-hot categories, standardized with the training split's statistics: `dataset/dataset.json` of the run holds the preprocessing)."
  }
- **Output**: logits (the last layer is linear): \`burn::tensor::activation::softmax(logits, 1)\` gives the
  class probabilities. A regression's outputs are standardized targets: times the label's std, plus its mean.
- **Training on in Burn**: Burn's optimizer defaults differ from Kiln's (Adam's epsilon 1e-5, Kiln's 1e-8;
  AdamW's weight decay 1e-4, Kiln's 0.01; RMSprop's alpha 0.99, epsilon 1e-5 and momentum 0.9, Kiln's
  rho 0.9, epsilon 1e-8 and momentum 0).${
    training
      ? ` This run trained with ${JSON.stringify(training.optimizer)} at lr ${training.lr}; the same optimizer in Burn:\n  \`${burnOptimizer(training.optimizer)}\`.`
      : ''
  }
- **Gradient accumulation**${training ? ` (this run: ${training.gradAccumulation})` : ''}: Kiln averages the accumulated gradients
  (weighted by batch size); Burn's \`GradientsAccumulator\` sums them: divide the learning rate by the
  number of accumulated batches to match.
- **Dropout** acts in Burn only on an autodiff backend (training); **batch normalization**'s momentum is
  \`1 − momentum\` of TensorFlow.js's (Burn's weighs the new batch, TensorFlow.js's the running value).
- The run's checkpoints (\`checkpoint/model-N.mpk.gz\`, \`optim-N\`, \`scheduler-N\`) are Burn's records too,
  with Kiln's training state in an extra key Burn skips.${
    renamed.length ? `\n- Layers renamed to Rust field names (the record uses these names): ${renamed.join(', ')}.` : ''
  }
`;
}

/**
 * The Burn export of a trained model: \`model.rs\`, the model record \`model.mpk.gz\` (its item keyed
 * by the struct's field names) and \`README.md\`. `model` holds the checkpoint's weights.
 */
export async function burnExport(model: tf.LayersModel, run: { name: string; epoch: number; training?: TrainingNotes }): Promise<ExportFile[]> {
  const fields = fieldNames(model);
  const layout = burnLayoutOf(model);
  const renamed = {
    modules: layout.modules.map((m) => ({ ...m, name: fields.get(m.name)!, params: m.params.map((p) => ({ ...p, module: fields.get(p.module)! })) })),
  };
  const weights = await Promise.all(model.weights.map(async (w) => packTensor(await toTensorRecord(w.originalName, w.read()))));
  const outputs = model.outputs[0].shape.at(-1)!;
  const images = model.inputs[0].shape.length === 4;
  const text = new TextEncoder();
  const changed = [...fields].filter(([a, b]) => a !== b).map(([a, b]) => `${a} → ${b}`);
  return [
    { path: 'model.rs', data: text.encode(modelRs(model, fields, outputs)) },
    { path: 'model.mpk.gz', data: burnModelRecord(renamed, weights) },
    { path: 'README.md', data: text.encode(readme(run.name, run.epoch, run.training, images, changed)) },
  ];
}
