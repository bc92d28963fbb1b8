import type { ModelConfig } from '../train/model/config';
import type { LayerSpec } from '../train/model/layer-spec';
import type { DatasetConfig } from './run-config';

/** A layer in a word or two ("conv 32", "bn", "relu", "dense 10"). */
function describeLayer(l: LayerSpec): string {
  switch (l.type) {
    case 'Conv2D':
    case 'SeparableConv2D':
      return `${l.type === 'Conv2D' ? 'conv' : 'sepconv'} ${l.filters}`;
    case 'Dense':
      return `dense ${l.units}`;
    case 'Activation':
      return l.activation;
    case 'Dropout':
      return `dropout ${l.rate}`;
    default:
      return {
        DepthwiseConv2D: 'dwconv',
        MaxPooling2D: 'maxpool',
        AveragePooling2D: 'avgpool',
        GlobalAveragePooling2D: 'gap',
        BatchNormalization: 'bn',
        Flatten: 'flatten',
        Add: 'add',
      }[l.type];
  }
}

/** A model in a few words, for the runs list ("MLP 128-64 relu", "CNN 32-64, dense 128", "Layers: conv 16, bn, relu, …"). */
export function describeModel(m: ModelConfig): string {
  if (m.type === 'layers') {
    const words = m.layers.map(describeLayer);
    const shown = words.length > 10 ? [...words.slice(0, 9), `… (${words.length} layers)`] : words;
    return `Layers: ${shown.join(', ')}${m.initial ? ` from ${m.initial.source}` : ''}`;
  }
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
