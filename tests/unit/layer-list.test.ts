import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/train/model/build';
import { inferLayers, type ModelShape } from '../../src/train/model/infer';
import { LayerSpecSchema, type LayerSpec } from '../../src/train/model/layer-spec';
import { weights } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Layers as a person writes them (defaults filled by the schema). */
const list = (...layers: object[]): LayerSpec[] => layers.map((l) => LayerSpecSchema.parse(l));

const MNIST: ModelShape = { inputShape: [28, 28, 1], outputs: 10 };

/** The small convnet: conv → bn → relu → pool → conv → bn → relu → GAP → dense. */
const CONVNET = list(
  { type: 'Conv2D', filters: 8, useBias: false },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'relu' },
  { type: 'MaxPooling2D' },
  { type: 'Conv2D', filters: 16, useBias: false },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'relu' },
  { type: 'GlobalAveragePooling2D' },
  { type: 'Dense', units: 10 },
);

/** A residual network: a stem, a block with an identity shortcut, one with a strided projection shortcut. */
const RESNET = list(
  { type: 'Conv2D', name: 'stem', filters: 4, useBias: false },
  { type: 'BatchNormalization', name: 'stem_bn' },
  { type: 'Activation', name: 'stem_relu', activation: 'relu' },
  { type: 'Conv2D', name: 'a1', filters: 4, useBias: false },
  { type: 'BatchNormalization', name: 'a1_bn' },
  { type: 'Activation', name: 'a1_relu', activation: 'relu' },
  { type: 'Conv2D', name: 'a2', filters: 4, useBias: false },
  { type: 'BatchNormalization', name: 'a2_bn' },
  { type: 'Add', name: 'a_add', inputs: ['a2_bn', 'stem_relu'] },
  { type: 'Activation', name: 'a_relu', activation: 'relu' },
  // Listed before the branch it joins: tfjs orders layers (and weights) deepest first, not as listed.
  { type: 'Conv2D', name: 'b_proj', filters: 6, kernelSize: 1, strides: 2 },
  { type: 'Conv2D', name: 'b1', inputs: ['a_relu'], filters: 6, strides: 2, activation: 'leakyRelu' },
  { type: 'Conv2D', name: 'b2', filters: 6, activation: 'swish' },
  { type: 'Add', name: 'b_add', inputs: ['b2', 'b_proj'] },
  { type: 'GlobalAveragePooling2D', name: 'gap' },
  { type: 'Dense', name: 'head', units: 3 },
);

const CASES: [string, LayerSpec[], ModelShape][] = [
  ['convnet on MNIST', CONVNET, MNIST],
  ['residual network', RESNET, { inputShape: [8, 8, 3], outputs: 3 }],
  [
    'depthwise and separable convolutions',
    list(
      { type: 'DepthwiseConv2D', kernelSize: [3, 2], depthMultiplier: 2, padding: 'valid', activation: 'relu6' },
      { type: 'SeparableConv2D', filters: 5, strides: [2, 1], activation: 'elu' },
      { type: 'AveragePooling2D', poolSize: 2, strides: 1, padding: 'same' },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.3 },
      { type: 'Dense', units: 4, activation: 'softmax', useBias: false },
    ),
    { inputShape: [9, 7, 2], outputs: 4 },
  ],
  [
    'an MLP on rows of features',
    list(
      { type: 'Dense', units: 6, activation: 'gelu' },
      { type: 'BatchNormalization', momentum: 0.9 },
      { type: 'Activation', activation: 'leakyRelu', alpha: 0.1 },
      { type: 'Dense', units: 5, activation: 'tanh' },
      { type: 'Dense', units: 2, activation: 'sigmoid' },
    ),
    { inputShape: [7], outputs: 2 },
  ],
];

describe('layer lists', () => {
  it('infer_every_layers_output_shape_and_parameters_as_tfjs_builds_them', () => {
    for (const [what, layers, shape] of CASES) {
      const info = inferLayers(layers, shape);
      expect(info.error, what).toBeNull();
      const model = buildModel(layers, shape, 1);
      for (const l of info.layers) {
        const built = model.getLayer(l.name);
        expect(l.params, `${what}: ${l.name}`).toBe(built.countParams());
        // A leakyRelu activation adds a LeakyReLU layer after the layer: the shape is the same.
        expect(l.outputShape, `${what}: ${l.name}`).toEqual((built.outputShape as number[]).slice(1));
      }
      expect(info.params, what).toBe(model.countParams());
      const named = (ws: tf.LayerVariable[]) => ws.map((w) => ({ name: w.originalName, shape: w.shape }));
      expect(
        info.trainable.map(({ name, shape }) => ({ name, shape })),
        what,
      ).toEqual(named(model.trainableWeights));
      expect(
        info.state.map(({ name, shape }) => ({ name, shape })),
        what,
      ).toEqual(named(model.nonTrainableWeights));
      expect(info.trainableParams, what).toBe(model.trainableWeights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * d!, 1), 0));
      model.dispose();
    }
  });

  it('builds_a_sequential_model_without_inputs_and_a_functional_one_with_them', () => {
    const sequential = buildModel(CONVNET, MNIST);
    const functional = buildModel(RESNET, { inputShape: [8, 8, 3], outputs: 3 });
    expect(sequential.getClassName()).toBe('Sequential');
    expect(functional.getClassName()).toBe('Model');
    expect(functional.getLayer('b1_leaky').getClassName()).toBe('LeakyReLU');
    const out = functional.predict(tf.ones([2, 8, 8, 3])) as tf.Tensor;
    expect(out.shape).toEqual([2, 3]);
    tf.dispose([out]);
    sequential.dispose();
    functional.dispose();
  });

  it('initializes_the_same_weights_for_the_same_seed_and_others_for_another', () => {
    const shape = { inputShape: [8, 8, 3], outputs: 3 };
    const [a, b, c] = [1, 1, 2].map((seed) => buildModel(RESNET, shape, seed));
    expect(weights(a)).toEqual(weights(b));
    expect(weights(a)).not.toEqual(weights(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('serializes_to_a_model_json_that_tfjs_reads_back_with_every_activation', async () => {
    const shape = { inputShape: [8, 8, 3], outputs: 3 };
    const model = buildModel(RESNET, shape, 1);
    const json = model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'];
    const back = await tf.models.modelFromJSON({ modelTopology: json });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 5);
    back.setWeights(model.getWeights());
    const [y1, y2] = [model, back].map((m) => m.predict(x) as tf.Tensor);
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    tf.dispose([x, y1, y2]);
    model.dispose();
    back.dispose();
  });

  it('names_the_layer_and_the_reason_of_an_impossible_stack', () => {
    const reason = (layers: object[], shape: ModelShape = MNIST) => inferLayers(list(...layers), shape).error;
    expect(reason([{ type: 'Dense', units: 10 }])).toBe(
      'dense1: Dense needs flat items; its input is [28, 28, 1]: add a Flatten or GlobalAveragePooling2D before it',
    );
    const pools = Array.from({ length: 5 }, () => ({ type: 'MaxPooling2D' }));
    expect(reason([...pools, { type: 'Flatten' }, { type: 'Dense', units: 10 }])).toBe(
      'maxpool5: its 2×2 pooling does not fit the 1×1 input with valid padding (use same padding, a smaller window or fewer poolings before it)',
    );
    expect(
      reason([{ type: 'Conv2D', filters: 2, kernelSize: 5, padding: 'valid' }, { type: 'Flatten' }, { type: 'Dense', units: 3 }], {
        inputShape: [4, 4, 1],
        outputs: 3,
      }),
    ).toMatch(/^conv1: its 5×5 kernel does not fit the 4×4 input/);
    expect(reason([{ type: 'Conv2D', filters: 2 }], { inputShape: [5], outputs: 2 })).toBe(
      'conv1: Conv2D needs images [height, width, channels]; its input is [5]',
    );
    expect(
      reason([
        { type: 'Conv2D', name: 'c', filters: 2 },
        { type: 'MaxPooling2D', name: 'p' },
        { type: 'Add', inputs: ['c', 'p'] },
        { type: 'Flatten' },
        { type: 'Dense', units: 10 },
      ]),
    ).toBe('add1: Add needs inputs of one shape; they are [28, 28, 2] and [14, 14, 2]');
    expect(reason([{ type: 'Flatten' }, { type: 'Dense', units: 5 }])).toBe(
      "the model's output is [5], the dataset needs [10] (10 classes): make the last Dense 10 units",
    );
    expect(reason([{ type: 'Conv2D', filters: 10 }])).toBe("the model's output is [28, 28, 10], the dataset needs [10] (10 classes): end with a Dense layer");
    expect(
      reason([
        { type: 'Flatten', inputs: ['dense1'] },
        { type: 'Dense', units: 10 },
      ]),
    ).toBe("flatten1: it reads 'dense1', which is not a layer above it");
    expect(
      reason([
        { type: 'Flatten', name: 'f' },
        { type: 'Flatten', name: 'f' },
        { type: 'Dense', units: 10 },
      ]),
    ).toBe("f: the name 'f' is taken by an earlier layer");
    expect(
      reason([
        { type: 'Flatten', name: 'f' },
        { type: 'Dense', units: 4 },
        { type: 'Dense', units: 10, inputs: ['f'] },
      ]),
    ).toBe('dense1: nothing reads its output: only the last layer is the output (use it in an Add, or remove it)');
    expect(reason([])).toBe('add at least one layer');
  });

  it('marks_the_layers_after_an_impossible_one_as_unknown_and_keeps_the_first_reason', () => {
    const info = inferLayers(list({ type: 'Dense', units: 4 }, { type: 'Dense', units: 10 }), MNIST);
    expect(info.layers.map((l) => [l.outputShape, Boolean(l.error)])).toEqual([
      [null, true],
      [null, false],
    ]);
    expect(info.error).toMatch(/^dense1: /);
    expect(() => buildModel(list({ type: 'Dense', units: 4 }), MNIST)).toThrow(/^dense1: Dense needs flat items/);
  });

  it('accepts_one_sigmoid_output_for_two_classes_but_not_for_two_regression_targets', () => {
    const layers = list({ type: 'Dense', units: 1, activation: 'sigmoid' });
    expect(inferLayers(layers, { inputShape: [3], outputs: 2 }, 'classification').error).toBeNull();
    expect(inferLayers(layers, { inputShape: [3], outputs: 2 }, 'regression').error).toBe(
      "the model's output is [1], the dataset needs [2] (2 targets): make the last Dense 2 units",
    );
  });
});
