import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/train/model/config';
import { createModel } from '../../src/train/model/presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model presets adapt to the data', () => {
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
