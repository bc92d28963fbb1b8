import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import type { DatasetCard } from '../../src/data/card';
import { presetLayers } from '../../src/train/model/presets';
import { FIELDS, formFromConfig, modelDataOf, parseForm, visibleFields, type FormValues } from '../../src/ui/config/form';
import { draftsOf, newDraft, readDrafts, specOf } from '../../src/ui/model/drafts';

const form = (over: Partial<FormValues> = {}): FormValues => ({ ...formFromConfig(), ...over });

/** Parses a form that must be rejected and returns its messages. */
function rejected(over: Partial<FormValues>) {
  const r = parseForm(form(over));
  expect(r.config).toBeNull();
  return r.errors;
}

describe('formFromConfig', () => {
  it('fills_every_field_from_the_defaults', () => {
    const v = formFromConfig();
    expect(Object.keys(v).sort()).toEqual([...FIELDS].sort());
    expect(v).toMatchObject({
      samples: '10000',
      validFraction: '0.2',
      model: 'mlp',
      hidden: '128',
      optimizer: 'adam',
      lr: '0.001',
      beta1: '0.9',
      beta2: '0.999',
      schedule: 'constant',
      epochs: '5',
      batchSize: '64',
      backend: 'auto',
      clipNorm: '',
    });
  });

  it('shows_a_saved_runs_choices', () => {
    const saved: RunConfig = RunConfigSchema.parse({
      ...DEFAULT_RUN_CONFIG,
      model: { type: 'cnn', filters: [16, 48], dense: 96 },
      optimizer: { type: 'sgd', momentum: 0.8, nesterov: true, gradClipping: { type: 'norm', maxNorm: 2.5 } },
      schedule: { type: 'step', stepEpochs: 3, gamma: 0.25 },
      backend: 'webgl',
    });
    expect(formFromConfig(saved)).toMatchObject({
      model: 'cnn',
      filters1: '16',
      filters2: '48',
      dense: '96',
      optimizer: 'sgd',
      momentum: '0.8',
      nesterov: 'true',
      clipNorm: '2.5',
      schedule: 'step',
      stepEpochs: '3',
      gamma: '0.25',
      backend: 'webgl',
    });
  });

  it('round_trips_a_saved_config_through_the_form', () => {
    const saved = RunConfigSchema.parse({
      ...DEFAULT_RUN_CONFIG,
      dataset: { type: 'mnist', samples: 500 },
      model: { type: 'mlp', hidden: [256, 64], activation: 'tanh', dropout: 0.1 },
      optimizer: { type: 'rmsprop', rho: 0.95, momentum: 0.5, weightDecay: 1e-4 },
      schedule: { type: 'warmup-cosine', warmupEpochs: 0.5, minLr: 1e-5 },
      onNonFinite: 'warn',
    });
    expect(formFromConfig(saved).onNonFinite).toBe('warn');
    expect(parseForm(formFromConfig(saved))).toEqual({ config: saved, errors: {} });
  });

  it('round_trips_dropped_table_and_image_datasets', () => {
    const table = RunConfigSchema.parse({
      ...DEFAULT_RUN_CONFIG,
      dataset: { type: 'table', file: 'cars.csv', label: 'mpg', task: 'regression', missing: 'fill', encoding: 'latin1' },
    });
    expect(parseForm(formFromConfig(table))).toEqual({ config: table, errors: {} });
    const images = RunConfigSchema.parse({
      ...DEFAULT_RUN_CONFIG,
      dataset: { type: 'images', source: 'pets.zip', size: 32, channels: 3, fit: 'pad' },
      model: { type: 'cnn' },
    });
    expect(parseForm(formFromConfig(images))).toEqual({ config: images, errors: {} });
  });

  it('asks_for_a_file_and_a_label_and_refuses_a_cnn_on_a_table', () => {
    const v = { ...formFromConfig(), dataset: 'table', source: '', label: '', model: 'cnn' };
    const { config, errors } = parseForm(v);
    expect(config).toBeNull();
    expect(errors.dataset).toBe('drop a file or folder, or pick one');
    expect(errors.label).toBe('pick the column to predict');
    expect(errors.model).toMatch(/the small CNN needs images/);
  });
});

describe('visibleFields', () => {
  it('shows_only_the_chosen_presets_fields', () => {
    const shown = visibleFields(form({ model: 'cnn', optimizer: 'sgd', schedule: 'exponential' }));
    for (const f of ['filters1', 'filters2', 'dense', 'momentum', 'nesterov', 'gamma'] as const) expect(shown.has(f)).toBe(true);
    for (const f of ['hidden', 'dropout', 'beta1', 'beta2', 'rho', 'stepEpochs', 'minLr', 'warmupEpochs'] as const) expect(shown.has(f)).toBe(false);
  });

  it('always_shows_the_common_fields', () => {
    const shown = visibleFields(form({ model: 'logistic' }));
    for (const f of ['samples', 'lr', 'epochs', 'batchSize', 'seed', 'backend', 'clipNorm'] as const) expect(shown.has(f)).toBe(true);
    expect(shown.has('hidden')).toBe(false);
  });
});

describe('parseForm', () => {
  it('parses_the_defaults_to_exactly_the_default_config', () => {
    const r = parseForm(formFromConfig());
    expect(r.errors).toEqual({});
    expect(r.config).toEqual(DEFAULT_RUN_CONFIG);
    // What is saved with the run is the same JSON, key for key.
    expect(JSON.stringify(r.config)).toBe(JSON.stringify(DEFAULT_RUN_CONFIG));
  });

  it('says_required_for_an_empty_field', () => {
    expect(rejected({ epochs: '  ' }).epochs).toBe('required');
  });

  it('says_which_text_is_not_a_number', () => {
    expect(rejected({ batchSize: 'abc' }).batchSize).toBe("'abc' is not a number");
  });

  it('rejects_a_zero_learning_rate_on_lr', () => {
    const errors = rejected({ lr: '0' });
    expect(errors.lr).toMatch(/learning rate/);
    expect(Object.keys(errors)).toEqual(['lr']);
  });

  it('rejects_a_non_numeric_layer_size_on_hidden', () => {
    expect(rejected({ hidden: '128, x' }).hidden).toMatch(/whole numbers/);
    expect(rejected({ hidden: '64, 0' }).hidden).toBeDefined();
  });

  it('asks_for_at_least_one_layer_when_hidden_is_empty', () => {
    expect(rejected({ hidden: ' ' }).hidden).toMatch(/at least one layer size/);
  });

  it('rejects_more_samples_than_mnist_has_on_samples', () => {
    expect(rejected({ samples: '20000' }).samples).toMatch(/10,000/);
  });

  it('lets_a_cnn_train_on_wasm', () => {
    expect(parseForm(form({ model: 'cnn', backend: 'wasm' })).config?.backend).toBe('wasm');
  });

  it('rejects_beta1_of_one_on_beta1', () => {
    expect(rejected({ beta1: '1' }).beta1).toMatch(/beta1/);
  });

  it('puts_nested_problems_on_their_own_inputs', () => {
    expect(rejected({ model: 'cnn', filters2: '0' })).toHaveProperty('filters2');
    expect(rejected({ clipNorm: '-1' })).toHaveProperty('clipNorm');
    expect(rejected({ optimizer: 'sgd', momentum: '0', nesterov: 'true' })).toHaveProperty('nesterov');
    expect(rejected({ schedule: 'step', stepEpochs: '1.5' })).toHaveProperty('stepEpochs');
  });

  it('reports_every_bad_field_at_once', () => {
    const errors = rejected({ lr: '', epochs: 'x', samples: '5' });
    expect(Object.keys(errors).sort()).toEqual(['epochs', 'lr', 'samples']);
  });

  it('ignores_bad_values_in_hidden_fields', () => {
    const r = parseForm(form({ optimizer: 'sgd', momentum: '0.9', beta1: '1', beta2: 'junk', model: 'cnn', hidden: 'x', schedule: 'constant', gamma: '' }));
    expect(r.errors).toEqual({});
    expect(r.config?.optimizer).toMatchObject({ type: 'sgd', momentum: 0.9 });
    expect(r.config?.model).toEqual({ type: 'cnn', filters: [32, 64], dense: 128 });
  });

  it('turns_a_clip_norm_into_norm_clipping_and_blank_into_none', () => {
    expect(parseForm(form({ clipNorm: '1.5' })).config?.optimizer.gradClipping).toEqual({ type: 'norm', maxNorm: 1.5 });
    expect(parseForm(form({ clipNorm: '' })).config?.optimizer.gradClipping).toBeUndefined();
  });
});

describe('the layer editor’s form', () => {
  const MNIST = { shape: { inputShape: [28, 28, 1], outputs: 10 }, task: 'classification' as const };
  const list = (layers: object[], initial?: string) =>
    RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, model: { type: 'layers', version: 1, layers, ...(initial ? { initial: { source: initial } } : {}) } });

  it('round_trips_a_layer_list_with_branches_and_imported_weights_through_the_form', () => {
    const saved = list(
      [
        { type: 'Conv2D', name: 'c1', filters: 8, kernelSize: [3, 1], strides: 2, useBias: false, activation: 'leakyRelu' },
        { type: 'BatchNormalization', name: 'bn', momentum: 0.9 },
        { type: 'Conv2D', name: 'c2', filters: 8, activation: 'gelu' },
        { type: 'Add', name: 'sum', inputs: ['c2', 'bn'] },
        { type: 'Activation', name: 'act', activation: 'leakyRelu', alpha: 0.1 },
        { type: 'MaxPooling2D', name: 'pool', poolSize: 2, strides: 1 },
        { type: 'GlobalAveragePooling2D', name: 'gap' },
        { type: 'Dropout', name: 'drop', rate: 0.25 },
        { type: 'Dense', name: 'head', units: 10, activation: 'softmax' },
      ],
      'model.json',
    );
    const v = formFromConfig(saved);
    expect(v.model).toBe('layers');
    expect(v.modelSource).toBe('model.json');
    expect(parseForm(v, MNIST)).toEqual({ config: saved, errors: {} });
  });

  it('names_the_layer_and_setting_that_is_not_a_number_and_refuses_to_start', () => {
    const v = formFromConfig(list([{ type: 'Flatten' }, { type: 'Dense', units: 10 }]));
    const edited = readDrafts(v.layers).map((d) => (d.type === 'Dense' ? { ...d, values: { ...d.values, units: 'ten' } } : d));
    expect(rejected({ ...v, layers: JSON.stringify(edited) }).layers).toBe("dense1: units: 'ten' is not a number");
  });

  it('marks_an_impossible_stack_for_the_dataset_on_layers_and_a_preset_that_does_not_fit_on_model', () => {
    const v = formFromConfig(list([{ type: 'Dense', units: 10 }]));
    expect(parseForm(v).errors).toEqual({}); // without the dataset nothing is known yet
    const r = parseForm(v, MNIST);
    expect(r.config).toBeNull();
    expect(r.errors.layers).toBe('dense1: Dense needs flat items; its input is [28, 28, 1]: add a Flatten or GlobalAveragePooling2D before it');
    const tiny = { shape: { inputShape: [3, 3, 1], outputs: 2 }, task: 'classification' as const };
    expect(parseForm(form({ model: 'cnn' }), tiny).errors.model).toMatch(/^pool2: its 2×2 pooling does not fit the 1×1 input/);
  });

  it('gives_a_new_layer_the_next_free_name_and_the_settings_a_person_expects', () => {
    const drafts = draftsOf(presetLayers({ type: 'cnn', filters: [4, 8], dense: 16 }, MNIST.shape));
    const conv = newDraft('Conv2D', drafts);
    // The preset's conv1, conv2 and dense1 are taken.
    expect(conv).toMatchObject({ type: 'Conv2D', name: 'conv3', values: { filters: '16', kernelSize: '3', padding: 'same', activation: 'relu' } });
    expect(newDraft('Dense', [...drafts, newDraft('Dense', drafts)]).name).toBe('dense3');
    expect(specOf({ ...conv, values: { ...conv.values, kernelSize: '5, 1' } })).toMatchObject({ spec: { kernelSize: [5, 1] } });
  });

  it('learns_the_models_shape_from_the_dataset_card', () => {
    const card = {
      inputShape: [4],
      task: 'classification',
      classes: [
        { name: 'a', count: 1 },
        { name: 'b', count: 1 },
      ],
    } as unknown as DatasetCard;
    expect(modelDataOf(card)).toEqual({ shape: { inputShape: [4], outputs: 2 }, task: 'classification' });
    expect(modelDataOf({ ...card, task: 'regression' } as DatasetCard)).toEqual({ shape: { inputShape: [4], outputs: 1 }, task: 'regression' });
    expect(modelDataOf({ ...card, inputShape: [] } as DatasetCard)).toBeUndefined(); // a table before its label is picked
  });
});
