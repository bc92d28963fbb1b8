import { exportTfjs } from '../../src/export/tfjs';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../src/cli/args';
import { exportRun } from '../../src/cli/export-run';
import { train } from '../../src/cli/train-run';
import { loadMnist } from '../../src/data/mnist-node';
import { parseTable } from '../../src/data/table/index';
import type { ModelMetadata } from '../../src/export/metadata';
import { Graph, OnnxExportError } from '../../src/export/onnx-graph';
import { addLayers } from '../../src/export/onnx-layers';
import { loadModel, predict, runSplit, tableInputs } from '../../src/infer/index';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/protocol/run-config';
import { DirectoryStore } from '../../src/store/node-dir';
import { LearnerCheckpointer } from '../../src/train/checkpoint';
import { burnLayoutOf } from '../../src/train/model/burn-layout';
import { createModel } from '../../src/train/model/build';
import type { LayerSpec } from '../../src/train/model/layer-spec';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { toTensorRecord } from '../../src/train/tensor-record';
import { Rng } from '../../src/util/rng';
import { png } from '../fixtures/images/png';

// Every exported model runs in onnxruntime (its wasm build, as a user's browser or Node would) and
// must give what `predict` gives on the same inputs: the ONNX model takes the raw inputs (a table's
// columns as they are in the file, images as predict reads them) and does the rest itself.

const dir = mkdtempSync(join(tmpdir(), 'kiln-onnx-'));
const TOLERANCE = 1e-4;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
});

/** Runs `npm run <command> -- ...` as a separate process, as a user would; resolves when it exits. */
function cli(command: 'predict' | 'export', ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const argv = ['--import', 'tsx', `src/cli/${command}.ts`, ...args];
  return new Promise((resolve) =>
    execFile(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, CI: '1' } }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    ),
  );
}

/** The model's one output for one float32 input, as onnxruntime computes it. */
async function runOnnx(bytes: Uint8Array, input: string, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual([input]);
    const out = await session.run({ [input]: new ort.Tensor('float32', x, dims) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
};

/** The top-level fields of a protobuf message: field number → values (varints as numbers, length-delimited as bytes). */
function protoFields(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const fields = new Map<number, (number | Uint8Array)[]>();
  let at = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = bytes.subarray(at, at + n);
      at += n;
    } else if (wire === 5) value = at += 4;
    else throw new Error(`wire type ${wire}`);
    fields.set(key >> 3, [...(fields.get(key >> 3) ?? []), value]);
  }
  return fields;
}

/** ModelProto's ir_version, opset version, doc_string and metadata_props, read by field number (onnx.proto). */
function modelHeader(bytes: Uint8Array) {
  const model = protoFields(bytes);
  const text = (b: number | Uint8Array | undefined) => new TextDecoder().decode(b as Uint8Array);
  const props = (model.get(14) ?? []).map((e) => protoFields(e as Uint8Array)).map((e) => [text(e.get(1)![0]), text(e.get(2)![0])]);
  return {
    irVersion: model.get(1)![0],
    opset: protoFields(model.get(8)![0] as Uint8Array).get(2)![0],
    doc: text(model.get(6)![0]),
    metadata: Object.fromEntries(props) as { [key: string]: string },
  };
}

describe('npm run export --format onnx: tables', () => {
  const COLORS = ['red', 'green', 'blue'];

  /** `n` rows of size, color, weight (some missing), organic, the class `kind` and the target `price`. */
  function fruitCsv(n: number, seed: number): string {
    const rng = new Rng(seed);
    const lines = ['size,color,weight,organic,kind,price'];
    for (let i = 0; i < n; i++) {
      const size = Math.round(rng.next() * 1000) / 100;
      const color = COLORS[Math.floor(rng.next() * 3)];
      const weight = rng.next() < 0.1 ? '' : String(Math.round((size * 30 + rng.next() * 40) * 10) / 10);
      const organic = size + (color === 'green' ? 3 : 0) + rng.next() * 2 > 6 ? 'yes' : 'no';
      const kind = size + (color === 'red' ? 2 : 0) > 6 ? '"large, heavy"' : size > 3 ? 'medium' : 'small';
      const price = Math.round((size * 12 + (color === 'blue' ? 25 : 0) + rng.next() * 8) * 100) / 100;
      lines.push(`${size},${color},${weight},${organic},${kind},${price}`);
    }
    return `${lines.join('\n')}\n`;
  }

  const trainCsv = join(dir, 'fruit.csv');
  writeFileSync(trainCsv, fruitCsv(160, 7));
  // New rows: gaps in a numeric and a categorical column, and a colour training never saw.
  const newText = `${fruitCsv(24, 11).trimEnd()}\n4.5,,,yes,medium,60\n7.25,purple,210,no,small,99.5\n1.5,red,,no,small,20\n`;
  const newCsv = join(dir, 'new.csv');
  writeFileSync(newCsv, newText);

  /** The run trained on fruit.csv predicting `label`. */
  async function trained(label: string, ...more: string[]): Promise<string> {
    const out = join(dir, `run-${label}`);
    const common = ['--dataset', 'csv', '--file', trainCsv, '--missing', 'fill', '--epochs', '2', '--batch-size', '16', '--lr', '0.01'];
    (await train(parseTrainArgs([...common, '--label', label, ...more, '--out', out]))).dispose();
    return out;
  }

  function cellsOf(line: string): string[] {
    const cells = [''];
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) cells.push('');
      else cells[cells.length - 1] += ch;
    }
    return cells;
  }

  /** The ONNX input of a CSV made from the model's metadata alone: each column's value, or its category's index; NaN where empty. */
  function rawColumns(meta: ModelMetadata, csv: string): { x: Float32Array; rows: number; width: number } {
    if (meta.preprocessing.kind !== 'table') throw new Error('a table model');
    const { columns } = meta.preprocessing;
    const [head, ...lines] = csv.trimEnd().split('\n');
    const names = cellsOf(head!);
    const x = lines.flatMap((line) => {
      const cells = cellsOf(line);
      return columns.map((c) => {
        const cell = cells[names.indexOf(c.name)]!;
        if (cell === '') return Number.NaN;
        return c.kind === 'numeric' ? Number(cell) : c.categories.indexOf(cell);
      });
    });
    return { x: Float32Array.from(x), rows: lines.length, width: columns.length };
  }

  it('an_mlp_gives_npm_run_predicts_probabilities_from_the_raw_columns_with_gaps_and_unseen_categories', async () => {
    const run = await trained('kind');
    const file = join(dir, 'exports', 'kind.onnx');
    const predictions = join(dir, 'kind-predictions.csv');
    const [exported, folder, predicted] = await Promise.all([
      cli('export', '--run', run, '--format', 'onnx', '--out', file),
      cli('export', '--run', run, '--format', 'onnx', '--out', dir),
      cli('predict', '--run', run, '--input', newCsv, '--out', predictions),
    ]);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.out.trim()).toBe(file);
    expect(folder.code).toBe(2);
    expect(folder.err).toBe(`export: --out: ${dir} is a folder; --format onnx writes a file: name it (model.onnx)\n`);
    expect(predicted.code).toBe(0);

    const bytes = new Uint8Array(readFileSync(file));
    const header = modelHeader(bytes);
    expect([header.irVersion, header.opset]).toEqual([7, 13]);
    const classNames = ['large, heavy', 'medium', 'small'];
    expect(JSON.parse(header.metadata.class_names!)).toEqual(classNames);
    const meta = JSON.parse(header.metadata['kiln.metadata']!) as ModelMetadata;
    expect(meta).toMatchObject({ format: 'kiln.model-metadata', version: 1, task: 'classification', source: { run: 'run-kind', checkpoint: 2 } });
    expect(meta.input).toEqual({ name: 'columns', shape: [null, 5], dtype: 'float32', rawColumns: true });
    expect(header.doc).toContain(meta.usage);

    const { x, rows, width } = rawColumns(meta, newText);
    const probabilities = await runOnnx(bytes, 'columns', x, [rows, width]);
    const table = parseTable(readFileSync(predictions), { fileName: 'kind-predictions.csv' });
    const p = table.columns.slice(2);
    expect(p.map((c) => c.name)).toEqual(classNames.map((c) => `p_${c}`));
    const expected = Float32Array.from({ length: rows * 3 }, (_, i) => {
      const c = p[i % 3]!;
      return c.kind === 'numeric' ? c.values[Math.floor(i / 3)]! : Number.NaN;
    });
    expect(maxAbsDiff(probabilities, expected)).toBeLessThan(TOLERANCE);
  }, 120_000);

  it('a_regressor_gives_values_in_the_label_units', async () => {
    const run = await trained('price', '--task', 'regression');
    const file = join(dir, 'price.onnx');
    expect(await exportRun({ run, format: 'onnx', out: file })).toEqual([file]);
    const bytes = new Uint8Array(readFileSync(file));
    const meta = JSON.parse(modelHeader(bytes).metadata['kiln.metadata']!) as ModelMetadata;
    expect(meta.output).toMatchObject({ kind: 'regression', label: 'price', unitsIncluded: true });
    const { x, rows, width } = rawColumns(meta, newText);
    const values = await runOnnx(bytes, 'columns', x, [rows, width]);
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const inputs = tableInputs(loaded, parseTable(new TextEncoder().encode(newText), { fileName: 'new.csv' }));
      const expected = await predict(loaded, inputs.x, inputs.rows);
      if (expected.task !== 'regression') throw new Error('a regressor');
      // Prices in the tens: float32 keeps about 7 digits of them.
      values.forEach((v, i) => expect(Math.abs(v - expected.values[i]!)).toBeLessThan(TOLERANCE * Math.max(1, Math.abs(v))));
    } finally {
      loaded.model.dispose();
    }
  }, 120_000);

  it('a_single_unit_binary_classifier_gives_both_classes_probabilities_as_predict_does', async () => {
    const layers = join(dir, 'binary.json');
    const list = {
      type: 'layers',
      version: 1,
      layers: [
        { type: 'Dense', units: 6, activation: 'tanh' },
        { type: 'Dense', units: 1 },
      ],
    };
    writeFileSync(layers, JSON.stringify(list));
    const run = await trained('organic', '--model-file', layers);
    const file = join(dir, 'organic.onnx');
    await exportRun({ run, format: 'onnx', out: file });
    const bytes = new Uint8Array(readFileSync(file));
    const meta = JSON.parse(modelHeader(bytes).metadata['kiln.metadata']!) as ModelMetadata;
    expect(meta.classNames).toEqual(['no', 'yes']);
    const { x, rows, width } = rawColumns(meta, newText);
    const probabilities = await runOnnx(bytes, 'columns', x, [rows, width]);
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const inputs = tableInputs(loaded, parseTable(new TextEncoder().encode(newText), { fileName: 'new.csv' }));
      const expected = await predict(loaded, inputs.x, inputs.rows);
      if (expected.task !== 'classification') throw new Error('a classifier');
      expect(maxAbsDiff(probabilities, expected.probabilities)).toBeLessThan(TOLERANCE);
    } finally {
      loaded.model.dispose();
    }
  }, 120_000);
});

describe('npm run export --format onnx: images', () => {
  /**
   * A stored image run of `layers` (size × size × 3, `classes` classes) whose checkpoint 1 holds
   * seeded weights with every bias and batch-normalization statistic away from its initial value.
   */
  async function imageRun(name: string, layers: LayerSpec[], size: number, classes: number): Promise<string> {
    const run = join(dir, name);
    const store = new DirectoryStore(run);
    const model = { type: 'layers' as const, version: 1 as const, layers };
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: { type: 'images', source: `${name}.zip`, size, channels: 3, fit: 'crop' }, model, epochs: 1 };
    await store.write('config.json', JSON.stringify(config));
    const classNames = Array.from({ length: classes }, (_, k) => `class ${k}`);
    const meta = { version: 1, task: 'classification', inputShape: [size, size, 3], outputs: classes, classNames, card: {} };
    await store.write('dataset/dataset.json', JSON.stringify(meta));
    const m = createModel(model, { inputShape: [size, size, 3], outputs: classes }, 3);
    const rng = new Rng(5);
    const moved = (w: tf.LayerVariable) => {
      const kind = w.originalName.split('/').pop()!;
      if (kind.endsWith('kernel')) return w.read();
      const values = Array.from({ length: w.read().size }, () => rng.next());
      // Variances stay positive, scales near 1; means, offsets and biases around 0.
      const shift = kind === 'moving_variance' ? 0.2 : kind === 'gamma' ? 0.5 : -0.5;
      return tf.tensor(values.map((v) => v + shift));
    };
    const records = (ws: tf.LayerVariable[]) => Promise.all(ws.map((w) => toTensorRecord(w.originalName, moved(w))));
    await new LearnerCheckpointer(store, { keep: () => [1] }).save(1, {
      model: await records(m.trainableWeights),
      state: await records(m.nonTrainableWeights),
      optim: { type: 'adam', config: parseOptimizerConfig({ type: 'adam' }), step: 0, slots: {} },
      scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.001 }), step: 0 },
      progress: { epoch: 1, globalStep: 0, dataOrder: { seed: 0, shuffle: true }, rng: { s: 1 } },
      layout: burnLayoutOf(m),
    });
    m.dispose();
    return run;
  }

  /** The exported model's and predict's probabilities for random images of the run. */
  async function bothOnRandomImages(run: string, n: number): Promise<[Float32Array, Float32Array]> {
    const file = join(run, 'model.onnx');
    await exportRun({ run, format: 'onnx', out: file });
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const rng = new Rng(9);
      const x = Float32Array.from({ length: n * loaded.inputShape.reduce((a, b) => a * b, 1) }, () => rng.next());
      const expected = await predict(loaded, x, n);
      if (expected.task !== 'classification') throw new Error('a classifier');
      const got = await runOnnx(new Uint8Array(readFileSync(file)), 'pixels', x, [n, ...loaded.inputShape]);
      return [got, expected.probabilities];
    } finally {
      loaded.model.dispose();
    }
  }

  const conv = { kernelSize: 3, strides: 1, padding: 'same', useBias: true, activation: 'linear' } as const;

  it('every_layer_kind_with_batch_norm_residual_add_and_same_padding_gives_predicts_probabilities', async () => {
    const layers: LayerSpec[] = [
      { ...conv, type: 'Conv2D', name: 'conv1', filters: 4, activation: 'relu6' },
      { type: 'BatchNormalization', name: 'bn1', momentum: 0.99, epsilon: 0.001 },
      { ...conv, type: 'DepthwiseConv2D', name: 'dw', strides: 2, depthMultiplier: 2, activation: 'swish' },
      { ...conv, type: 'SeparableConv2D', name: 'sep', filters: 8, depthMultiplier: 1, activation: 'gelu' },
      { type: 'Add', name: 'add', inputs: ['dw', 'sep'] },
      { type: 'Activation', name: 'leaky', activation: 'leakyRelu', alpha: 0.1 },
      { type: 'AveragePooling2D', name: 'avg', poolSize: 2, strides: 2, padding: 'same' },
      { type: 'MaxPooling2D', name: 'max', poolSize: 2, strides: 1, padding: 'valid' },
      { type: 'Dropout', name: 'drop', rate: 0.3 },
      { type: 'Flatten', name: 'flat' },
      { type: 'Dense', name: 'hidden1', units: 6, activation: 'elu', useBias: true },
      { type: 'BatchNormalization', name: 'bn2', momentum: 0.9, epsilon: 0.01 },
      { type: 'Dense', name: 'hidden2', units: 5, activation: 'leakyRelu', useBias: true },
      { type: 'Dense', name: 'hidden3', units: 5, activation: 'selu', useBias: false },
      { type: 'Dense', name: 'output', units: 4, activation: 'linear', useBias: true },
    ];
    const [got, expected] = await bothOnRandomImages(await imageRun('every-layer', layers, 9, 4), 6);
    expect(maxAbsDiff(got, expected)).toBeLessThan(TOLERANCE);
  }, 60_000);

  it('strided_valid_convolution_global_pooling_and_a_softmax_output_give_predicts_probabilities', async () => {
    const layers: LayerSpec[] = [
      { ...conv, type: 'Conv2D', name: 'conv', filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'valid', useBias: false, activation: 'tanh' },
      { type: 'MaxPooling2D', name: 'max', poolSize: 2, strides: 2, padding: 'same' },
      { type: 'Activation', name: 'squash', activation: 'sigmoid' },
      { type: 'GlobalAveragePooling2D', name: 'gap' },
      { type: 'Dense', name: 'output', units: 3, activation: 'softmax', useBias: true },
    ];
    const [got, expected] = await bothOnRandomImages(await imageRun('strided', layers, 8, 3), 5);
    expect(maxAbsDiff(got, expected)).toBeLessThan(TOLERANCE);
  }, 60_000);

  it('a_sigmoid_output_over_three_classes_is_read_as_it_is_by_the_onnx_and_the_tfjs_exports_as_by_predict', async () => {
    const layers: LayerSpec[] = [
      { type: 'Flatten', name: 'flat' },
      { type: 'Dense', name: 'output', units: 3, activation: 'sigmoid', useBias: true },
    ];
    const run = await imageRun('sigmoid', layers, 8, 3);
    const [got, expected] = await bothOnRandomImages(run, 4);
    expect(maxAbsDiff(got, expected)).toBeLessThan(TOLERANCE);
    // The tfjs export gives the same numbers: no softmax put on top of the sigmoid.
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const files = Object.fromEntries((await exportTfjs(loaded, 'sigmoid')).map((f) => [f.path, f.data]));
      const json = JSON.parse(new TextDecoder().decode(files['model.json']));
      const exported = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: files['weights.bin'].slice().buffer }),
      );
      const rng = new Rng(9); // the inputs bothOnRandomImages drew
      const x = Float32Array.from({ length: 4 * 8 * 8 * 3 }, () => rng.next());
      const out = tf.tidy(() => (exported.predict(tf.tensor(x, [4, 8, 8, 3])) as tf.Tensor).dataSync() as Float32Array);
      exported.dispose();
      expect(maxAbsDiff(out, expected)).toBeLessThan(TOLERANCE);
    } finally {
      loaded.model.dispose();
    }
  }, 60_000);

  it('a_cnn_with_batch_norm_trained_on_mnist_gives_npm_run_predicts_probabilities_for_png_digits', async () => {
    const list = join(dir, 'mnist-cnn.json');
    const layers = [
      { type: 'Conv2D', filters: 4, activation: 'relu' },
      { type: 'BatchNormalization', momentum: 0.5 },
      { type: 'MaxPooling2D' },
      { type: 'Flatten' },
      { type: 'Dense', units: 10 },
    ];
    writeFileSync(list, JSON.stringify({ type: 'layers', version: 1, layers }));
    const run = join(dir, 'mnist');
    const args = ['--dataset', 'mnist', '--model-file', list, '--limit', '100', '--epochs', '1', '--batch-size', '50', '--out', run];
    (await train(parseTrainArgs(args))).dispose();
    const store = new DirectoryStore(run);
    const loaded = await loadModel(store);
    const { valid } = await runSplit(loaded.source, store, async () => loadMnist());
    loaded.model.dispose();
    const digits = join(dir, 'digits');
    mkdirSync(digits);
    const n = 3;
    const bytes = Uint8Array.from(valid.x.subarray(0, n * 784), (v) => Math.round(v * 255));
    for (let i = 0; i < n; i++)
      writeFileSync(
        join(digits, `${i}.png`),
        png(28, 28, (x, y) => Array(3).fill(bytes[i * 784 + y * 28 + x]) as [number, number, number]),
      );
    const predictions = join(dir, 'digits.csv');
    const predicted = await cli('predict', '--run', run, '--input', digits, '--out', predictions);
    expect(predicted.code).toBe(0);
    const table = parseTable(readFileSync(predictions), { fileName: 'digits.csv' });
    const p = table.columns.slice(2);
    const expected = Float32Array.from({ length: n * 10 }, (_, i) => {
      const c = p[i % 10]!;
      return c.kind === 'numeric' ? c.values[Math.floor(i / 10)]! : Number.NaN;
    });
    const file = join(dir, 'mnist.onnx');
    await exportRun({ run, format: 'onnx', out: file });
    const got = await runOnnx(
      new Uint8Array(readFileSync(file)),
      'pixels',
      Float32Array.from(bytes, (b) => b / 255),
      [n, 28, 28, 1],
    );
    expect(maxAbsDiff(got, expected)).toBeLessThan(TOLERANCE);
  }, 120_000);
});

describe('onnx export errors', () => {
  it('names_the_layer_it_cannot_express_and_why', () => {
    const upsampled = tf.sequential({ layers: [tf.layers.upSampling2d({ name: 'grow', inputShape: [4, 4, 1] }), tf.layers.flatten()] });
    expect(() => addLayers(new Graph(), upsampled, 'pixels', new Map())).toThrow(
      new OnnxExportError('grow: a UpSampling2D layer has no ONNX counterpart in this export'),
    );
    const softplus = tf.sequential({ layers: [tf.layers.dense({ name: 'soft', units: 2, activation: 'softplus', inputShape: [3] })] });
    const weights = new Map(softplus.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
    expect(() => addLayers(new Graph(), softplus, 'columns', weights)).toThrow(
      new OnnxExportError("soft: activation 'softplus' has no ONNX counterpart in this export"),
    );
    upsampled.dispose();
    softplus.dispose();
  });
});
