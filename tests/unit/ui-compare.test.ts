import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../src/protocol/index';
import { bestValid, flattenSettings, settingsDiff } from '../../src/ui/runs/compare';

const base = {
  dataset: { type: 'mnist', samples: 1000 },
  model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 },
  optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999 },
  lr: 0.001,
  batchSize: 64,
  epochs: 3,
};

const series = (name: string, epochY: number[]): MetricSeries => ({
  name,
  train: { x: [], y: [], epochX: [], epochY: [] },
  valid: { x: [], y: [], epochX: epochY.map((_, i) => i + 1), epochY },
});

describe('comparing runs', () => {
  it('flattens a config into dotted settings, the model as its description', () => {
    const flat = flattenSettings(base);
    expect(flat.get('model')).toBe('MLP 128 relu');
    expect(flat.get('optimizer.beta2')).toBe('0.999');
    expect(flat.get('dataset.samples')).toBe('1000');
  });

  it('lists only the settings that differ, one value per run, "—" where a run lacks one', () => {
    const other = { ...base, lr: 0.01, model: { type: 'mlp', hidden: [256, 64], activation: 'relu', dropout: 0 }, optimizer: { type: 'sgd', momentum: 0.9 } };
    expect(settingsDiff([{ config: base }, { config: other }])).toEqual([
      { setting: 'model', values: ['MLP 128 relu', 'MLP 256-64 relu'] },
      { setting: 'optimizer.type', values: ['adam', 'sgd'] },
      { setting: 'optimizer.beta1', values: ['0.9', '—'] },
      { setting: 'optimizer.beta2', values: ['0.999', '—'] },
      { setting: 'lr', values: ['0.001', '0.01'] },
      { setting: 'optimizer.momentum', values: ['—', '0.9'] },
    ]);
    expect(settingsDiff([{ config: base }, { config: structuredClone(base) }])).toEqual([]);
    expect(settingsDiff([{ config: base }, { config: null }]).map((d) => d.values[1])).toEqual(Array(9).fill('—'));
  });

  it('finds the best valid epoch: lowest for losses, highest for accuracy, never a NaN epoch', () => {
    const best = bestValid([series('Loss', [0.9, 0.4, Number.NaN, 0.5]), series('Accuracy', [80, 91, 90]), series('MAE', [3, 2, 2.5])]);
    expect(best.get('Loss')).toEqual({ value: 0.4, epoch: 2 });
    expect(best.get('Accuracy')).toEqual({ value: 91, epoch: 2 });
    expect(best.get('MAE')).toEqual({ value: 2, epoch: 2 });
    expect(bestValid([series('Loss', [])]).has('Loss')).toBe(false);
  });
});
