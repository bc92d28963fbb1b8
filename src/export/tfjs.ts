import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../infer/load';
import type { ExportFile } from './base';
import { outputsProbabilities } from '../train/model/layers';
import { modelMetadata } from './metadata';

/**
 * The model with the head that makes its output what `predict` gives: a softmax over logits (none
 * when the last layer gives probabilities already)
 * (classification), or the training standardization undone (regression, in the label's units).
 * The head shares the model's layers; only the model owns weights.
 */
function withHead(loaded: LoadedModel): tf.LayersModel {
  const { model, output } = loaded;
  if (output.task === 'classification') {
    // predict widens a single-unit binary classifier to two columns, which no layer here does.
    if (model.outputs[0].shape.at(-1) === 1)
      throw new Error('a single-unit binary classifier cannot be exported yet: it outputs one score, not a probability per class');
    // Outputs that are probabilities already (a softmax or a sigmoid last) are what predict reads as they are.
    if (outputsProbabilities(model)) return model;
  }
  const head =
    output.task === 'classification'
      ? tf.layers.activation({ activation: 'softmax', name: 'probabilities' })
      : tf.layers.rescaling({ scale: output.scale, offset: output.mean, name: 'label_units' });
  return tf.model({ inputs: model.inputs, outputs: head.apply(model.outputs[0]) as tf.SymbolicTensor });
}

/**
 * The model of a loaded checkpoint in the TensorFlow.js layers format that `tf.loadLayersModel`
 * reads (`model.json`, `weights.bin`), outputting probabilities (softmax included) or values in the
 * label's units, with `metadata.json` saying how to make its inputs and read its outputs.
 */
export async function exportTfjs(loaded: LoadedModel, run: string): Promise<ExportFile[]> {
  let files: ExportFile[] = [];
  await withHead(loaded).save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'Kiln',
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      files = [
        { path: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
        { path: 'weights.bin', data: new Uint8Array(artifacts.weightData as ArrayBuffer) },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const metadata = modelMetadata(loaded, run, new Date().toISOString());
  return [...files, { path: 'metadata.json', data: new TextEncoder().encode(JSON.stringify(metadata, null, 2)) }];
}
