import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/protocol/run-config';
import { checkpointsLine } from '../../src/ui/components/format';
import { defaultRunName } from '../../src/ui/runs/name';

const config = (over: Partial<RunConfig> = {}): RunConfig => ({ ...DEFAULT_RUN_CONFIG, ...over });
const table: RunConfig['dataset'] = { type: 'table', file: 'cars.csv', label: 'mpg', task: 'regression', missing: 'drop', encoding: 'utf-8' };

describe('default run names', () => {
  it('say_the_data_the_model_and_the_optimizer', () => {
    expect(defaultRunName(config(), [])).toBe('MNIST · MLP 128 relu · adam 0.001');
    expect(defaultRunName(config({ dataset: { type: 'mnist', samples: 2000 } }), [])).toBe('MNIST 2,000 · MLP 128 relu · adam 0.001');
    expect(defaultRunName(config({ dataset: { type: 'iris' }, model: { type: 'logistic' } }), [])).toBe(
      'iris.csv → species · Logistic regression · adam 0.001',
    );
    expect(defaultRunName(config({ dataset: table, lr: 0.01 }), [])).toBe('cars.csv → mpg · MLP 128 relu · adam 0.01');
    const images: RunConfig['dataset'] = { type: 'images', source: 'pets.zip', size: 32, channels: 3, fit: 'crop' };
    expect(defaultRunName(config({ dataset: images, model: { type: 'cnn', filters: [16, 32], dense: 64 } }), [])).toBe(
      'pets.zip 32×32 RGB · CNN 16-32, dense 64 · adam 0.001',
    );
  });

  it('add_the_settings_that_differ_from_the_newest_run_of_the_same_name', () => {
    const first = { name: 'MNIST · MLP 128 relu · adam 0.001', config: config() };
    expect(defaultRunName(config({ batchSize: 32, seed: 1 }), [first])).toBe('MNIST · MLP 128 relu · adam 0.001 · batch 32 · seed 1');
    expect(defaultRunName(config({ epochs: 20 }), [first])).toBe('MNIST · MLP 128 relu · adam 0.001 · 20 epochs');
  });

  it('number_a_run_that_differs_in_nothing_named', () => {
    const first = { name: 'MNIST · MLP 128 relu · adam 0.001', config: config() };
    expect(defaultRunName(config(), [first])).toBe('MNIST · MLP 128 relu · adam 0.001 (2)');
    expect(defaultRunName(config(), [{ ...first, name: `${first.name} (2)` }, first])).toBe('MNIST · MLP 128 relu · adam 0.001 (3)');
  });
});

describe('the runs list line of checkpoints', () => {
  it('marks_the_best_checkpoint_and_says_when_it_was_not_kept', () => {
    const best = { metric: 'valid Accuracy', value: 50, epoch: 12 };
    expect(checkpointsLine({ best, checkpoints: [12, 19, 20] })).toBe('best valid Accuracy 50.00 (epoch 12) · checkpoints 12 (best), 19, 20');
    expect(checkpointsLine({ best, checkpoints: [14, 19, 20] })).toBe('best valid Accuracy 50.00 (epoch 12, its checkpoint not kept) · checkpoints 14, 19, 20');
    expect(checkpointsLine({ checkpoints: [1] })).toBe('checkpoints 1');
  });
});
