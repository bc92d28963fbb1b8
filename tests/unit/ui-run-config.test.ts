import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { scheduleFor } from '../../src/recipe/schedule';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { lrAt } from '../../src/train/schedule/schedulers';

const SPE = 10;

/** A run with `schedule` at lr 0.1 over `epochs`, and its learning rate at each optimizer step. */
function run(schedule: RunConfig['schedule'], epochs = 6, lr = 0.1) {
  const config = RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, lr, epochs, schedule });
  const s = scheduleFor(config, SPE);
  const parsed = parseSchedulerConfig(typeof s === 'number' ? { type: 'constant', lr: s } : s);
  return (step: number) => lrAt(parsed, step);
}

describe('RunConfigSchema', () => {
  it('accepts_the_default_config_unchanged', () => {
    expect(RunConfigSchema.parse(DEFAULT_RUN_CONFIG)).toEqual(DEFAULT_RUN_CONFIG);
  });

  it('fills_preset_defaults_left_out', () => {
    const c = RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, model: { type: 'cnn' }, optimizer: { type: 'sgd' } });
    expect(c.model).toEqual({ type: 'cnn', filters: [32, 64], dense: 128 });
    expect(c.optimizer).toMatchObject({ type: 'sgd', momentum: 0, nesterov: false });
  });

  it('reads_config_files_written_before_datasets_were_a_choice', () => {
    const { dataset: _, ...rest } = DEFAULT_RUN_CONFIG;
    const old = { ...rest, dataset: 'mnist', samples: 800 };
    expect(RunConfigSchema.parse(old)).toEqual({ ...DEFAULT_RUN_CONFIG, dataset: { type: 'mnist', samples: 800 } });
  });

  it('reads_config_files_written_before_the_non_finite_choice_as_stop', () => {
    const { onNonFinite: _, ...old } = DEFAULT_RUN_CONFIG;
    expect(RunConfigSchema.parse(old).onNonFinite).toBe('stop');
    expect(RunConfigSchema.parse({ ...old, onNonFinite: 'warn' }).onNonFinite).toBe('warn');
    expect(RunConfigSchema.safeParse({ ...old, onNonFinite: 'ignore' }).success).toBe(false);
  });

  it('rejects_unknown_keys', () => {
    expect(RunConfigSchema.safeParse({ ...DEFAULT_RUN_CONFIG, lerningRate: 0.1 }).success).toBe(false);
  });

  it('rejects_out_of_range_values_with_readable_messages', () => {
    const messages = (over: object) => RunConfigSchema.safeParse({ ...DEFAULT_RUN_CONFIG, ...over }).error?.issues.map((i) => i.message);
    expect(messages({ dataset: { type: 'mnist', samples: 10 } })).toEqual(['use at least 20 samples']);
    expect(messages({ dataset: { type: 'images', source: 'x.zip', size: 4, channels: 1, fit: 'crop' } })).toEqual(['at least 8 pixels']);
    expect(messages({ validFraction: 0.9 })).toEqual(['hold out at most 50%']);
    expect(messages({ lr: 50 })).toEqual(['a learning rate above 10 will diverge']);
    expect(messages({ batchSize: 0 })).toEqual(['the batch size must be ≥ 1']);
    expect(messages({ backend: 'metal' })).toHaveLength(1);
    expect(messages({ schedule: { type: 'step', stepEpochs: 2, gamma: 1.5 } })).toHaveLength(1);
  });
});

describe('the rules between fields', () => {
  const issues = (over: object) =>
    RunConfigSchema.safeParse({ ...DEFAULT_RUN_CONFIG, ...over }).error?.issues.map((i) => ({ path: i.path, message: i.message }));

  it('lets_a_cnn_train_on_wasm', () => {
    // Kiln's own convolution-gradient kernels stand in for tfjs-wasm's missing Conv2DBackpropFilter.
    expect(issues({ model: { type: 'cnn' }, backend: 'wasm' })).toBeUndefined();
  });

  it('refuses_a_cnn_on_a_table_on_the_model_field', () => {
    const table = { type: 'table', file: 'cars.csv', label: 'mpg', task: 'regression', missing: 'drop', encoding: 'utf-8' };
    expect(issues({ model: { type: 'cnn' }, dataset: table })).toEqual([{ path: ['model'], message: expect.stringMatching(/^the small CNN needs images/) }]);
    expect(issues({ model: { type: 'cnn' }, dataset: { type: 'iris' } })?.map((i) => i.path)).toEqual([['model']]);
    expect(issues({ model: { type: 'cnn' }, dataset: { type: 'images', source: 'pets.zip', size: 32, channels: 3, fit: 'crop' } })).toBeUndefined();
  });

  it('reports_a_broken_rule_beside_problems_in_other_fields', () => {
    expect(issues({ model: { type: 'cnn' }, dataset: { type: 'iris' }, lr: 50 })?.map((i) => i.path[0])).toEqual(['lr', 'model']);
  });
});

describe('scheduleFor', () => {
  it('gives_a_constant_rate_as_a_bare_number', () => {
    const config = RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, lr: 0.05 });
    expect(scheduleFor(config, SPE)).toBe(0.05);
  });

  it('halves_the_rate_every_two_epochs_for_a_step_schedule', () => {
    const lr = run({ type: 'step', stepEpochs: 2, gamma: 0.5 });
    expect(lr(0)).toBeCloseTo(0.1, 12);
    expect(lr(2 * SPE - 1)).toBeCloseTo(0.1, 12);
    expect(lr(2 * SPE)).toBeCloseTo(0.05, 12);
    expect(lr(4 * SPE)).toBeCloseTo(0.025, 12);
  });

  it('applies_exponential_gamma_once_per_epoch', () => {
    const lr = run({ type: 'exponential', gamma: 0.5 });
    expect(lr(SPE)).toBeCloseTo(0.05, 12);
    expect(lr(3 * SPE)).toBeCloseTo(0.0125, 12);
    // Within an epoch it decays smoothly rather than in one jump.
    expect(lr(SPE / 2)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
  });

  it('takes_the_cosine_down_to_min_lr_over_the_whole_run', () => {
    const lr = run({ type: 'cosine', minLr: 0.01 });
    const total = 6 * SPE;
    expect(lr(0)).toBeCloseTo(0.1, 12);
    expect(lr(total / 2)).toBeCloseTo(0.055, 12);
    expect(lr(total)).toBeCloseTo(0.01, 12);
    // The last optimizer step (index total - 1) is within 0.1% of the range of minLr.
    expect((lr(total - 1) - 0.01) / (0.1 - 0.01)).toBeLessThan(0.001);
  });

  it('never_raises_the_rate_when_min_lr_exceeds_lr', () => {
    const lr = run({ type: 'cosine', minLr: 1 });
    for (const step of [0, 7, 30, 59]) expect(lr(step)).toBeCloseTo(0.1, 12);
  });

  it('peaks_at_the_end_of_warmup_and_reaches_min_lr_at_the_end', () => {
    const lr = run({ type: 'warmup-cosine', warmupEpochs: 1, minLr: 0.001 });
    const total = 6 * SPE;
    expect(lr(0)).toBeLessThan(lr(SPE / 2));
    expect(lr(SPE / 2)).toBeLessThan(lr(SPE - 1));
    expect(lr(SPE)).toBeCloseTo(0.1, 12);
    for (let s = 0; s <= total; s++) expect(lr(s)).toBeLessThanOrEqual(0.1 + 1e-15);
    expect(lr(SPE + 1)).toBeLessThan(0.1);
    expect(lr(total)).toBeCloseTo(0.001, 12);
    expect((lr(total - 1) - 0.001) / (0.1 - 0.001)).toBeLessThan(0.001);
  });

  it('cuts_a_warmup_longer_than_the_run_one_step_short', () => {
    const lr = run({ type: 'warmup-cosine', warmupEpochs: 5, minLr: 0 }, 2);
    // Warm-up is cut one step short of the run so a cosine part remains.
    expect(lr(2 * SPE - 1)).toBeCloseTo(0.1, 12);
    expect(lr(2 * SPE)).toBeCloseTo(0, 12);
  });
});
