import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { FIELDS, formFromConfig, parseForm, visibleFields, type FormValues } from '../../src/ui/config/form';

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
