import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../src/cli/args';
import { train } from '../../src/cli/train-run';
import { loadMnist } from '../../src/data/mnist-node';
import { decodeDataset } from '../../src/data/stored';
import { parseTable } from '../../src/data/table/index';
import { planTable } from '../../src/data/table/plan';
import { exportTfjs } from '../../src/export/tfjs';
import type { ModelMetadata } from '../../src/export/metadata';
import { evaluate, loadModel, predict, runSplit, tableInputs } from '../../src/infer/index';
import { DirectoryStore } from '../../src/store/node-dir';
import { countConfusion, parseConfusionFile } from '../../src/train/metric/confusion-matrix';
import { Rng } from '../../src/util/rng';
import { png } from '../fixtures/images/png';

// A trained table classifier and regressor, each with a numeric column that has gaps (filled from
// the training split), a categorical one and a class name with a comma (quoted in CSV output).

const dir = mkdtempSync(join(tmpdir(), 'kiln-infer-'));
const COLORS = ['red', 'green', 'blue'];

/** `n` rows of size, color, weight (some missing), the class `kind` and the target `price`. */
function fruitCsv(n: number): string {
  const rng = new Rng(7);
  const lines = ['size,color,weight,kind,price'];
  for (let i = 0; i < n; i++) {
    const size = Math.round(rng.next() * 1000) / 100;
    const color = COLORS[Math.floor(rng.next() * 3)];
    const weight = rng.next() < 0.1 ? '' : String(Math.round((size * 30 + rng.next() * 40) * 10) / 10);
    const kind = size + (color === 'red' ? 2 : 0) > 6 ? '"large, heavy"' : size > 3 ? 'medium' : 'small';
    const price = Math.round((size * 12 + (color === 'blue' ? 25 : 0) + rng.next() * 8) * 100) / 100;
    lines.push(`${size},${color},${weight},${kind},${price}`);
  }
  return `${lines.join('\n')}\n`;
}

const csvText = fruitCsv(400);
const csvPath = join(dir, 'fruit.csv');
writeFileSync(csvPath, csvText);

/** The rows of fruit.csv that a run with these choices validated on, as their own CSV file. */
function validRowsCsv(label: string, task: 'classification' | 'regression'): string {
  const table = parseTable(new TextEncoder().encode(csvText), { fileName: 'fruit.csv' });
  const plan = planTable(table, { label, task, missing: 'fill', validFraction: 0.2, seed: 0 });
  const lines = csvText.trimEnd().split('\n');
  const path = join(dir, `valid-${label}.csv`);
  const valid = lines.slice(1).filter((_, r) => plan.valid.sides[r] === plan.valid.side);
  writeFileSync(path, `${[lines[0], ...valid].join('\n')}\n`);
  return path;
}

const classifierDir = join(dir, 'classifier');
const regressorDir = join(dir, 'regressor');
const EPOCHS = 6;
let classifier: tf.LayersModel;
let regressor: tf.LayersModel;

const common = ['--dataset', 'csv', '--file', csvPath, '--missing', 'fill', '--epochs', String(EPOCHS), '--batch-size', '16', '--lr', '0.01'];

beforeAll(async () => {
  classifier = await train(parseTrainArgs([...common, '--label', 'kind', '--out', classifierDir]));
  regressor = await train(parseTrainArgs([...common, '--label', 'price', '--task', 'regression', '--out', regressorDir]));
}, 120_000);

/** Runs `npm run <command> -- ...` as a separate process, as a user would. */
function cli(command: 'predict' | 'evaluate', ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${command}.ts`, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The count-weighted mean of a metric log, as the learner's epoch value. */
function logMean(run: string, path: string): number {
  const lines = readFileSync(join(run, path), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));
  return lines.reduce((s, [v, c]) => s + v * c, 0) / lines.reduce((s, [, c]) => s + c, 0);
}

/** The run's stored validation features. */
const storedValid = (run: string) => decodeDataset(readFileSync(join(run, 'dataset/data.mpk.gz'))).valid;

describe('predict', () => {
  it('reproduces_the_trained_models_probabilities_on_a_csv_and_its_accuracy_is_the_logged_valid_accuracy', () => {
    const out = join(dir, 'predicted.csv');
    const r = cli('predict', '--run', classifierDir, '--input', validRowsCsv('kind', 'classification'), '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const written = parseTable(readFileSync(out), { fileName: 'predicted.csv' });
    const classNames = ['large, heavy', 'medium', 'small'];
    expect(written.columns.map((c) => c.name)).toEqual(['row', 'prediction', ...classNames.map((c) => `p_${c}`)]);
    const valid = storedValid(classifierDir);
    const expected = tf.tidy(() =>
      tf.softmax(classifier.predict(tf.tensor(valid.x, [valid.y.length, ...valid.itemShape])) as tf.Tensor).arraySync(),
    ) as number[][];
    expect(written.rows).toBe(expected.length);
    const [row, prediction, ...p] = written.columns;
    let correct = 0;
    for (let i = 0; i < written.rows; i++) {
      expect(row.kind === 'numeric' && row.values[i]).toBe(i + 1);
      const probs = p.map((c) => (c.kind === 'numeric' ? c.values[i] : Number.NaN));
      probs.forEach((v, k) => expect(v).toBeCloseTo(expected[i][k], 6));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const best = probs.indexOf(Math.max(...probs));
      expect(prediction.kind === 'categorical' && prediction.categories[prediction.codes[i]]).toBe(classNames[best]);
      if (best === valid.y[i]) correct++;
    }
    // The valid rows are what the learner validated epoch 6 on, with the weights checkpoint 6 holds.
    expect(r.out).toContain(`accuracy: ${correct}/${written.rows} = `);
    expect((100 * correct) / written.rows).toBeCloseTo(logMean(classifierDir, `valid/epoch-${EPOCHS}/Accuracy.log`), 8);
  }, 60_000);

  it('gives_regression_values_in_the_label_units_with_the_logged_valid_mae', () => {
    const out = join(dir, 'prices.csv');
    const r = cli('predict', '--run', regressorDir, '--input', validRowsCsv('price', 'regression'), '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const written = parseTable(readFileSync(out), { fileName: 'prices.csv' });
    expect(written.columns.map((c) => c.name)).toEqual(['row', 'prediction']);
    const label = JSON.parse(readFileSync(join(regressorDir, 'dataset/dataset.json'), 'utf8')).preprocessing.label;
    const valid = storedValid(regressorDir);
    const z = tf.tidy(() => (regressor.predict(tf.tensor(valid.x, [valid.y.length, ...valid.itemShape])) as tf.Tensor).dataSync());
    const values = written.columns[1].kind === 'numeric' ? written.columns[1].values : new Float64Array();
    let abs = 0;
    for (let i = 0; i < written.rows; i++) {
      expect(values[i]).toBeCloseTo(z[i] * label.std + label.mean, 3);
      abs += Math.abs(values[i] - (valid.y[i] * label.std + label.mean));
    }
    const mae = Number(/MAE: ([\d.e+-]+)/.exec(r.out)?.[1]);
    expect(mae).toBeCloseTo(abs / written.rows, 3);
    expect(mae).toBeCloseTo(logMean(regressorDir, `valid/epoch-${EPOCHS}/MAE.log`), 3);
  }, 60_000);
});

describe('evaluate', () => {
  it('matrix_matches_predict_on_the_validation_rows_and_the_learners_recorded_matrix', async () => {
    const store = new DirectoryStore(classifierDir);
    const loaded = await loadModel(store);
    try {
      expect(loaded.epoch).toBe(EPOCHS); // the last stored checkpoint by default
      const { report } = await evaluate(loaded, (await runSplit(loaded.source, store, () => Promise.reject(new Error('not MNIST')))).valid);
      if (report.task !== 'classification') throw new Error('a classifier');
      const table = parseTable(readFileSync(validRowsCsv('kind', 'classification')), { fileName: 'valid.csv' });
      const inputs = tableInputs(loaded, table);
      const predictions = await predict(loaded, inputs.x, inputs.rows);
      if (predictions.task !== 'classification') throw new Error('a classifier');
      expect(report.matrix).toEqual(countConfusion(inputs.truth!, predictions.predicted, 3));
      const path = `valid/epoch-${EPOCHS}/ConfusionMatrix.json`;
      const recorded = parseConfusionFile(readFileSync(join(classifierDir, path), 'utf8'), path);
      expect(recorded.matrix).toEqual(report.matrix);
      expect(recorded.classNames).toEqual(['large, heavy', 'medium', 'small']);
      report.classes.forEach((c, k) => {
        expect(c.support).toBe(report.matrix[k].reduce((a, b) => a + b, 0));
        expect(c.recall).toBeCloseTo(report.matrix[k][k] / c.support, 12);
      });
      expect(100 * report.accuracy).toBeCloseTo(logMean(classifierDir, `valid/epoch-${EPOCHS}/Accuracy.log`), 8);
    } finally {
      loaded.model.dispose();
    }
  });

  it('prints_the_matrix_and_per_class_scores_of_a_checkpoint', () => {
    const r = cli('evaluate', '--run', classifierDir, '--checkpoint', String(EPOCHS - 1));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`checkpoint ${EPOCHS - 1} of ${classifierDir}, validation split: 80 items`);
    const path = `valid/epoch-${EPOCHS - 1}/ConfusionMatrix.json`;
    const { matrix } = parseConfusionFile(readFileSync(join(classifierDir, path), 'utf8'), path);
    const lines = r.out.split('\n');
    const header = lines.findIndex((l) => l.startsWith('confusion matrix'));
    expect(lines[header + 1].trim().split(/\s{2,}/)).toEqual(['large, heavy', 'medium', 'small']);
    for (let k = 0; k < 3; k++)
      expect(
        lines[header + 2 + k]
          .trim()
          .split(/\s{2,}/)
          .slice(1)
          .map(Number),
      ).toEqual(matrix[k]);
    expect(r.out).toMatch(/class\s+precision\s+recall\s+F1\s+support/);
  }, 60_000);
});

describe('tfjs export', () => {
  /** A CSV line's cells (quoted cells hold no quotes here). */
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

  /** The inputs of a CSV made from metadata.json alone, as someone without Kiln would. */
  function fromMetadata(meta: ModelMetadata, csv: string): { x: number[][] } {
    if (meta.preprocessing.kind !== 'table') throw new Error('a table model');
    const [head, ...rows] = csv.trimEnd().split('\n');
    const names = cellsOf(head);
    const x = rows.map((line) => {
      const cells = cellsOf(line);
      return meta.preprocessing.kind === 'table'
        ? meta.preprocessing.columns.flatMap((c) => {
            const cell = cells[names.indexOf(c.name)];
            if (c.kind === 'numeric') return [((cell === '' ? c.fill : Number(cell)) - c.mean) / (c.std || 1)];
            return c.categories.map((k) => (k === (cell === '' ? c.fill : cell) ? 1 : 0));
          })
        : [];
    });
    return { x };
  }

  for (const [what, run, label, task] of [
    ['probabilities', classifierDir, 'kind', 'classification'],
    ['label_values', regressorDir, 'price', 'regression'],
  ] as const) {
    it(`loads_with_loadLayersModel_and_with_the_metadata_alone_reproduces_predicts_${what}`, async () => {
      const loaded = await loadModel(new DirectoryStore(run));
      try {
        const files = Object.fromEntries((await exportTfjs(loaded, 'fruit')).map((f) => [f.path, f.data]));
        expect(Object.keys(files).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
        const json = JSON.parse(new TextDecoder().decode(files['model.json']));
        expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
        const meta = JSON.parse(new TextDecoder().decode(files['metadata.json'])) as ModelMetadata;
        expect(meta).toMatchObject({ format: 'kiln.model-metadata', version: 1, task, source: { run: 'fruit', checkpoint: EPOCHS } });
        expect(meta.input).toEqual({ shape: [null, ...loaded.inputShape], dtype: 'float32' });
        const weights = files['weights.bin'];
        const exported = await tf.loadLayersModel(
          tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.slice().buffer }),
        );
        const csv = readFileSync(validRowsCsv(label, task), 'utf8');
        const { x } = fromMetadata(meta, csv);
        const out = tf.tidy(() => (exported.predict(tf.tensor(x)) as tf.Tensor).arraySync()) as number[][];
        exported.dispose();
        const inputs = tableInputs(loaded, parseTable(new TextEncoder().encode(csv), { fileName: 'valid.csv' }));
        const predictions = await predict(loaded, inputs.x, inputs.rows);
        const expected = predictions.task === 'classification' ? predictions.probabilities : predictions.values;
        const width = out[0].length;
        expect(width).toBe(task === 'classification' ? 3 : 1);
        out.forEach((row, i) => row.forEach((v, k) => expect(v).toBeCloseTo(expected[i * width + k], task === 'classification' ? 5 : 2)));
      } finally {
        loaded.model.dispose();
      }
    });
  }
});

describe('predict and evaluate commands', () => {
  it('refuse_bad_flags_runs_and_checkpoints_with_status_2_naming_the_flag', () => {
    const bad = cli('predict', '--run', classifierDir, '--input', csvPath, '--out', join(dir, 'x.csv'), '--checkpoint', 'two');
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe("predict: --checkpoint: expected a decimal number (got 'two')");
    const missing = cli('predict', '--run', dir, '--input', csvPath, '--out', join(dir, 'x.csv'));
    expect(missing.code).toBe(2);
    expect(missing.err.trim()).toBe(`predict: --run: ${dir} holds no run (no config.json)`);
    const gone = cli('evaluate', '--run', classifierDir, '--checkpoint', '1');
    expect(gone.code).toBe(2);
    expect(gone.err.trim()).toMatch(/^evaluate: --checkpoint: .* holds no checkpoint 1 \(it holds \d+(, \d+)+\)$/); // the last kept and the best epoch
  }, 60_000);

  it('names_the_file_and_row_of_a_bad_input_value', () => {
    const badPath = join(dir, 'bad.csv');
    writeFileSync(badPath, 'size,color,weight\n1.5,red,40\nbig,blue,30\n');
    const r = cli('predict', '--run', classifierDir, '--input', badPath, '--out', join(dir, 'bad-out.csv'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('predict: bad.csv: row 3: column "size" holds numbers, but this row has the text "big" (mark missing values as empty or NA)');
  }, 60_000);
});

describe('predict on images', () => {
  it('predicts_a_png_digit_and_a_folder_of_them_as_the_run_predicts_its_mnist_rows', async () => {
    const run = join(dir, 'mnist');
    const model = await train(parseTrainArgs(['--dataset', 'mnist', '--limit', '300', '--epochs', '1', '--batch-size', '50', '--out', run]));
    model.dispose();
    const store = new DirectoryStore(run);
    const loaded = await loadModel(store);
    try {
      const { valid } = await runSplit(loaded.source, store, async () => loadMnist());
      const digits = join(dir, 'digits');
      mkdirSync(join(digits, 'more'), { recursive: true });
      const byte = (i: number, x: number, y: number) => Math.round(valid.x[i * 784 + y * 28 + x] * 255);
      writeFileSync(
        join(digits, 'a.png'),
        png(28, 28, (x, y) => [byte(0, x, y), byte(0, x, y), byte(0, x, y)]),
      );
      writeFileSync(
        join(digits, 'more', 'b.png'),
        png(56, 56, (x, y) => Array(3).fill(byte(1, x >> 1, y >> 1)) as [number, number, number]),
      );
      writeFileSync(join(digits, 'notes.txt'), 'not an image');
      const out = join(dir, 'digits.csv');
      const r = cli('predict', '--run', run, '--input', digits, '--out', out);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const written = parseTable(readFileSync(out), { fileName: 'digits.csv' });
      expect(written.columns.map((c) => c.name)).toEqual(['row', 'prediction', ...Array.from({ length: 10 }, (_, d) => `p_${d}`)]);
      const rows = written.columns[0];
      expect(rows.kind === 'categorical' && Array.from(rows.codes, (c) => rows.categories[c])).toEqual(['a.png', 'more/b.png']);
      const expected = await predict(loaded, valid.x.subarray(0, 2 * 784), 2);
      if (expected.task !== 'classification') throw new Error('a classifier');
      // The PNG holds k/255 where the package held k/255 rounded to three decimals: nearly the same inputs.
      written.columns
        .slice(2)
        .forEach((c, k) => [0, 1].forEach((i) => expect(c.kind === 'numeric' && c.values[i]).toBeCloseTo(expected.probabilities[i * 10 + k], 2)));
    } finally {
      loaded.model.dispose();
    }
  }, 120_000);
});
