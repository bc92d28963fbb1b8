import type { ModelConfig } from './config';
import type { ModelShape } from './presets';

/** A trainable weight's name (as tfjs names it) and shape. */
export interface ParamShape {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * The trainable weights `createModel(config, shape)` would build, in its order, without building
 * it: an imported checkpoint is checked against these before any memory goes to a model.
 */
export function paramShapes(config: ModelConfig, shape: ModelShape): ParamShape[] {
  const out: ParamShape[] = [];
  const dense = (name: string, inputs: number, units: number) =>
    out.push({ name: `${name}/kernel`, shape: [inputs, units] }, { name: `${name}/bias`, shape: [units] });
  let features = shape.inputShape.reduce((a, b) => a * b, 1);
  if (config.type === 'cnn') {
    if (shape.inputShape.length !== 3) throw new Error(`cnn needs images [height, width, channels], the data has items of shape [${shape.inputShape}]`);
    const [height, width, channels] = shape.inputShape;
    const [f1, f2] = config.filters;
    out.push({ name: 'conv1/kernel', shape: [3, 3, channels, f1] }, { name: 'conv1/bias', shape: [f1] });
    out.push({ name: 'conv2/kernel', shape: [3, 3, f1, f2] }, { name: 'conv2/bias', shape: [f2] });
    // Two 'same' convolutions, each followed by a 2×2 pool (valid padding: sizes halve, rounding down).
    features = Math.floor(Math.floor(height / 2) / 2) * Math.floor(Math.floor(width / 2) / 2) * f2;
    dense('dense1', features, config.dense);
    features = config.dense;
  } else if (config.type === 'mlp') {
    config.hidden.forEach((units, i) => {
      dense(`dense${i + 1}`, features, units);
      features = units;
    });
  }
  dense('output', features, shape.outputs);
  return out;
}
