import { basename } from 'node:path';
import { dataLoaders, splitLoaders, type DataLoaders } from '../data/dataloader';
import { isClassification, numItems, targetSize } from '../data/dataset';
import { irisTable } from '../data/iris';
import { loadMnist } from '../data/mnist-node';
import { kilnCacheDir } from '../util/cache-dir-node';
import { prepareTable, suggestChoices, suggestTask, targetScale as tableTargetScale } from '../data/table/index';
import { readTableFile } from '../data/table-node';
import { blockingCheck, startChecks, type CheckedData, type CheckFix } from '../data/checks';
import { checkSettings, type DatasetConfig } from '../protocol/run-config';
import type { PreparedDataset } from '../recipe/run-files';
import type { ModelShape } from '../train/model/infer';
import { runConfigFromArgs, type TrainArgs } from './args';

/** What the CLI trains on: its loaders, the model's shape, the task, and a line for the console. */
export interface CliData extends DataLoaders {
  readonly shape: ModelShape;
  readonly task: 'classification' | 'regression';
  readonly describe: string;
  /** The dataset as the studio would name it (a CSV's label, task and missing values as used). */
  readonly dataset: DatasetConfig;
  /** Regression on standardized targets: a target unit in the label's units (for MAE). */
  readonly targetScale: number;
  /** A table as prepared (split, card, preprocessing): stored with the run, as the studio stores it. */
  readonly prepared?: PreparedDataset;
}

/** The dataset the flags name: built-in MNIST or Iris, or a CSV/TSV file prepared as the studio prepares it. */
export function cliData(args: TrainArgs): CliData {
  const data = loadData(args);
  // The studio's checks before Start: an error refuses the run, a warning is printed with the flag that fixes it.
  const split = { train: data.train.numItems, valid: data.valid.numItems };
  const checks = startChecks({ ...data.checked, givenSplit: split }, checkSettings(runConfigFromArgs(args, data.dataset)));
  const blocking = blockingCheck(checks);
  if (blocking) throw new Error(blocking.fix ? `${blocking.message} (${fixFlag(blocking.fix)})` : blocking.message);
  const warnings = checks.map((c) => `  warning: ${c.message}${c.fix ? ` (${fixFlag(c.fix)})` : ''}`);
  return { ...data, describe: [data.describe, ...warnings].join('\n') };
}

/** The flag that applies a check's fix. */
function fixFlag(fix: CheckFix): string {
  if (fix.kind === 'task') return `--task ${fix.task}`;
  if (fix.kind === 'batch-size') return `--batch-size ${fix.batchSize}`;
  return `--exclude ${fix.column}`;
}

/** The digits of both sides of MNIST's split, with their counts (the digits present only). */
function digitCounts({ trainData, validData }: DataLoaders): { name: string; count: number }[] {
  const counts = new Array<number>(10).fill(0);
  for (const y of [trainData.y, validData.y]) for (const digit of y) counts[digit]++;
  return counts.flatMap((count, digit) => (count ? [{ name: String(digit), count }] : []));
}

/** The data before the checks, with what the checks read of it. */
function loadData(args: TrainArgs): CliData & { readonly checked: CheckedData } {
  const opts = { batchSize: args['batch-size'], validFraction: args['valid-fraction'], seed: args.seed };
  if (args.dataset === 'mnist') {
    const mnist = loadMnist(kilnCacheDir());
    const dataset: DatasetConfig = { type: 'mnist', samples: Math.min(args.limit ?? Infinity, numItems(mnist)) };
    const loaders = dataLoaders(mnist, { ...opts, limit: args.limit });
    return {
      ...loaders,
      shape: { inputShape: [28, 28, 1], outputs: 10 },
      task: 'classification',
      describe: 'MNIST',
      targetScale: 1,
      dataset,
      checked: { kind: 'images', task: 'classification', items: loaders.train.numItems + loaders.valid.numItems, classes: digitCounts(loaders) },
    };
  }
  const table = args.dataset === 'iris' ? irisTable() : readTableFile(args.file!, args.encoding);
  const suggested = args.dataset === 'iris' ? { label: 'species', task: 'classification' as const, missing: 'drop' as const } : suggestChoices(table);
  const label = args.label ?? suggested.label;
  const task = args.task ?? suggestTask(table, label);
  const missing = args.missing ?? suggested.missing;
  const exclude = args.exclude;
  const prepared = prepareTable(table, { label, task, missing, validFraction: args['valid-fraction'], seed: args.seed, exclude });
  const { train, valid, card, preprocessing } = prepared;
  const outputs = isClassification(train) ? train.numClasses! : targetSize(train);
  const lines = [`${card.source}: ${card.items} rows, ${train.itemShape[0]} features, ${task} of '${label}'`, ...card.warnings.map((w) => `  warning: ${w}`)];
  const target = preprocessing.label;
  const targetScale = target.task === 'regression' ? tableTargetScale(target) : 1;
  if (target.task === 'regression')
    lines.push(`  targets standardized (mean ${target.mean.toPrecision(4)}, std ${targetScale.toPrecision(4)}): Loss is in standard units, MAE in the label's`);
  const dataset: DatasetConfig =
    args.dataset === 'iris'
      ? { type: 'iris' }
      : { type: 'table', file: basename(args.file!), label, task, missing, encoding: args.encoding, ...(exclude ? { exclude } : {}) };
  return {
    ...splitLoaders(train, valid, opts),
    shape: { inputShape: train.itemShape, outputs },
    task,
    describe: lines.join('\n'),
    targetScale,
    dataset,
    prepared,
    checked: card,
  };
}
