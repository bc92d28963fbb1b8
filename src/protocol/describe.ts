import type { ModelConfig } from '../train/model/config';
import type { DatasetConfig } from './run-config';

/** A model preset in a few words, for the runs list ("MLP 128-64 relu", "CNN 32-64, dense 128"). */
export function describeModel(m: ModelConfig): string {
  if (m.type === 'mlp') return `MLP ${m.hidden.join('-')} ${m.activation}${m.dropout ? `, dropout ${m.dropout}` : ''}`;
  if (m.type === 'cnn') return `CNN ${m.filters.join('-')}, dense ${m.dense}`;
  return 'Logistic regression';
}

/** A dataset choice in a few words, for the runs list ("MNIST, 10,000", "cars.csv → mpg", "pets.zip, 32×32 RGB"). */
export function describeDataset(d: DatasetConfig): string {
  if (d.type === 'mnist') return `MNIST, ${d.samples.toLocaleString('en-US')}`;
  if (d.type === 'iris') return 'Iris';
  if (d.type === 'table') return `${d.file} → ${d.label}`;
  return `${d.source}, ${d.size}×${d.size} ${d.channels === 1 ? 'gray' : 'RGB'}`;
}
