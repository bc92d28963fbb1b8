import type { ImageShape } from '../data/images/base';
import type { FeaturePreprocessing } from '../data/table/types';
import type { LoadedModel } from '../infer/load';

/** The version of `metadata.json` this code writes (docs/FORMATS.md). */
export const METADATA_VERSION = 1;

/** How raw inputs become the model's input tensor. */
export type InputPreprocessing =
  | ({
      readonly kind: 'image';
      /** Pixels: RGB / 255 per channel, or for one channel (299 R + 587 G + 114 B) / 255000; HWC order. */
      readonly pixels: 'rgb/255' | 'luma601/255';
    } & ImageShape)
  | {
      readonly kind: 'table';
      /** Feature columns in input order: a numeric one is one input, a categorical one one input per category. */
      readonly columns: readonly FeaturePreprocessing[];
      /** The label column (not an input). */
      readonly label: string;
    };

/** What the exported model outputs. */
export type OutputDescription =
  | { readonly kind: 'probabilities'; readonly softmaxIncluded: true; readonly classNames: readonly string[] }
  | { readonly kind: 'regression'; readonly label?: string; readonly unitsIncluded: true; readonly mean: number; readonly std: number };

/** `metadata.json`: everything needed to use an exported model without Kiln. */
export interface ModelMetadata {
  readonly format: 'kiln.model-metadata';
  readonly version: typeof METADATA_VERSION;
  readonly source: { readonly run: string; readonly checkpoint: number; readonly exportedAt: string };
  readonly task: 'classification' | 'regression';
  readonly classNames?: readonly string[];
  readonly input: {
    readonly shape: readonly (number | null)[];
    readonly dtype: 'float32';
    /** The input's name, in formats that name it (ONNX). */
    readonly name?: string;
    /**
     * (ONNX, tables) The input holds one raw value per column of `preprocessing.columns`; the model
     * fills, standardizes and one-hot encodes them itself.
     */
    readonly rawColumns?: true;
  };
  readonly preprocessing: InputPreprocessing;
  readonly output: OutputDescription;
  readonly usage: string;
}

/** How to make a model's inputs, by preprocessing kind, for the `usage` text. */
export const USAGE = {
  image: `Decode the image, fit it to size × size ('crop': the centred square, resized; 'pad': resized to fit, centred on black), composite over black, then write HWC float32 values (gray: (299 R + 587 G + 114 B) / 255000; RGB: each channel / 255).`,
  table: `Per row, in the order of preprocessing.columns: a numeric column gives (value − mean) / std (value − mean when std is 0), a missing value taking fill first; a categorical column gives one input per category, 1 for the row's category and 0 elsewhere (a missing value counts as fill, an unseen one is all zeros).`,
};

/** The metadata of `loaded` exported from the run named `run`. */
export function modelMetadata(loaded: LoadedModel, run: string, exportedAt: string): ModelMetadata {
  const { input, output } = loaded;
  const preprocessing: InputPreprocessing =
    input.kind === 'image'
      ? { kind: 'image', ...input.image, pixels: input.image.channels === 1 ? 'luma601/255' : 'rgb/255' }
      : { kind: 'table', columns: input.preprocessing.features, label: input.preprocessing.label.name };
  const out: OutputDescription =
    output.task === 'classification'
      ? { kind: 'probabilities', softmaxIncluded: true, classNames: output.classNames }
      : { kind: 'regression', ...(output.label ? { label: output.label } : {}), unitsIncluded: true, mean: output.mean, std: output.scale };
  const shape = [null, ...loaded.inputShape];
  const result =
    output.task === 'classification'
      ? `probs.arraySync() has one row per input of ${output.classNames.length} probabilities (summing to 1) in the order of classNames.`
      : `the output is in the label's units (the training standardization is undone inside the model).`;
  const usage = [
    `const model = await tf.loadLayersModel('model.json'); // TensorFlow.js`,
    `const probs = model.predict(tf.tensor(inputs, [n, ${loaded.inputShape.join(', ')}])); // float32 inputs, ${shape.length - 1} dims each`,
    `Inputs: ${USAGE[preprocessing.kind]}`,
    `Output: ${result}`,
  ].join('\n');
  return {
    format: 'kiln.model-metadata',
    version: METADATA_VERSION,
    source: { run, checkpoint: loaded.epoch, exportedAt },
    task: output.task,
    ...(output.task === 'classification' ? { classNames: output.classNames } : {}),
    input: { shape, dtype: 'float32' },
    preprocessing,
    output: out,
    usage,
  };
}
