import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../src/cli/args';
import { cliData } from '../../src/cli/data';
import type { DatasetCard } from '../../src/data/card';
import { blockingCheck, MIN_STEPS_PER_EPOCH, splitSizes, startChecks, type CheckSettings } from '../../src/data/checks';
import { DataError } from '../../src/data/errors';
import { routeFile, sniffFile } from '../../src/data/sniff';
import { stratifiedSplit } from '../../src/data/split';
import { describeTable, prepareTable, type TableChoices } from '../../src/data/table';
import { RunConfigSchema, DEFAULT_RUN_CONFIG } from '../../src/protocol/run-config';
import { parseText } from '../fixtures/table/tables';
import { DatasetHost } from '../../src/worker/datasets';

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const PNG = bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR');
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF');
const GIF = bytes('GIF89a', [1, 0, 1, 0]);
const WEBP = bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ');
const PDF = bytes('%PDF-1.7\n%âãÏÓ\n');
const ZIP = bytes('PK', [3, 4, 20, 0, 0, 0, 8, 0]);
const text = (s: string) => new TextEncoder().encode(s);

/** The message `fn` throws. */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('what a dropped file is, by its first bytes', () => {
  it('calls_an_image_named_csv_the_image_it_is', () => {
    for (const [head, what] of [
      [PNG, 'a PNG image'],
      [JPEG, 'a JPEG image'],
      [GIF, 'a GIF image'],
      [WEBP, 'a WebP image'],
    ] as const) {
      expect(sniffFile(head)).toEqual({ kind: 'image', what });
      expect(message(() => routeFile('data.csv', head))).toBe(
        `data.csv is ${what}, not a CSV table: put it with other images in class folders (one subfolder per class) and drop the folder, or a zip of it`,
      );
    }
    expect(message(() => routeFile('cat.png', PNG))).toBe(
      'cat.png is a PNG image, and one image is not a dataset: put it with other images in class folders (one subfolder per class) and drop the folder, or a zip of it',
    );
  });

  it('calls_a_file_named_zip_that_is_not_one_what_it_is', () => {
    expect(message(() => routeFile('pets.zip', text('a,b\n1,2\n')))).toBe('pets.zip is a text file, not a zip archive: if it is a table, name it .csv or .tsv');
    expect(message(() => routeFile('pets.zip', PDF))).toBe('pets.zip is a PDF document, not a zip archive');
    expect(message(() => routeFile('pets.zip', PNG))).toMatch(/^pets\.zip is a PNG image, not a zip archive: put it with other images/);
    expect(message(() => routeFile('pets.zip', new Uint8Array(64)))).toMatch(/^pets\.zip is a binary file \(it holds NUL bytes/);
  });

  it('names_binary_files_and_says_what_to_do_with_them', () => {
    expect(message(() => routeFile('data.csv', bytes([0x1f, 0x8b, 8, 0])))).toBe(
      'data.csv is a gzip-compressed file, not a CSV table: decompress it and drop the file inside',
    );
    expect(message(() => routeFile('report.tsv', PDF))).toBe('report.tsv is a PDF document, not a TSV table');
    expect(message(() => routeFile('sales.xlsx', ZIP))).toBe(
      'sales.xlsx is a spreadsheet workbook, not a table (CSV or TSV): open it in its spreadsheet program and save the sheet as CSV',
    );
    expect(message(() => routeFile('sales.xls', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))).toMatch(
      /an old Office file.*save the sheet as CSV$/,
    );
    // The errors are DataErrors: the studio shows them as it shows any dataset problem.
    expect(() => routeFile('data.csv', PNG)).toThrow(DataError);
  });

  it('reads_a_zip_as_a_zip_and_text_as_a_table_whatever_the_extension', () => {
    expect(routeFile('pets.zip', ZIP)).toBe('zip');
    expect(routeFile('pets', ZIP)).toBe('zip');
    expect(routeFile('iris.csv', text('a,b\n1,2\n'))).toBe('table');
    expect(routeFile('adult.data', text('39, State-gov, 77516\n'))).toBe('table');
    // UTF-16 text holds NUL bytes, and is text all the same.
    expect(routeFile('names.csv', new Uint8Array(Buffer.from('\ufeffa,b\n1,2\n', 'utf16le')))).toBe('table');
    expect(sniffFile(new Uint8Array(Buffer.from('a,b\n1,2\n', 'utf16le')))).toEqual({ kind: 'text', form: 'utf-16le', mark: 0 });
    // Two letters a Windows program starts with are not enough to call a table one.
    expect(routeFile('mz.csv', text('MZ,code\n1,2\n'))).toBe('table');
  });
});

const settings = (o: Partial<CheckSettings> = {}): CheckSettings => ({ validFraction: 0.2, batchSize: 16, gradAccumulation: 1, ...o });
const choose = (label: string, o: Partial<TableChoices> = {}): TableChoices => ({
  label,
  task: 'classification',
  missing: 'fill',
  validFraction: 0.2,
  seed: 0,
  ...o,
});

/** A table of `rows` rows: an id, a measurement, a price of its own per row, and a kind. */
function shop(rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `${i + 1},${(i * 7) % 13},${100 + i * 3},${['a', 'b', 'c'][i % 3]}`);
  return `id,size,price,kind\n${lines.join('\n')}\n`;
}

describe('the checks before Start', () => {
  it('refuses_a_numeric_label_of_one_class_a_row_taken_as_classes_and_offers_regression', () => {
    // "300 classes", "valid 0 items": each value of the price is a class with one row, which stays in training.
    const table = parseText(shop(300), 'shop.csv');
    const card = describeTable(table, choose('price'));
    expect(card.classes).toHaveLength(300);
    const checks = startChecks(card, settings({ label: 'price' }));
    expect(blockingCheck(checks)).toEqual({
      level: 'error',
      message: "the validation split is empty: each of the 300 classes has a single row, and a class's only row stays in training",
      fix: { kind: 'task', task: 'regression' },
    });
    expect(checks).toContainEqual({
      level: 'warning',
      message: 'the label "price" is a number with 300 different values: as classification each value is a class of its own; regression predicts the number',
      fix: { kind: 'task', task: 'regression' },
    });
    // Switched to regression, nothing blocks, and the split is what the studio then makes.
    const regression = describeTable(table, choose('price', { task: 'regression' }));
    expect(blockingCheck(startChecks(regression, settings({ label: 'price' })))).toBeNull();
    const { train, valid } = prepareTable(table, choose('price', { task: 'regression', exclude: ['id'] }));
    expect(splitSizes(regression, 0.2)).toEqual({ train: train.y.length, valid: valid.y.length });
  });

  it('refuses_a_label_of_one_class_as_the_cli_does', () => {
    const table = parseText('x,label\n1,same\n2,same\n3,same\n', 'one.csv');
    const card = describeTable(table, choose('label'));
    const expected = 'one.csv: the label column "label" has only one class ("same"): there is nothing to tell apart';
    expect(startChecks(card, settings({ label: 'label' }))).toEqual([{ level: 'error', message: expected }]);
    // An image folder of one class says so too.
    const images: DatasetCard = { ...card, kind: 'images', error: undefined, classes: [{ name: 'cats', count: 12 }], items: 12 };
    expect(blockingCheck(startChecks(images, settings()))?.message).toBe('there is only one class ("cats"): there is nothing to tell apart');
  });

  it('warns_of_too_few_steps_an_epoch_with_the_batch_size_that_gives_enough', () => {
    // 96 images of two classes at the default batch of 64: 76 train, 2 steps an epoch.
    const images: DatasetCard = {
      source: 'shapes',
      kind: 'images',
      task: 'classification',
      items: 96,
      inputShape: [28, 28, 1],
      classes: [
        { name: 'bar', count: 48 },
        { name: 'circle', count: 48 },
      ],
      preview: { kind: 'images', width: 28, height: 28, samples: [] },
      warnings: [],
      skipped: [],
    };
    expect(splitSizes(images, 0.2)).toEqual({ train: 76, valid: 20 });
    const labels = Int32Array.from({ length: 96 }, (_, i) => i % 2);
    expect(stratifiedSplit(labels, 0.2, 5).valid).toHaveLength(20); // the split the run makes
    expect(startChecks(images, settings({ batchSize: 64 }))).toEqual([
      {
        level: 'warning',
        message:
          'only 2 steps an epoch (76 training images in batches of 64): the model will barely move from where it starts; lower the batch size to 7 (11 steps an epoch)',
        fix: { kind: 'batch-size', batchSize: 7 },
      },
    ]);
    expect(startChecks(images, settings({ batchSize: 128 }))[0].message).toMatch(
      /^the batch size \(128\) is as large as the training split \(76 images\): every epoch is a single step; lower the batch size to 7/,
    );
    expect(startChecks(images, settings({ batchSize: 7 }))).toEqual([]);
    expect(Math.ceil(76 / 7)).toBeGreaterThanOrEqual(MIN_STEPS_PER_EPOCH);
    // Gradient accumulation makes fewer steps of the same batches.
    expect(startChecks(images, settings({ batchSize: 7, gradAccumulation: 4 }))[0].fix).toEqual({ kind: 'batch-size', batchSize: 1 });
  });

  it('refuses_an_empty_validation_split_of_too_few_rows', () => {
    const table = parseText('x,y\n1,2.5\n', 'tiny.csv');
    const card = describeTable(table, choose('y', { task: 'regression' }));
    expect(blockingCheck(startChecks(card, settings({ label: 'y' })))?.message).toBe('the validation split is empty: 1 row is too few to hold any out');
  });

  it('flags_identifier_columns_and_leaves_out_what_the_user_excludes', () => {
    const table = parseText(shop(60), 'shop.csv');
    const card = describeTable(table, choose('kind'));
    expect(card.columns?.find((c) => c.name === 'id')?.identifier).toBe('every value is a different whole number, 1 to 60 in sequence');
    expect(card.columns?.find((c) => c.name === 'size')?.identifier).toBeUndefined();
    expect(startChecks(card, settings({ label: 'kind' }))).toContainEqual({
      level: 'warning',
      message:
        'column "id" looks like an identifier (every value is a different whole number, 1 to 60 in sequence): it tells the model which row it is, which does not carry over to new data',
      fix: { kind: 'exclude', column: 'id' },
    });
    // Left out: not flagged, not a feature, and said so in the preprocessing saved with the run.
    expect(startChecks(card, settings({ label: 'kind', exclude: ['id', 'price'] })).filter((c) => c.fix?.kind === 'exclude')).toEqual([]);
    const prepared = prepareTable(table, choose('kind', { exclude: ['id', 'price'] }));
    expect(prepared.preprocessing.features.map((f) => f.name)).toEqual(['size']);
    expect(prepared.train.itemShape).toEqual([1]);
    expect(message(() => prepareTable(table, choose('kind', { exclude: ['nope'] })))).toBe('shop.csv: there is no column named "nope"');
    expect(message(() => prepareTable(table, choose('kind', { exclude: ['id', 'size', 'price'] })))).toMatch(/no column is left to learn "kind" from/);
    // Text that names every row is flagged too.
    const names = parseText(`name,label\n${Array.from({ length: 20 }, (_, i) => `n${i},${i % 2}`).join('\n')}\n`);
    expect(describeTable(names, choose('label')).columns?.[0].identifier).toBe('every value is different (20 of 20)');
  });

  it('reads_a_table_config_written_before_columns_could_be_left_out', () => {
    const old = {
      ...DEFAULT_RUN_CONFIG,
      dataset: { type: 'table', file: 'shop.csv', label: 'kind', task: 'classification', missing: 'fill', encoding: 'utf-8' },
    };
    const parsed = RunConfigSchema.parse(JSON.parse(JSON.stringify(old)));
    expect(parsed.dataset).toEqual(old.dataset);
    const excluded = RunConfigSchema.parse({ ...old, dataset: { ...old.dataset, exclude: ['id'] } });
    expect(excluded.dataset).toMatchObject({ exclude: ['id'] });
  });
});

describe('the CLI says what the form says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-checks-'));
  const csv = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const data = (...flags: string[]) => cliData(parseTrainArgs(['--dataset', 'csv', '--out', join(dir, 'run'), ...flags]));

  it('refuses_a_one_class_label_and_an_empty_validation_split_with_the_forms_words', () => {
    const one = csv('one.csv', 'x,label\n1,same\n2,same\n3,same\n');
    const card = describeTable(parseText('x,label\n1,same\n2,same\n3,same\n', 'one.csv'), choose('label'));
    expect(message(() => data('--file', one, '--label', 'label'))).toBe(card.error);
    const shopFile = csv('shop.csv', shop(300));
    expect(message(() => data('--file', shopFile, '--label', 'price', '--task', 'classification'))).toBe(
      "the validation split is empty: each of the 300 classes has a single row, and a class's only row stays in training (--task regression)",
    );
  });

  it('checks_mnist_as_the_studio_does', () => {
    const mnist = (...flags: string[]) => cliData(parseTrainArgs(['--dataset', 'mnist', '--out', join(dir, 'run'), ...flags]));
    // The first five digits are 0 to 4, one each: none can be held out.
    expect(message(() => mnist('--limit', '5'))).toBe(
      "the validation split is empty: each of the 5 classes has a single image, and a class's only image stays in training",
    );
    expect(mnist('--limit', '100', '--batch-size', '50').describe).toContain(
      'warning: only 2 steps an epoch (80 training images in batches of 50): the model will barely move from where it starts; lower the batch size to 8 (10 steps an epoch) (--batch-size 8)',
    );
  });

  it('prints_the_warnings_with_the_flag_that_fixes_each', () => {
    const shopFile = csv('shop.csv', shop(120));
    const { describe: lines, trainData } = data('--file', shopFile, '--label', 'kind', '--batch-size', '64');
    expect(lines).toContain('  warning: only 2 steps an epoch (96 training rows in batches of 64)');
    expect(lines).toContain('lower the batch size to 9 (11 steps an epoch) (--batch-size 9)');
    expect(lines).toContain('  warning: column "id" looks like an identifier');
    expect(lines).toContain('(--exclude id)');
    expect(trainData.itemShape).toEqual([3]);
    const excluded = data('--file', shopFile, '--label', 'kind', '--batch-size', '8', '--exclude', 'id,price');
    expect(excluded.describe).not.toContain('warning');
    expect(excluded.trainData.itemShape).toEqual([1]);
    expect(excluded.dataset).toMatchObject({ type: 'table', exclude: ['id', 'price'] });
  });
});

describe("the worker's dataset host", () => {
  const picked = (name: string, body: Uint8Array<ArrayBuffer> | string) => ({ name, files: [{ path: name, file: new Blob([body]) }], folders: [] });
  const open = (host: DatasetHost, name: string, body: Uint8Array<ArrayBuffer> | string) => host.open(picked(name, body), 'utf-8', () => {});

  it('routes_a_dropped_file_by_its_bytes_and_keeps_the_last_dataset_open_when_one_fails', async () => {
    const host = new DatasetHost();
    const { card, suggested } = await open(host, 'shop.data', shop(60));
    expect(card).toMatchObject({ kind: 'table', items: 60 });
    expect(suggested).toMatchObject({ type: 'table', file: 'shop.data', label: 'kind' });
    await expect(open(host, 'data.csv', PNG)).rejects.toThrow(
      'data.csv is a PNG image, not a CSV table: put it with other images in class folders (one subfolder per class) and drop the folder, or a zip of it',
    );
    await expect(open(host, 'pets.zip', 'a,b\n1,2\n')).rejects.toThrow('pets.zip is a text file, not a zip archive');
    // The table read before is still the one open: its card (with the checks' inputs) still comes.
    const again = await host.card(
      { type: 'table', file: 'shop.data', label: 'price', task: 'classification', missing: 'fill', encoding: 'utf-8' },
      0.2,
      0,
      () => {},
    );
    expect(blockingCheck(startChecks(again, settings({ label: 'price' })))?.message).toMatch(/^the validation split is empty/);
  });
});
