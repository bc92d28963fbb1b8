import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';

/** Input shape of one item and number of outputs (classes, or regression targets). */
export interface ModelShape {
  readonly inputShape: readonly number[];
  readonly outputs: number;
}

/** Glorot-uniform initializer seeded per layer, so the same seed builds the same weights. */
function init(seed: number, layer: number): ReturnType<typeof tf.initializers.glorotUniform> {
  // tfjs treats seed 0 as "unseeded", hence the + 1.
  return tf.initializers.glorotUniform({ seed: seed * 1000 + layer + 1 });
}

/** Builds a preset's LayersModel; the last layer is linear (logits) and named `output`. */
export function createModel(config: ModelConfig, shape: ModelShape, seed = 0): tf.LayersModel {
  const inputShape = [...shape.inputShape];
  const model = tf.sequential();
  let layer = 0;
  // Rows of features (tables) need no flatten: the first layer takes the input shape itself.
  let input: { inputShape?: number[] } = inputShape.length === 1 && config.type !== 'cnn' ? { inputShape } : {};
  const dense = (units: number, activation: string, name: string) => {
    const first = input;
    input = {};
    return tf.layers.dense({ units, activation: activation as 'relu', name, kernelInitializer: init(seed, layer++), ...first });
  };
  if (config.type === 'cnn') {
    if (inputShape.length !== 3) throw new Error(`cnn needs images [height, width, channels], the data has items of shape [${inputShape}]`);
    const [f1, f2] = config.filters;
    model.add(
      tf.layers.conv2d({ inputShape, filters: f1, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: init(seed, layer++) }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
    model.add(tf.layers.conv2d({ filters: f2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', kernelInitializer: init(seed, layer++) }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
    model.add(tf.layers.flatten({ name: 'flatten' }));
    model.add(dense(config.dense, 'relu', 'dense1'));
  } else {
    if (inputShape.length !== 1) model.add(tf.layers.flatten({ inputShape, name: 'flatten' }));
    if (config.type === 'mlp') {
      config.hidden.forEach((units, i) => {
        model.add(dense(units, config.activation, `dense${i + 1}`));
        if (config.dropout > 0) model.add(tf.layers.dropout({ rate: config.dropout, name: `dropout${i + 1}` }));
      });
    }
  }
  model.add(dense(shape.outputs, 'linear', 'output'));
  return model;
}
