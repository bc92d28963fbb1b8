import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../src/train/model/config';
import { layersParams } from '../../src/train/model/layers';
import { paramShapes } from '../../src/train/model/params';
import { createModel } from '../../src/train/model/build';
import type { ModelShape } from '../../src/train/model/infer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('param shapes', () => {
  it('names_and_shapes_every_weight_createModel_builds_without_building_it', () => {
    const cases: [unknown, ModelShape][] = [
      [{ type: 'logistic' }, { inputShape: [4], outputs: 3 }],
      [
        { type: 'mlp', hidden: [16, 8], dropout: 0.2 },
        { inputShape: [28, 28, 1], outputs: 10 },
      ],
      [{ type: 'mlp' }, { inputShape: [7], outputs: 1 }],
      [
        { type: 'cnn', filters: [4, 6], dense: 12 },
        { inputShape: [15, 13, 3], outputs: 5 },
      ],
    ];
    for (const [input, shape] of cases) {
      const config = ModelConfigSchema.parse(input);
      const model = createModel(config, shape);
      const built = layersParams(model).map((p) => ({ name: p.name, shape: p.variable.shape }));
      model.dispose();
      expect(
        paramShapes(config, shape).trainable.map(({ name, shape }) => ({ name, shape })),
        JSON.stringify(input),
      ).toEqual(built);
    }
  });
});
