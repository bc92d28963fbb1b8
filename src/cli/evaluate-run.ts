import { loadMnist } from '../data/mnist-node';
import { kilnCacheDir } from '../util/cache-dir-node';
import { evaluate, type ClassificationReport, type RegressionReport } from '../infer/evaluate';
import { loadModel, runSplit } from '../infer/load';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import type { EvaluateArgs } from './args';
import { registerNodeBackends } from './backends-node';

/** Lines of a table, each column padded to its widest cell (the first left-aligned, numbers right). */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

function classificationLines(r: ClassificationReport): string[] {
  const correct = r.matrix.reduce((n, row, c) => n + row[c], 0);
  return [
    'confusion matrix (rows: true class, columns: predicted class)',
    ...table([['', ...r.classNames], ...r.matrix.map((row, c) => [r.classNames[c], ...row.map(String)])]),
    '',
    ...table([
      ['class', 'precision', 'recall', 'F1', 'support'],
      ...r.classes.map((c) => [c.name, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]),
    ]),
    '',
    `accuracy: ${correct}/${r.items} = ${(100 * r.accuracy).toFixed(2)}%`,
  ];
}

function regressionLines(r: RegressionReport): string[] {
  return [
    `MAE: ${r.mae.toPrecision(6)}  RMSE: ${r.rmse.toPrecision(6)}  (${r.items} rows, in the label's units)`,
    '',
    'largest errors',
    ...table([
      ['valid row', 'true', 'predicted', 'error'],
      ...r.largest.map((e) => [String(e.row + 1), e.truth.toPrecision(6), e.prediction.toPrecision(6), e.error.toPrecision(6)]),
    ]),
  ];
}

/** Prints the evaluation of the run's checkpoint on its stored validation split. */
export async function evaluateRun(args: EvaluateArgs): Promise<void> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const store = new DirectoryStore(args.run);
  const loaded = await loadModel(store, args.checkpoint);
  try {
    const { valid } = await runSplit(loaded.source, store, async () => loadMnist(kilnCacheDir()));
    const { report } = await evaluate(loaded, valid, 10);
    console.log(`checkpoint ${loaded.epoch} of ${args.run}, validation split: ${report.items} items\n`);
    console.log((report.task === 'classification' ? classificationLines(report) : regressionLines(report)).join('\n'));
  } finally {
    loaded.model.dispose();
  }
}
