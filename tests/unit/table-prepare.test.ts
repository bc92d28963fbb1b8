import { describe, expect, it } from 'vitest';
import { read, parseText } from '../fixtures/table/tables';
import { selectRows } from '../../src/data/dataset';
import { DataError } from '../../src/data/errors';
import { randomSplit, stratifiedSplit } from '../../src/data/split';
import { irisTable } from '../../src/data/iris';
import {
  applyPreprocessing,
  describeTable,
  prepareTable,
  suggestChoices,
  suggestLabel,
  suggestTask,
  targetScale,
  type TableChoices,
  type TablePreprocessing,
} from '../../src/data/table';
import { Rng } from '../../src/util/rng';

const choose = (label: string, more: Partial<TableChoices> = {}): TableChoices => ({
  label,
  task: 'classification',
  missing: 'fill',
  validFraction: 0.25,
  seed: 3,
  ...more,
});

/** Feature `k` of every row of row-major x. */
const featureColumn = (x: Float32Array, width: number, k: number) => Array.from({ length: x.length / width }, (_, i) => x[i * width + k]);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** A seeded table: a numeric feature, a categorical one, and a 3-class label with 40/40/20 rows. */
function synthetic(rows = 100): string {
  const rng = new Rng(11);
  const lines = ['height,colour,label'];
  for (let i = 0; i < rows; i++) {
    const label = i % 5 < 2 ? 'a' : i % 5 < 4 ? 'b' : 'c';
    lines.push(`${(150 + rng.next() * 50).toFixed(1)},${['red', 'green', 'blue'][rng.int(3)]},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('table preparation', () => {
  it('suggests_a_label_by_name_else_the_last_column', () => {
    expect(suggestLabel(read('basic.csv'))).toBe('species');
    expect(suggestLabel(parseText('Target,a,b\n1,2,3\n'))).toBe('Target');
    expect(suggestLabel(parseText('a,b,price\n1,2,3\n'))).toBe('price');
  });

  it('suggests_regression_only_for_numbers_with_many_values', () => {
    const many = Array.from({ length: 100 }, (_, i) => `${i},${(i * 1.7).toFixed(1)},${i % 4}`);
    const table = parseText(`a,price,grade\n${many.join('\n')}\n`);
    expect(suggestTask(table, 'price')).toBe('regression');
    expect(suggestTask(table, 'grade')).toBe('classification');
    expect(suggestTask(read('basic.csv'), 'species')).toBe('classification');
  });

  it('one_hot_encodes_categories_in_sorted_order_after_the_numbers', () => {
    const { train, valid, preprocessing } = prepareTable(read('basic.csv'), choose('species', { validFraction: 0 }));
    expect(preprocessing.features.map((f) => [f.name, f.kind])).toEqual([
      ['sepal_length', 'numeric'],
      ['sepal_width', 'numeric'],
      ['colour', 'categorical'],
    ]);
    expect(preprocessing.features[2]).toMatchObject({ categories: ['blue', 'red'] });
    expect(train.itemShape).toEqual([4]);
    expect(valid.y).toHaveLength(0);
    // Rows: red, blue, (missing → most frequent; blue and red tie → blue, first in order), red, (missing), blue.
    const oneHot = Array.from({ length: 6 }, (_, i) => [train.x[i * 4 + 2], train.x[i * 4 + 3]]);
    expect(oneHot).toEqual([
      [0, 1],
      [1, 0],
      [1, 0],
      [0, 1],
      [1, 0],
      [1, 0],
    ]);
    expect(train.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(train.numClasses).toBe(3);
    expect(Array.from(train.y)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('standardizes_with_training_statistics_only', () => {
    const table = parseText(synthetic());
    const { train, valid, preprocessing } = prepareTable(table, choose('label'));
    const f = preprocessing.features[0];
    if (f.kind !== 'numeric') throw new Error('height should be numeric');
    const trainHeights = featureColumn(train.x, 4, 0);
    // Training inputs are centred and scaled to unit (population) variance; validation ones are not exactly.
    expect(mean(trainHeights)).toBeCloseTo(0, 5);
    expect(mean(trainHeights.map((v) => v * v))).toBeCloseTo(1, 4);
    expect(Math.abs(mean(featureColumn(valid.x, 4, 0)))).toBeGreaterThan(1e-3);
    // The stored mean is the training rows' raw mean: undoing the scaling gives the file's values back.
    const heights = table.columns[0].kind === 'numeric' ? table.columns[0].values : new Float64Array();
    const raw = trainHeights.map((v) => v * f.std + f.mean);
    expect(mean(raw)).toBeCloseTo(f.mean, 6);
    expect(raw.every((v) => heights.some((h) => Math.abs(h - v) < 1e-3))).toBe(true);
  });

  it('splits_stratified_and_the_same_for_the_same_seed', () => {
    const table = parseText(synthetic(200));
    const a = prepareTable(table, choose('label', { validFraction: 0.25 }));
    const b = prepareTable(table, choose('label', { validFraction: 0.25 }));
    const c = prepareTable(table, choose('label', { validFraction: 0.25, seed: 4 }));
    const counts = (y: ArrayLike<number>) => [0, 1, 2].map((k) => Array.from(y).filter((v) => v === k).length);
    expect(counts(a.valid.y)).toEqual([20, 20, 10]);
    expect(counts(a.train.y)).toEqual([60, 60, 30]);
    expect(a.valid.x).toEqual(b.valid.x);
    expect(a.valid.x).not.toEqual(c.valid.x);
  });

  it('splits_and_encodes_each_side_as_the_generic_split_and_the_saved_preprocessing_do', () => {
    // Numbers, halves, a categorical column and a 3-class label, with missing cells in all but
    // "half"; rows enough that sides are gathered in several blocks.
    const rng = new Rng(5);
    const maybe = (cell: string) => (rng.next() < 0.08 ? ['', 'NA'][rng.int(2)] : cell);
    const header = 'num,colour,half,label,price';
    const lines = Array.from({ length: 9000 }, () =>
      [
        maybe((rng.next() * 20 - 5).toFixed(3)),
        maybe(['red', 'green', 'blue'][rng.int(3)]),
        rng.int(9) / 2,
        maybe('abc'[rng.int(3)]),
        maybe((rng.next() * 1e5).toFixed(2)),
      ].join(','),
    );
    const table = parseText(`${header}\n${lines.join('\n')}\n`);
    const cases: TableChoices[] = [
      choose('label', { missing: 'fill', validFraction: 0.2, seed: 1 }),
      choose('label', { missing: 'drop', validFraction: 0.3, seed: 2 }),
      choose('price', { task: 'regression', missing: 'drop', validFraction: 0.25, seed: 3 }),
    ];
    for (const choices of cases) {
      const prepared = prepareTable(table, choices);
      // The rows used, taken from the text: a label, and for 'drop' every cell.
      const at = header.split(',').indexOf(choices.label);
      const missing = (cell: string) => cell === '' || cell === 'NA';
      const used = lines.filter((line) => {
        const cells = line.split(',');
        return !missing(cells[at]) && (choices.missing === 'fill' || !cells.some(missing));
      });
      // Those rows encoded by the saved preprocessing, and split as any dataset of their targets is.
      const applied = applyPreprocessing(prepared.preprocessing, parseText(`${header}\n${used.join('\n')}\n`));
      const all = { x: applied.x, itemShape: applied.itemShape, y: applied.y! };
      const split =
        choices.task === 'classification'
          ? stratifiedSplit(applied.y as Int32Array, choices.validFraction, choices.seed)
          : randomSplit(used.length, choices.validFraction, choices.seed);
      for (const side of ['train', 'valid'] as const) {
        const expected = selectRows(all, split[side]);
        expect(prepared[side].x).toEqual(expected.x);
        expect(prepared[side].y).toEqual(expected.y);
      }
      expect(prepared.card.items).toBe(used.length);
      // The statistics are the training rows' own, from their text.
      const trainCells = Array.from(split.train, (i) => used[i].split(','));
      for (const f of prepared.preprocessing.features) {
        if (f.kind !== 'numeric') continue;
        const at = header.split(',').indexOf(f.name);
        const values = trainCells
          .map((cells) => cells[at])
          .filter((cell) => !missing(cell))
          .map(Number);
        const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
        const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
        expect(Math.abs(f.mean - mean)).toBeLessThan(1e-9 * Math.abs(mean));
        expect(Math.abs(f.std - std)).toBeLessThan(1e-9 * std);
      }
    }
  });

  it('drops_rows_with_missing_values_and_counts_them', () => {
    const { card, train } = prepareTable(read('basic.csv'), choose('species', { missing: 'drop', validFraction: 0 }));
    expect(card.items).toBe(3);
    expect(train.y).toHaveLength(3);
    expect(card.warnings).toContain('3 rows with missing values dropped');
  });

  it('fills_missing_numbers_with_the_training_mean', () => {
    const table = parseText('v,label\n1,a\n3,a\n,a\n10,b\n20,b\n,b\n');
    const { train, preprocessing, card } = prepareTable(table, choose('label', { validFraction: 0 }));
    const f = preprocessing.features[0];
    expect(f).toMatchObject({ kind: 'numeric', mean: 8.5, fill: 8.5 });
    // A filled cell sits exactly at the mean: 0 once standardized.
    expect(train.x[2]).toBe(0);
    expect(train.x[5]).toBe(0);
    expect(card.warnings[0]).toMatch(/^2 missing values filled/);
  });

  it('warns_about_constant_columns_and_leaves_them_centred', () => {
    const { train, card } = prepareTable(parseText('k,v,label\n5,1,a\n5,2,b\n5,3,a\n5,4,b\n'), choose('label', { validFraction: 0 }));
    expect(featureColumn(train.x, 2, 0)).toEqual([0, 0, 0, 0]);
    expect(card.warnings.some((w) => w.startsWith('constant column "k"'))).toBe(true);
  });

  it('makes_numeric_labels_classes_in_numeric_order', () => {
    const { train } = prepareTable(parseText('x,grade\n1,10\n2,2\n3,10\n4,9\n5,2\n'), choose('grade', { validFraction: 0 }));
    expect(train.classNames).toEqual(['2', '9', '10']);
    expect(Array.from(train.y)).toEqual([2, 0, 2, 1, 0]);
  });

  it('standardizes_regression_targets_with_the_training_split', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${i % 3 ? 'x' : 'y'},${(i * 2.5 + 100).toFixed(1)}`);
    const table = parseText(`a,b,price\n${rows.join('\n')}\n`);
    const { train, valid, card, preprocessing } = prepareTable(table, choose('price', { task: 'regression', validFraction: 0.25 }));
    expect(train.y).toBeInstanceOf(Float32Array);
    expect(train.numClasses).toBeUndefined();
    expect(valid.y).toHaveLength(10);
    const label = preprocessing.label as Extract<typeof preprocessing.label, { task: 'regression' }>;
    expect(label).toMatchObject({ task: 'regression', name: 'price' });
    // Training targets have mean 0 and standard deviation 1; mean and std undo it exactly.
    const mean = [...train.y].reduce((a, b) => a + b, 0) / train.y.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(Math.sqrt([...train.y].reduce((a, b) => a + (b - mean) ** 2, 0) / train.y.length)).toBeCloseTo(1, 2);
    const all = [...train.y, ...valid.y].map((v) => Math.round((v * targetScale(label) + label.mean) * 10) / 10).sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i * 2.5 + 100));
    expect(card.target).toEqual({ name: 'price', min: 100, max: 197.5, mean: 148.75 });
  });

  it('round_trips_preprocessing_through_json_and_applies_it_to_a_new_table', () => {
    const { train, preprocessing } = prepareTable(read('basic.csv'), choose('species', { validFraction: 0 }));
    const saved = JSON.parse(JSON.stringify(preprocessing)) as TablePreprocessing;
    expect(saved).toEqual(preprocessing);
    expect(saved.version).toBe(1);
    // The same rows give the same inputs.
    expect(applyPreprocessing(saved, read('basic.csv')).x).toEqual(train.x);
    // New rows, columns in another order, no label: scaled with the training statistics, an unseen
    // colour all zeros, a missing number at the training mean.
    const next = parseText('colour,sepal_width,sepal_length\nred,3.5,5.1\npurple,,7.0\n', 'new.csv');
    const applied = applyPreprocessing(saved, next);
    expect(applied.rows).toBe(2);
    expect(applied.y).toBeUndefined();
    expect(Array.from(applied.x.subarray(0, 4))).toEqual(Array.from(train.x.subarray(0, 4)));
    expect(Array.from(applied.x.subarray(4))).toEqual([train.x[8], 0, 0, 0]);
  });

  it('names_the_missing_column_when_applying', () => {
    const { preprocessing } = prepareTable(read('basic.csv'), choose('species'));
    const e = (() => {
      try {
        applyPreprocessing(preprocessing, parseText('sepal_length,colour\n5,red\n', 'new.csv'));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe('new.csv: the feature column "sepal_width" is missing (the model was trained with it)');
  });

  it('fills_the_card_with_counts_columns_and_warnings', () => {
    const table = parseText('v,label\n1,a\n2,a\n3,a\n4,a\n5,a\n6,a\n7,a\n8,a\n9,a\n10,a\n1,b\n1,b\n1,b\n1,a\n', 'cards.csv');
    const card = describeTable(table, choose('label'));
    expect(card).toMatchObject({ source: 'cards.csv', kind: 'table', task: 'classification', items: 14, inputShape: [1], skipped: [] });
    expect(card.classes).toEqual([
      { name: 'a', count: 11 },
      { name: 'b', count: 3 },
    ]);
    expect(card.columns).toEqual([
      { name: 'v', type: 'numeric', missing: 0, distinct: 10, min: 1, max: 10, mean: 59 / 14 },
      { name: 'label', type: 'categorical', missing: 0, distinct: 2, categories: ['a', 'b'] },
    ]);
    expect(card.warnings).toEqual(['3 rows repeat an earlier row exactly']);
    expect(card.preview).toMatchObject({ kind: 'rows', header: ['v', 'label'] });
    const imbalanced = parseText(`v,label\n${[...Array(10).fill('1,big'), '2,small'].join('\n')}\n`);
    expect(describeTable(imbalanced, choose('label')).warnings).toContain('class imbalance: "big" has 10 rows, "small" only 1 (10×)');
  });

  it('builds_iris_like_a_dropped_csv', () => {
    const iris = irisTable();
    expect(iris.columns.map((c) => c.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(iris.rows).toBe(150);
    expect(suggestChoices(iris)).toMatchObject({ label: 'species', task: 'classification' });
    const { card, train, valid } = prepareTable(iris, suggestChoices(iris));
    expect(card.classes).toEqual(['setosa', 'versicolor', 'virginica'].map((name) => ({ name, count: 50 })));
    expect(train.y.length + valid.y.length).toBe(150);
    expect(card.preview.kind === 'rows' && card.preview.rows[0]).toEqual(['5.1', '3.5', '1.4', '0.2', 'setosa']);
  });
});
