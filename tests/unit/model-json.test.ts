import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/train/model/build';
import { importModelJson } from '../../src/train/model/import';
import { inferLayers } from '../../src/train/model/infer';
import { loadImportedWeights } from '../../src/train/model/initial';
import { parseModelJson } from '../../src/train/model/model-json';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A model as `model.save` writes it: model.json's text and its one weights file. */
async function saved(model: tf.LayersModel): Promise<{ json: string; bin: Uint8Array }> {
  let out: { json: string; bin: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const json = { modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
      out = { json: JSON.stringify(json), bin: new Uint8Array(a.weightData as ArrayBuffer) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** A Sequential convnet of tfjs's own layer names, its batch-norm statistics moved off their defaults. */
function sequentialNet(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, useBias: false }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  const bn = m.layers[1]!;
  bn.setWeights(bn.getWeights().map((w, i) => tf.fill(w.shape, 0.5 + i * 0.25)));
  return m;
}

/** A functional residual network: conv → bn → leaky relu, added to a 1×1 projection, then GAP and a head. */
function residualNet(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 2] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'swish' }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
  const act = tf.layers.leakyReLU({ alpha: 0.1 }).apply(bn) as tf.SymbolicTensor;
  const proj = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([act, proj]) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3 }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The two models' inference outputs on the same items. */
function outputs(a: tf.LayersModel, b: tf.LayersModel, shape: number[]): [number[], number[]] {
  const x = tf.randomNormal([3, ...shape], 0, 1, 'float32', 11);
  const [ya, yb] = [a, b].map((m) => m.predict(x) as tf.Tensor);
  const result: [number[], number[]] = [Array.from(ya!.dataSync()), Array.from(yb!.dataSync())];
  tf.dispose([x, ya!, yb!]);
  return result;
}

describe('model.json import', () => {
  it('reads_a_sequential_model_with_its_weights_and_predicts_as_the_original', async () => {
    const original = sequentialNet();
    const { json, bin } = await saved(original);
    const data = { inputShape: [6, 6, 1], outputs: 4 };
    const imported = importModelJson(json, 'model.json', (p) => (p === 'group1-shard1of1.bin' ? bin : undefined), data, 'classification');
    expect(imported.config.layers.map((l) => l.type)).toEqual(['Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense']);
    expect(imported.config.layers.some((l) => l.inputs)).toBe(false);
    expect(imported.config.initial).toEqual({ source: 'model.json' });
    expect(imported.info.error).toBeNull();
    const names = original.layers.filter((l) => l.weights.length).map((l) => l.name);
    expect(imported.loaded).toEqual(names);
    const model = buildModel(imported.config.layers, data, 4, 'classification');
    loadImportedWeights(model, imported.info, imported.weights!);
    const [want, got] = outputs(original, model, [6, 6, 1]);
    expect(got).toEqual(want);
    original.dispose();
    model.dispose();
  });

  it('reads_a_functional_model_with_a_residual_add_as_a_layer_list_with_inputs', async () => {
    const original = residualNet();
    const { json, bin } = await saved(original);
    const data = { inputShape: [5, 5, 2], outputs: 3 };
    const imported = importModelJson(json, 'model.json', () => bin, data);
    const add = imported.config.layers.find((l) => l.type === 'Add')!;
    expect(add.inputs).toHaveLength(2);
    expect(imported.config.layers.find((l) => l.type === 'Activation')).toMatchObject({ activation: 'leakyRelu', alpha: expect.closeTo(0.1, 6) });
    const model = buildModel(imported.config.layers, data, 4);
    expect(model.getClassName()).toBe('Model');
    const match = loadImportedWeights(model, imported.info, imported.weights!);
    expect(match.fresh).toEqual([]);
    const [want, got] = outputs(original, model, [5, 5, 2]);
    expect(got).toEqual(want);
    original.dispose();
    model.dispose();
  });

  it('without_its_weights_file_takes_the_topology_and_starts_from_seeded_weights', async () => {
    const { json } = await saved(residualNet());
    const imported = importModelJson(json, 'model.json', () => undefined, { inputShape: [5, 5, 2], outputs: 3 });
    expect(imported.weights).toBeNull();
    expect(imported.config.initial).toBeUndefined();
    expect(imported.loaded).toEqual([]);
  });

  it('keeps_the_weights_that_fit_when_the_head_is_resized_and_says_why_the_head_starts_fresh', async () => {
    const original = sequentialNet();
    const { json, bin } = await saved(original);
    const data = { inputShape: [6, 6, 1], outputs: 7 };
    const imported = importModelJson(json, 'model.json', () => bin, data);
    const head = original.layers[original.layers.length - 1]!.name;
    // The output is the user's to fix in the editor: it is marked, not refused.
    expect(imported.info.error).toBe("the model's output is [4], the dataset needs [7] (7 classes): make the last Dense 7 units");
    const layers = imported.config.layers.map((l) => (l.type === 'Dense' ? { ...l, units: 7 } : l));
    const model = buildModel(layers, data, 1);
    const match = loadImportedWeights(model, inferLayers(layers, data), imported.weights!);
    expect(match.fresh).toEqual([{ layer: head, reason: `'${head}/kernel' is [12,4] in the file, [12,7] here` }]);
    expect(match.loaded).toHaveLength(2);
    original.dispose();
    model.dispose();
  });

  it('refuses_a_model_whose_input_is_not_the_datasets_naming_both_shapes', async () => {
    const { json } = await saved(residualNet());
    expect(() => importModelJson(json, 'net/model.json', () => undefined, { inputShape: [28, 28, 1], outputs: 3 })).toThrow(
      "net/model.json: the model takes items of [5, 5, 2]; the dataset's are [28, 28, 1]",
    );
  });

  it('names_a_layer_it_cannot_train_and_the_setting_it_cannot_keep', async () => {
    const m = tf.sequential({
      layers: [tf.layers.conv2dTranspose({ inputShape: [4, 4, 1], filters: 2, kernelSize: 2, name: 'up' }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    const { json } = await saved(m);
    expect(() => importModelJson(json, 'model.json', () => undefined, { inputShape: [4, 4, 1], outputs: 2 })).toThrow(
      /^model\.json: layer 'up' \(Conv2DTranspose\): Conv2DTranspose layers cannot be trained here \(Kiln trains Conv2D, /,
    );
    const regularized = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'd', kernelRegularizer: tf.regularizers.l2() })] });
    const { json: regularizedJson } = await saved(regularized);
    expect(() => importModelJson(regularizedJson, 'model.json', () => undefined, { inputShape: [3], outputs: 2 })).toThrow(
      /^model\.json: layer 'd' \(Dense\): kernel_regularizer .* is not supported \(Kiln trains without regularizers\)/,
    );
    m.dispose();
    regularized.dispose();
  });

  it('names_a_weights_file_that_is_missing_when_others_are_given', async () => {
    const { json, bin } = await saved(residualNet());
    const twoShards = JSON.parse(json);
    twoShards.weightsManifest[0].paths = ['a.bin', 'b.bin'];
    expect(() =>
      importModelJson(JSON.stringify(twoShards), 'model.json', (p) => (p === 'a.bin' ? bin : undefined), { inputShape: [5, 5, 2], outputs: 3 }),
    ).toThrow("model.json: its weights file 'b.bin' is missing (give it with model.json, or give model.json alone to start from fresh weights)");
  });

  it('dequantizes_uint8_and_float16_weights', () => {
    const json = {
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, use_bias: true, batch_input_shape: [null, 1] } }] },
      },
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'd/kernel', shape: [1, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
            { name: 'd/bias:0', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
          ],
        },
      ],
    };
    const bin = new Uint8Array([0, 4, 0x00, 0x3c, 0x00, 0xc0]); // 0, 4 → -1, 1; half 1.0 and -2.0
    const imported = importModelJson(JSON.stringify(json), 'model.json', () => bin, { inputShape: [1], outputs: 2 });
    expect(imported.weights!.map((w) => [w.name, Array.from(w.data)])).toEqual([
      ['d/kernel', [-1, 1]],
      ['d/bias', [1, -2]],
    ]);
    expect(imported.loaded).toEqual(['d']);
  });

  it('reads_keras_2_and_keras_3_functional_configs_as_tensorflowjs_converter_writes_them', () => {
    const keras2 = {
      modelTopology: {
        keras_version: '2.15.0',
        model_config: {
          class_name: 'Functional',
          config: {
            layers: [
              { name: 'input_1', class_name: 'InputLayer', config: { batch_input_shape: [null, 4] }, inbound_nodes: [] },
              { name: 'dense', class_name: 'Dense', config: { units: 4, activation: 'gelu', use_bias: true }, inbound_nodes: [[['input_1', 0, 0, {}]]] },
              {
                name: 'add',
                class_name: 'Add',
                config: {},
                inbound_nodes: [
                  [
                    ['dense', 0, 0, {}],
                    ['input_1', 0, 0, {}],
                  ],
                ],
              },
              { name: 'out', class_name: 'Dense', config: { units: 2, activation: 'softmax' }, inbound_nodes: [[['add', 0, 0, {}]]] },
            ],
            input_layers: [['input_1', 0, 0]],
            output_layers: [['out', 0, 0]],
          },
        },
      },
    };
    const tensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], keras_history: [name, 0, 0] } });
    const keras3 = {
      modelTopology: {
        class_name: 'Functional',
        config: {
          layers: [
            { name: 'input_layer', class_name: 'InputLayer', config: { batch_shape: [null, 4] }, inbound_nodes: [] },
            { name: 'dense', class_name: 'Dense', config: { units: 4, activation: 'silu' }, inbound_nodes: [{ args: [tensor('input_layer')], kwargs: {} }] },
            { name: 'add', class_name: 'Add', config: {}, inbound_nodes: [{ args: [[tensor('dense'), tensor('input_layer')]], kwargs: {} }] },
            { name: 'out', class_name: 'Dense', config: { units: 2, activation: 'softmax' }, inbound_nodes: [{ args: [tensor('add')], kwargs: {} }] },
          ],
          input_layers: ['input_layer', 0, 0],
          output_layers: ['out', 0, 0],
        },
      },
    };
    const [a, b] = [keras2, keras3].map((j) => parseModelJson(j, 'model.json'));
    expect(a!.inputShape).toEqual([4]);
    expect(a!.layers.map((l) => [l.name, l.type, l.inputs ?? null])).toEqual([
      ['dense', 'Dense', null],
      ['add', 'Add', ['dense', 'input']],
      ['out', 'Dense', null],
    ]);
    expect(b!.layers.map((l) => [l.name, l.inputs ?? null, 'activation' in l ? l.activation : null])).toEqual([
      ['dense', null, 'swish'],
      ['add', ['dense', 'input'], null],
      ['out', null, 'softmax'],
    ]);
    expect(b!.inputShape).toEqual([4]);
  });
});
