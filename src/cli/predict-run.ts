import { writeFile } from 'node:fs/promises';
import { classificationReport, regressionReport } from '../infer/evaluate';
import { tableInputs, type Inputs } from '../infer/inputs';
import { loadModel, type LoadedModel } from '../infer/load';
import { predict, type Predictions } from '../infer/predict';
import { predictionsCsv } from '../infer/csv';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import { countConfusion } from '../train/metric/confusion-matrix';
import type { PredictArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { readTableFile } from './data';

/** The input file as the model's inputs, each named for the output's `row` column. */
function readInputs(path: string, loaded: LoadedModel): { inputs: Inputs; names: string[] } {
  const encoding = loaded.source.dataset.type === 'table' ? loaded.source.dataset.encoding : 'utf-8';
  const inputs = tableInputs(loaded, readTableFile(path, encoding));
  return { inputs, names: Array.from({ length: inputs.rows }, (_, i) => String(i + 1)) };
}

/** The score line for inputs that carried their labels: accuracy, or MAE in the label's units. */
function scoreLine(predictions: Predictions, truth: Int32Array | Float32Array): string {
  if (predictions.task === 'classification') {
    const report = classificationReport(countConfusion(truth, predictions.predicted, predictions.classNames.length), predictions.classNames);
    const correct = Math.round(report.accuracy * report.items);
    return `accuracy: ${correct}/${report.items} = ${(100 * report.accuracy).toFixed(2)}%`;
  }
  const report = regressionReport(predictions.values, truth as Float32Array, 0);
  return `MAE: ${report.mae.toPrecision(6)} (${report.items} rows, in the label's units)`;
}

/** Predicts every input of `--input` with the run's checkpoint and writes the CSV `--out`. */
export async function predictFile(args: PredictArgs): Promise<void> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const loaded = await loadModel(new DirectoryStore(args.run), args.checkpoint);
  try {
    const { inputs, names } = readInputs(args.input, loaded);
    const predictions = await predict(loaded, inputs.x, inputs.rows);
    await writeFile(args.out, predictionsCsv(predictions, names));
    console.log(`${inputs.rows} predictions of checkpoint ${loaded.epoch} written to ${args.out}`);
    if (inputs.truth) console.log(scoreLine(predictions, inputs.truth));
  } finally {
    loaded.model.dispose();
  }
}
