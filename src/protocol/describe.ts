import type { ModelConfig } from '../train/model/config';

/** A model preset in a few words, for the runs list ("MLP 128-64 relu", "CNN 32-64, dense 128"). */
export function describeModel(m: ModelConfig): string {
  if (m.type === 'mlp') return `MLP ${m.hidden.join('-')} ${m.activation}${m.dropout ? `, dropout ${m.dropout}` : ''}`;
  if (m.type === 'cnn') return `CNN ${m.filters.join('-')}, dense ${m.dense}`;
  return 'Logistic regression';
}
