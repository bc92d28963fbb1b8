import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../src/cli/args';
import { exportRun } from '../../src/cli/export-run';
import { train } from '../../src/cli/train-run';
import { loadMnist } from '../../src/data/mnist-node';
import { parseTable } from '../../src/data/table/index';
import { loadModel, predict, tableInputs } from '../../src/infer/index';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/protocol/run-config';
import { DirectoryStore } from '../../src/store/node-dir';
import { LearnerCheckpointer } from '../../src/train/checkpoint';
import { burnLayoutOf } from '../../src/train/model/burn-layout';
import { createModel } from '../../src/train/model/build';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { toTensorRecord } from '../../src/train/tensor-record';
import { Rng } from '../../src/util/rng';

// The exported model.py runs on numpy stand-ins for torch (tests/unit/torch_numpy.py, written from
// PyTorch's conventions and the safetensors format alone), and must give what predict gives.

const dir = mkdtempSync(join(tmpdir(), 'kiln-safetensors-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `n` rows of two numeric columns, a categorical one and the class. */
function shapesCsv(n: number): string {
  const rng = new Rng(11);
  const lines = ['width,height,colour,shape'];
  for (let i = 0; i < n; i++) {
    const w = Math.round(rng.next() * 1000) / 100;
    const h = Math.round(rng.next() * 500) / 100;
    const colour = ['red', 'green', 'blue'][Math.floor(rng.next() * 3)];
    lines.push(`${w},${h},${colour},${w > 2 * h ? 'wide' : h > w ? 'tall' : colour === 'blue' ? 'square' : 'round'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The metadata of a safetensors file, read as its format says. */
function metadataOf(file: string): { [key: string]: string } {
  const bytes = readFileSync(file);
  const size = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + size).toString('utf8')).__metadata__;
}

/** Runs the export's model.py on numpy: `predict()` of raw inputs [rows, ...INPUT_SHAPE]. */
function numpyPredict(folder: string, raw: Float32Array, rows: number): Float32Array {
  const input = join(folder, 'inputs.f32');
  const output = join(folder, 'outputs.f32');
  writeFileSync(input, raw);
  const r = spawnSync('python3', ['tests/unit/torch_numpy.py', folder, input, String(rows), output], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const bytes = readFileSync(output);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Exports `run` as safetensors into a folder of its own; checks model.py compiles. */
async function exported(run: string, name: string): Promise<string> {
  const out = join(dir, name);
  const files = await exportRun({ run, format: 'safetensors', out: join(out, 'weights.safetensors') });
  expect(files).toEqual([join(out, 'weights.safetensors'), join(out, 'model.py')]);
  const compiled = spawnSync('python3', ['-m', 'py_compile', join(out, 'model.py')], { encoding: 'utf8' });
  expect(compiled.stderr).toBe('');
  expect(compiled.status).toBe(0);
  return out;
}

/** Expects `got` to equal `want` value by value within 1e-4. */
function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  expect(worst).toBeLessThan(1e-4);
}

describe('npm run export --format safetensors', () => {
  it('an_mlp_on_a_csv_predicts_as_npm_run_predict_from_the_file_and_its_standardization_alone', async () => {
    const csv = join(dir, 'shapes.csv');
    writeFileSync(csv, shapesCsv(300));
    const run = join(dir, 'mlp');
    const args = ['--dataset', 'csv', '--file', csv, '--label', 'shape', '--epochs', '4', '--batch-size', '16', '--lr', '0.02', '--out', run];
    (await train(parseTrainArgs(args))).dispose();
    const out = await exported(run, 'mlp-export');
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toContain(
      [
        '    return nn.Sequential(',
        '        nn.Linear(5, 128),  # 0: dense1',
        '        nn.ReLU(),  # 1: dense1',
        '        nn.Linear(128, 4),  # 2: output',
        '    )',
      ].join('\n'),
    );
    const meta = metadataOf(join(out, 'weights.safetensors'));
    expect(JSON.parse(meta.classNames)).toHaveLength(4);
    // Raw inputs as the metadata describes them: numeric values, and one-hot categories (mean 0, std 1).
    const columns = JSON.parse(meta.preprocessing).columns as { name: string; kind: string; categories?: string[] }[];
    expect(columns.map((c) => c.name)).toEqual(['width', 'height', 'colour']);
    expect(JSON.parse(meta.std)).toHaveLength(5);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1, 41);
    const raw = Float32Array.from(
      rows.flatMap((line) => {
        const [w, h, colour] = line.split(',');
        return [Number(w), Number(h), ...columns[2].categories!.map((c) => (c === colour ? 1 : 0))];
      }),
    );
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const table = parseTable(new TextEncoder().encode(['width,height,colour', ...rows.map((l) => l.split(',').slice(0, 3).join(','))].join('\n')), {
        fileName: 'rows.csv',
      });
      const inputs = tableInputs(loaded, table);
      const expected = await predict(loaded, inputs.x, inputs.rows);
      if (expected.task !== 'classification') throw new Error('a classifier');
      // Not all alike: the check means something.
      expect(Math.max(...expected.probabilities)).toBeGreaterThan(0.6);
      expectClose(numpyPredict(out, raw, rows.length), expected.probabilities);
    } finally {
      loaded.model.dispose();
    }
  }, 120_000);

  it('a_cnn_on_images_predicts_as_npm_run_predict_with_channels_first_inputs', async () => {
    const layers = [
      { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'BatchNormalization' },
      { type: 'MaxPooling2D' },
      { type: 'Conv2D', filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false },
      { type: 'Activation', activation: 'gelu' },
      { type: 'DepthwiseConv2D', kernelSize: 3, depthMultiplier: 2, padding: 'valid' },
      { type: 'SeparableConv2D', filters: 5, kernelSize: 2, padding: 'same', activation: 'leakyRelu' },
      { type: 'AveragePooling2D', poolSize: 2, padding: 'same' },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.25 },
      { type: 'Dense', units: 16, activation: 'swish' },
      { type: 'Dense', units: 10 },
    ];
    const file = join(dir, 'cnn.json');
    writeFileSync(file, JSON.stringify({ type: 'layers', version: 1, layers }));
    const run = join(dir, 'cnn');
    const args = ['--dataset', 'mnist', '--model-file', file, '--limit', '200', '--epochs', '1', '--batch-size', '50', '--lr', '0.01', '--out', run];
    (await train(parseTrainArgs(args))).dispose();
    const out = await exported(run, 'cnn-export');
    const py = readFileSync(join(out, 'model.py'), 'utf8');
    // TensorFlow's uneven 'same' padding at stride 2 becomes a ZeroPad2d; its 'same' average pooling a helper.
    expect(py).toContain('nn.ZeroPad2d((0, 1, 0, 1)),  # 4: conv2');
    expect(py).toContain('AvgPool2dSame((2, 2), (2, 2), (0, 1, 0, 1)),  # 11: avgpool1');
    expect(py).toContain('nn.Linear(45, 16),  # 14: dense1');
    expect(metadataOf(join(out, 'weights.safetensors')).inputShape).toBe('[1,28,28]');
    const mnist = await loadMnist();
    const rows = 12;
    const pixels = mnist.x.subarray(0, rows * 784);
    const loaded = await loadModel(new DirectoryStore(run));
    try {
      const expected = await predict(loaded, pixels, rows);
      if (expected.task !== 'classification') throw new Error('a classifier');
      // One channel: [rows, 28, 28, 1] and [rows, 1, 28, 28] hold the same values in the same order.
      expectClose(numpyPredict(out, pixels, rows), expected.probabilities);
    } finally {
      loaded.model.dispose();
    }
  }, 180_000);

  it('a_residual_model_becomes_a_sequential_whose_forward_follows_its_adds', async () => {
    const run = join(dir, 'residual');
    const store = new DirectoryStore(run);
    const model: RunConfig['model'] = {
      type: 'layers',
      version: 1,
      layers: [
        { type: 'Conv2D', name: 'stem', filters: 4, kernelSize: 3, strides: 1, padding: 'same', useBias: true, activation: 'relu' },
        { type: 'Conv2D', name: 'branch', filters: 4, kernelSize: 3, strides: 1, padding: 'same', useBias: true, activation: 'linear', inputs: ['stem'] },
        { type: 'BatchNormalization', name: 'bn', momentum: 0.9, epsilon: 0.001, inputs: ['branch'] },
        { type: 'Add', name: 'sum', inputs: ['stem', 'bn'] },
        { type: 'GlobalAveragePooling2D', name: 'gap', inputs: ['sum'] },
        { type: 'Dense', name: 'out', units: 3, activation: 'linear', useBias: true, inputs: ['gap'] },
      ],
    };
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: { type: 'images', source: 'pets.zip', size: 8, channels: 3, fit: 'crop' }, model, epochs: 1 };
    await store.write('config.json', JSON.stringify(config));
    await store.write('dataset/dataset.json', JSON.stringify({ version: 1, task: 'classification', inputShape: [8, 8, 3], outputs: 3, card: {} }));
    const m = createModel(model, { inputShape: [8, 8, 3], outputs: 3 }, 4);
    // Moving statistics away from 0 and 1, so that they are checked too.
    const rng = new Rng(5);
    for (const w of m.nonTrainableWeights) w.write(tf.tensor(Array.from({ length: w.shape[0]! }, () => 0.5 + rng.next())));
    const records = (ws: typeof m.weights) => Promise.all(ws.map((w) => toTensorRecord(w.originalName, w.read())));
    await new LearnerCheckpointer(store, { keep: () => [1] }).save(1, {
      model: await records(m.trainableWeights),
      state: await records(m.nonTrainableWeights),
      optim: { type: 'adam', config: parseOptimizerConfig({ type: 'adam' }), step: 0, slots: {} },
      scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.001 }), step: 0 },
      progress: { epoch: 1, globalStep: 0, dataOrder: { seed: 0, shuffle: true }, rng: { s: 1 } },
      layout: burnLayoutOf(m),
    });
    m.dispose();
    const out = await exported(run, 'residual-export');
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toContain('        x_sum = x_stem + x_bn\n');
    const rows = 5;
    const hwc = Float32Array.from({ length: rows * 8 * 8 * 3 }, () => rng.next());
    // PyTorch takes the same pixels channels first.
    const chw = new Float32Array(hwc.length);
    for (let n = 0; n < rows; n++) for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) chw[n * 192 + c * 64 + p] = hwc[n * 192 + p * 3 + c];
    const loaded = await loadModel(store);
    try {
      const expected = await predict(loaded, hwc, rows);
      if (expected.task !== 'classification') throw new Error('a classifier');
      expectClose(numpyPredict(out, chw, rows), expected.probabilities);
    } finally {
      loaded.model.dispose();
    }
    // --out names the weights' file: a folder is refused before anything loads.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/export.ts', '--run', run, '--format', 'safetensors', '--out', dir], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`export: --out: ${dir} is a folder; --format safetensors writes a file: name it (model.safetensors)\n`);
  }, 60_000);
});
