import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/train/model/build';
import type { ModelConfig, PresetConfig } from '../../src/train/model/config';
import type { ModelShape } from '../../src/train/model/infer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * The presets as Kiln built them before layer lists existed (tf.sequential, Glorot-uniform
 * kernels seeded per weighted layer): stored runs of those presets must resume on the same
 * weights, names and shapes.
 */
function legacyPreset(config: PresetConfig, shape: ModelShape, seed: number): tf.LayersModel {
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + layer + 1 });
  const inputShape = [...shape.inputShape];
  const model = tf.sequential();
  let layer = 0;
  let input: { inputShape?: number[] } = inputShape.length === 1 && config.type !== 'cnn' ? { inputShape } : {};
  const dense = (units: number, activation: string, name: string) => {
    const first = input;
    input = {};
    return tf.layers.dense({ units, activation: activation as 'relu', name, kernelInitializer: init(layer++), ...first });
  };
  if (config.type === 'cnn') {
    const [f1, f2] = config.filters;
    model.add(
      tf.layers.conv2d({ inputShape, filters: f1, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: init(layer++) }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
    model.add(tf.layers.conv2d({ filters: f2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', kernelInitializer: init(layer++) }));
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

/** Every layer's class, name and config, and every weight's name and values. */
function snapshot(model: tf.LayersModel) {
  return {
    layers: model.layers.map((l) => ({ cls: l.getClassName(), config: l.getConfig() })),
    weights: model.weights.map((w) => ({ name: w.originalName, trainable: w.trainable, values: Array.from(w.read().dataSync()) })),
  };
}

describe('model presets', () => {
  it('build_the_same_layers_and_initial_weights_as_before_layer_lists_for_the_same_seed', () => {
    const cases: [PresetConfig, ModelShape][] = [
      [
        { type: 'mlp', hidden: [8, 5], activation: 'tanh', dropout: 0.25 },
        { inputShape: [6, 6, 1], outputs: 4 },
      ],
      [
        { type: 'mlp', hidden: [7], activation: 'selu', dropout: 0 },
        { inputShape: [5], outputs: 3 },
      ],
      [
        { type: 'cnn', filters: [3, 4], dense: 6 },
        { inputShape: [9, 7, 2], outputs: 5 },
      ],
      [{ type: 'logistic' }, { inputShape: [4, 3], outputs: 2 }],
      [{ type: 'logistic' }, { inputShape: [4], outputs: 1 }],
    ];
    for (const [config, shape] of cases) {
      for (const seed of [0, 3]) {
        const legacy = legacyPreset(config, shape, seed);
        const built = createModel(config, shape, seed);
        expect(built.getClassName(), JSON.stringify(config)).toBe('Sequential');
        expect(snapshot(built), `${JSON.stringify(config)} seed ${seed}`).toEqual(snapshot(legacy));
        legacy.dispose();
        built.dispose();
      }
    }
  });

  it('takes_rows_of_features_without_a_flatten_layer', () => {
    const configs: ModelConfig[] = [{ type: 'mlp', hidden: [8], activation: 'relu', dropout: 0 }, { type: 'logistic' }];
    for (const config of configs) {
      const model = createModel(config, { inputShape: [5], outputs: 3 }, 1);
      expect(model.layers.map((l) => l.getClassName())).not.toContain('Flatten');
      const out = model.predict(tf.ones([4, 5])) as tf.Tensor;
      expect(out.shape).toEqual([4, 3]);
      tf.dispose([out]);
      model.dispose();
    }
  });

  it('flattens_images_and_sizes_the_output_to_the_classes', () => {
    const model = createModel({ type: 'mlp', hidden: [8], activation: 'relu', dropout: 0 }, { inputShape: [6, 6, 3], outputs: 7 }, 1);
    expect(model.layers[0].getClassName()).toBe('Flatten');
    expect(model.outputs[0].shape).toEqual([null, 7]);
    model.dispose();
  });

  it('refuses_a_cnn_on_rows_of_features_saying_why', () => {
    expect(() => createModel({ type: 'cnn', filters: [4, 4], dense: 8 }, { inputShape: [5], outputs: 2 })).toThrow(
      /cnn needs images \[height, width, channels\], the data has items of shape \[5\]/,
    );
  });
});
