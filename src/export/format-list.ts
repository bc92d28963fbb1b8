/** What the CLI and the studio know of a model export format before its writer loads. */
export interface ModelFormatInfo {
  /** What the studio's menu says. */
  readonly label: string;
  /** The model's file name for formats that are one file (the files that go with it sit beside it); the others are a folder. */
  readonly file?: string;
}

const FORMATS = {
  tfjs: { label: 'TensorFlow.js (model.json, weights.bin)' },
  onnx: { label: 'ONNX (model.onnx)', file: 'model.onnx' },
  burn: { label: 'Burn (model.rs, model.mpk.gz)' },
} satisfies Record<string, ModelFormatInfo>;

/** A model export format's name. */
export type ModelFormatName = keyof typeof FORMATS;

/**
 * The model export formats, in the studio menu's order: the CLI's `--format` and the studio's
 * "Export model" menu. Light (no TensorFlow.js): flags are checked and menus drawn without it;
 * the writers are in ./formats.
 */
export const MODEL_FORMATS: { readonly [F in ModelFormatName]: ModelFormatInfo } = FORMATS;

/** Every format's name, for flags and the protocol. */
export const MODEL_FORMAT_NAMES = Object.keys(FORMATS) as [ModelFormatName, ...ModelFormatName[]];

/** The model's file name of a one-file format; undefined for a folder's. */
export const modelFile = (format: ModelFormatName): string | undefined => MODEL_FORMATS[format].file;
