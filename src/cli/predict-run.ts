import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImageShape } from '../data/images/base';
import { READ_FORMATS, sniffImage } from '../data/images/sniff';
import { classificationReport, regressionReport } from '../infer/evaluate';
import { imageInputs, tableInputs, type Inputs } from '../infer/inputs';
import { loadModel, type LoadedModel } from '../infer/load';
import { predict, type Predictions } from '../infer/predict';
import { predictionsCsv } from '../infer/csv';
import { readTableFile } from '../data/table-node';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import { countConfusion } from '../train/metric/confusion-matrix';
import type { PredictArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { NodeDecoder } from './node-decoder';

/** Files under `dir`, relative and sorted (`/`-separated). */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`])));
  return nested.flat().sort();
}

/** Images (a file, or every image in a folder) decoded and fitted to the model's input; errors name the file. */
async function readImages(path: string, shape: ImageShape, folder: boolean): Promise<{ inputs: Inputs; names: string[] }> {
  const decoder = new NodeDecoder();
  const names: string[] = [];
  const images: Uint8ClampedArray[] = [];
  for (const name of folder ? await filesUnder(path) : [basename(path)]) {
    const file = folder ? join(path, name) : path;
    const bytes = new Uint8Array(await readFile(file));
    const sniffed = sniffImage(bytes);
    if (sniffed.kind !== 'image') {
      if (folder) continue; // a folder's other files (notes, .DS_Store) are not inputs
      throw new Error(`${name}: not an image (${READ_FORMATS})`);
    }
    try {
      images.push(await decoder.decode(bytes, sniffed.mime, shape));
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
    names.push(name);
  }
  if (!images.length) throw new Error(`${path}: holds no image (${READ_FORMATS})`);
  return { inputs: imageInputs(shape, images), names };
}

/** `--input` as the model's inputs, each named for the output's `row` column: a table's rows, or images. */
async function readInputs(path: string, loaded: LoadedModel): Promise<{ inputs: Inputs; names: string[] }> {
  const folder = (await stat(path)).isDirectory();
  const head = folder ? new Uint8Array() : new Uint8Array(await readFile(path)).subarray(0, 64);
  if (folder || sniffImage(head).kind !== 'other') {
    if (loaded.input.kind !== 'image') throw new Error(`${basename(path)}: the model takes rows of a table (CSV or TSV), not images`);
    return readImages(path, loaded.input.image, folder);
  }
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
    const { inputs, names } = await readInputs(args.input, loaded);
    const predictions = await predict(loaded, inputs.x, inputs.rows);
    await writeFile(args.out, predictionsCsv(predictions, names));
    console.log(`${inputs.rows} predictions of checkpoint ${loaded.epoch} written to ${args.out}`);
    if (inputs.truth) console.log(scoreLine(predictions, inputs.truth));
  } finally {
    loaded.model.dispose();
  }
}
